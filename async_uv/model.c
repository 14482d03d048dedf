/* model.c: the libuv model, every task a chain of callbacks on one loop.
 *
 * The window (loop/window.c) keeps at most --concurrency tasks in flight;
 * here a task is a chain of callbacks, one per step, that the loop calls
 * whenever the task's socket, file or timer is ready (attempt.c, and a
 * file per workload). Compare async_coro/model.c: the same window, with
 * each task a coroutine running the straight code of tasks/task.c. */
#include "model.h"

/* The loop's options: --uv-threadpool, --offload, --blocking-process. */
static struct loop_options loop_opts;

/* Each workload's steps, by the workload the run asks for. */
static const struct workload_ops *const workloads[] = {
    [WORKLOAD_FETCH] = &fetch_workload,
    [WORKLOAD_DOWNLOAD] = &download_workload,
    [WORKLOAD_FILES] = &files_workload,
    [WORKLOAD_COOK] = &cook_workload,
    [WORKLOAD_CPU] = &cpu_workload,
};

/* Runs the workload's tasks on one loop. */
static int run_on_loop(struct run *run)
{
    return attempt_run(run, workloads[run->opts->workload], &loop_opts);
}

static const struct model_option loop_options[] = {
    LOOP_OPTIONS(loop_opts),
    { .name = NULL },
};

static const struct model loop_model = {
    .name = "async_uv",
    .about = "runs every task on one thread: one libuv loop, libcurl's multi socket interface",
    .concurrency_help = "most tasks in flight at once; without it, every task starts at once",
    .concurrency_max = 0,
    .options = loop_options,
    .run = run_on_loop,
};

int main(int argc, char **argv)
{
    return client_main(argc, argv, &loop_model);
}
