/* model.c: the sync model, one thing at a time.
 *
 * One thread, one libcurl easy handle, one task after another: each task
 * blocks this thread until it is done, so the run takes the sum of the
 * tasks' times. The tasks themselves are in common/blocking.c, shared with
 * async_threads, which runs the same code on many threads at once. */
#include "model.h"

int run_in_turn(struct run *run, task_fn *task)
{
    struct worker worker;

    if (worker_init(&worker) != 0)
        return -1;
    run->concurrency = 1;
    for (size_t i = 0; i < run->count; i++) {
        if (run_cancelled())
            record_cancel(run, &run->records[i]);
        else
            task(run, &worker, &run->records[i]);
    }
    worker_cleanup(&worker);
    return 0;
}

const struct model model = {
    .name = "sync",
    .about = "runs one task at a time on one thread with blocking libcurl",
    .concurrency_help = "always 1: this model runs one task at a time",
    .concurrency_max = 1,
    .fetch = fetch_run,
    .download = download_run,
    .files = files_run,
    .cook = cook_run,
};
