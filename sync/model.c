/* model.c: the sync model, one thing at a time.
 *
 * One thread, one worker, one task after another: each task blocks this
 * thread at every wait until it is done, so the run takes the sum of the
 * tasks' times. The tasks are tasks/task.c and their waits the blocking
 * ones of tasks/blocking.c. Compare async_threads/model.c: the same tasks
 * and waits on many threads at once. */
#include "run.h"
#include "task.h"

/* Runs the workload's task on every record, one after another. */
static int run_in_turn(struct run *run)
{
    task_fn *task = task_of(run->opts->workload);
    struct worker worker;

    if (worker_init(&worker, &blocking_waits, NULL) != 0)
        return -1;
    run->concurrency = 1;
    for (size_t i = 0; i < run->count; i++) {
        if (record_is_done(&run->records[i]))
            continue;   /* taken from the cache */
        /* --rate: not before its intended start (run.h); Ctrl-C ends the wait. */
        if (run_wait_for_start(run, i) != 0)
            record_cancel(run, &run->records[i]);
        else
            task(run, &worker, &run->records[i]);
    }
    worker_cleanup(&worker);
    return 0;
}

static const struct model sync_model = {
    .name = "sync",
    .about = "runs one task at a time on one thread with blocking libcurl",
    .concurrency_help = "always 1: this model runs one task at a time",
    .concurrency_max = 1,
    .run = run_in_turn,
};

int main(int argc, char **argv)
{
    return client_main(argc, argv, &sync_model);
}
