/* model.c: the coroutine model, every task a coroutine on one loop.
 *
 * The window (loop/window.c) keeps at most --concurrency tasks in flight,
 * as in async_uv; here each task is a coroutine that runs the very same
 * straight code as sync and async_threads (tasks/task.c), and pauses at
 * each wait (waits.c, coro/coro_loop.c) while the loop serves the others.
 * coro/coro_loop.c starts, cancels and releases the tasks for the window,
 * compiled here against libuv's loop. Compare async_uv/model.c: the same
 * window, with each task a chain of callbacks; and async_uring/model.c,
 * the same coroutines on a ring. */
#include "model.h"

#include "run.h"

/* Runs the workload's task on a coroutine per record, on one libuv loop. */
static int run_on_coroutines(struct run *run)
{
    return coro_loop_run(run, sizeof(struct coro_task));
}

static const struct model coro_model = {
    .name = "async_coro",
    .about = "runs every task as a coroutine on one thread: one libuv loop, libcurl's "
             "multi socket interface, the straight task code of sync",
    .concurrency_help = "most coroutines at once; without it, every task starts at once",
    .concurrency_max = 0,
    .options = coro_loop_options,   /* --uv-threadpool, --offload, --blocking-process, --stack-kb */
    .run = run_on_coroutines,
};

int main(int argc, char **argv)
{
    return client_main(argc, argv, &coro_model);
}
