/* model.c: the ring model, every task a coroutine on one io_uring.
 *
 * async_coro's model (async_coro/model.c, read beside this one) on a ring
 * instead of libuv: the window keeps at most --concurrency tasks in
 * flight, each a coroutine running the straight code of tasks/task.c and
 * pausing at each wait (waits.c, coro/coro_loop.c) while the ring serves
 * the others; coro/coro_loop.c, compiled here against the ring's loop,
 * starts, cancels and releases them. The kernel does the file steps and
 * the timers itself, so there is no thread pool, and no --offload: the
 * ring cannot compute. */
#include "model.h"

#include "run.h"

/* Runs the workload's task on a coroutine per record, on one ring. */
static int run_on_coroutines(struct run *run)
{
    return coro_loop_run(run, sizeof(struct ring_task));
}

static const struct model coro_model = {
    .name = "async_uring",
    .about = "runs every task as a coroutine on one thread: one io_uring (the kernel does "
             "the file steps and the timers), libcurl's multi socket interface with its "
             "polls on the ring, the straight task code of sync",
    .concurrency_help = "most coroutines at once; without it, every task starts at once",
    .concurrency_max = 0,
    .options = coro_loop_options,   /* --blocking-process, --offload refused, --stack-kb */
    .run = run_on_coroutines,
};

int main(int argc, char **argv)
{
    return client_main(argc, argv, &coro_model);
}
