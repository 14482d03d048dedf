/* model.c: the coroutine model, every task a coroutine on one loop.
 *
 * The window (loop/window.c) keeps at most --concurrency tasks in flight,
 * as in async_uv; here each task is a coroutine that runs the very same
 * straight code as sync and async_threads (tasks/task.c), and pauses at
 * each wait (waits.c) while the loop serves the others. Compare
 * async_uv/model.c: the same window, with each task a chain of callbacks. */
#include "model.h"

#include "run.h"

/* The loop's options: --uv-threadpool, --offload, --blocking-process. */
static struct loop_options loop_opts;

/* The coroutines' part of the model: the waits, --stack-kb, the stacks. */
static struct coro_model coros = { .waits = &coro_waits };

/* Called by the window when the task's turn has come: its worker, its
 * coroutine, and the first resume, which runs until the first wait. */
static void coro_task_start(struct task *task)
{
    struct coro_task *ct = (struct coro_task *)task;

    coro_job_start(&ct->job, &coros, task, ct);
}

/* Called by the window as the task goes, its coroutine finished (or never
 * made). */
static void coro_task_release(struct task *task)
{
    struct coro_task *ct = (struct coro_task *)task;

    coro_job_release(&ct->job);
    body_free(&ct->stage);
}

static const struct window_ops coro_ops = {
    .task_size = sizeof(struct coro_task),
    .start = coro_task_start,
    .cancel = coro_task_cancel,
    .release = coro_task_release,
};

/* Runs the workload's task on a coroutine per record, on one loop. */
static int run_on_coroutines(struct run *run)
{
    coro_model_begin(&coros, run, sizeof(struct coro_task));
    int rc = loop_run(run, &coro_ops, &loop_opts);
    coro_model_end(&coros, run);
    return rc;
}

static const struct model_option coro_options[] = {
    LOOP_OPTIONS(loop_opts),
    CORO_STACK_OPTION(coros),
    { .name = NULL },
};

static const struct model coro_model = {
    .name = "async_coro",
    .about = "runs every task as a coroutine on one thread: one libuv loop, libcurl's "
             "multi socket interface, the straight task code of sync",
    .concurrency_help = "most coroutines at once; without it, every task starts at once",
    .concurrency_max = 0,
    .options = coro_options,
    .run = run_on_coroutines,
};

int main(int argc, char **argv)
{
    return client_main(argc, argv, &coro_model);
}
