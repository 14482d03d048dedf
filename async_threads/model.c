/* model.c: the thread-pool model, many blocking tasks at once.
 *
 * The very same tasks and blocking waits as sync/model.c (tasks/task.c,
 * tasks/blocking.c) run on a pool of threads (pool.c), each with its own
 * worker: a task that waits blocks only its own thread. Compare run_on_pool
 * here with run_in_turn in sync/model.c: the loop over the records became a
 * queue of jobs. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "memory.h"
#include "pool.h"
#include "run.h"
#include "task.h"

/* The most threads a pool may have, and so the cap on --concurrency: the
 * most any program here starts (bounds.h); open files may allow fewer, for
 * fetch and download: see open_files_per_thread. */
#define POOL_THREADS_MAX THREADS_MAX

/* Open files kept for the rest of the program: stdio, the trace, libcurl's
 * resolver, the files a run's folder needs. */
#define OPEN_FILES_SPARE 64

/* One task of the run, as a job for the pool. Owned by run_on_pool. */
struct task_job {
    struct pool_job job;         /* the pool's part; job.arg points back here */
    struct run *run;
    task_fn *task;
    struct task_record *rec;
};

/* Called by a pool thread for each job, with that thread's worker. As in
 * sync's loop, a task that has not started when the run is cancelled is
 * recorded as cancelled and never begins. Under --rate the thread waits for
 * the task's intended start (run.h): jobs start in their queue's order, so
 * the thread that took this one holds the earliest start still to come. */
static void on_pool_job(void *thread_ctx, void *arg)
{
    struct task_job *tj = arg;

    if (run_wait_for_start(tj->run, (size_t)(tj->rec->id - 1)) != 0)
        record_cancel(tj->run, tj->rec);
    else
        tj->task(tj->run, thread_ctx, tj->rec);
}

/* The pool's threads, numbered 1, 2, ... in the order they start, for the
 * records: which thread ran each task. */
static atomic_int threads_numbered;

/* Called by the pool on each new thread, before its first job: the worker
 * is made, used and cleaned up on that one thread. */
static int on_thread_start(void *thread_ctx)
{
    struct worker *worker = thread_ctx;

    if (worker_init(worker, &blocking_waits, NULL) != 0)
        return -1;
    worker->thread = atomic_fetch_add(&threads_numbered, 1) + 1;
    return 0;
}

/* The stacks the pool's threads touched (their pages in memory when each
 * thread ends). */
static struct stack_tally stacks;

/* Notes how much of the calling thread's stack is in memory: the pages it
 * has touched, and glibc's thread descriptor at its top. A failure to
 * measure is said, and the run goes on without the figure. */
static void note_stack_touched(void)
{
    pthread_attr_t attr;
    void *stack;
    size_t stack_bytes, touched;
    int rc = pthread_getattr_np(pthread_self(), &attr);

    if (rc != 0) {
        fprintf(stderr, "%s: pthread_getattr_np: %s\n", program_name(), strerror(rc));
        return;
    }
    rc = pthread_attr_getstack(&attr, &stack, &stack_bytes);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        fprintf(stderr, "%s: pthread_attr_getstack: %s\n", program_name(), strerror(rc));
        return;
    }
    if ((rc = memory_resident(stack, stack_bytes, &touched)) != 0) {
        fprintf(stderr, "%s: mincore: %s\n", program_name(), strerror(-rc));
        return;
    }
    stack_tally_add(&stacks, touched);
}

/* Called by the pool on each thread after its last job. */
static void on_thread_exit(void *thread_ctx)
{
    worker_cleanup(thread_ctx);
    note_stack_touched();
}

/* Open files one thread holds at once. A thread that has made a transfer
 * keeps three until it ends: its kept-alive connection, and the socketpair
 * of the multi handle inside curl_easy_perform (libcurl 7.88 keeps one for
 * curl_multi_wakeup). A download adds its part file; files holds one file
 * at a time; cook and cpu hold none. With ulimit -n 20000, a hard limit this
 * machine does not let even root raise, that is 6,645 fetching threads:
 * beyond them, connects fail with EMFILE. */
static long open_files_per_thread(enum workload workload)
{
    switch (workload) {
    case WORKLOAD_FETCH:    return 3;
    case WORKLOAD_DOWNLOAD: return 4;
    case WORKLOAD_FILES:    return 1;
    case WORKLOAD_COOK:     return 0;
    case WORKLOAD_CPU:      return 0;
    }
    return 4;
}

/* How many threads the open-files limit (ulimit -n, which main has raised
 * to its hard limit, into *limit) lets work at once, keeping
 * OPEN_FILES_SPARE for the rest of the program. 0 or more; -1 with a
 * message if it cannot be read. */
static long threads_within_open_files(const struct run *run, struct rlimit *limit_out)
{
    long per_thread = open_files_per_thread(run->opts->workload);
    struct rlimit limit;

    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        fprintf(stderr, "%s: getrlimit(RLIMIT_NOFILE): %s\n", program_name(), strerror(errno));
        return -1;
    }
    *limit_out = limit;
    if (per_thread == 0 || limit.rlim_cur == RLIM_INFINITY)
        return LONG_MAX;
    if (limit.rlim_cur < OPEN_FILES_SPARE)
        return 0;
    return (long)((limit.rlim_cur - OPEN_FILES_SPARE) / (rlim_t)per_thread);
}

/* The pool's size. With --concurrency, that many threads (never more than
 * tasks to run: an extra thread would never get a job), or a setup failure
 * if they could not all hold their open files. Without it, one thread per
 * task to run, up to POOL_THREADS_MAX and to what the open-files limit
 * allows. The tasks taken from the cache get none; a pool has at least one
 * thread, even when the cache left nothing to run. Returns the size, or -1
 * with a message. */
static long pool_threads(const struct run *run)
{
    size_t left = run->count - run->cached;
    long tasks = left < (size_t)POOL_THREADS_MAX ? (long)left : POOL_THREADS_MAX;
    struct rlimit limit;
    long fit = threads_within_open_files(run, &limit);

    if (fit < 0)
        return -1;
    if (tasks == 0)
        tasks = 1;
    if (run->opts->concurrency > 0) {
        long threads = run->opts->concurrency < tasks ? run->opts->concurrency : tasks;

        if (threads > fit) {
            fprintf(stderr, "%s: --concurrency %ld: each thread holds %ld open files, "
                    "and the limit (ulimit -n) leaves room for %ld threads\n",
                    program_name(), run->opts->concurrency,
                    open_files_per_thread(run->opts->workload), fit);
            return -1;
        }
        return threads;
    }
    if (tasks <= fit)
        return tasks;
    /* Fewer threads than tasks, and no --concurrency asked for it: said
     * (once: this runs once a run), or the run's figures would show a
     * slower model where the pool was only smaller. */
    long threads = fit > 0 ? fit : 1;
    fprintf(stderr, "%s: a pool of %ld thread%s, not %ld (%s): each holds %ld open files, "
            "and the open-files limit (ulimit -n %llu) leaves room for %ld\n",
            program_name(), threads, threads == 1 ? "" : "s", tasks,
            tasks == POOL_THREADS_MAX ? "the most" : "one per task",
            open_files_per_thread(run->opts->workload), (unsigned long long)limit.rlim_cur, fit);
    return threads;
}

/* Each worker's stack in KiB: --stack-kb. The default leaves a wide margin
 * over what the deepest task, a download through libcurl, touches
 * (docs/notes.md gives the measurement), and costs only address space until
 * touched; glibc's default, 8 MiB, would reserve 80 GiB for 10,000 threads. */
static long stack_kb;

static const struct model_option pool_options[] = {
    { .name = "stack-kb", .value_name = "K", .help = "each worker's stack in KiB",
      .default_help = "256", .min = 64, .max = STACK_KB_MAX, .default_value = 256,
      .value = &stack_kb },
    { .name = NULL },
};

/* Runs the workload's task on every record, on a pool of threads, each
 * thread with its own worker. 0, or -1 with a message when the pool could
 * not be set up. */
static int run_on_pool(struct run *run)
{
    task_fn *task = task_of(run->opts->workload);
    long threads = pool_threads(run);
    struct task_job *jobs;
    struct pool *pool;

    if (threads < 0)
        return -1;
    struct pool_config config = {
        .threads = threads,
        .stack_bytes = (size_t)stack_kb * 1024,
        .ctx_size = sizeof(struct worker),
        .init = on_thread_start,
        .cleanup = on_thread_exit,
    };
    jobs = calloc(run->count, sizeof *jobs);
    if (jobs == NULL) {
        fprintf(stderr, "%s: cannot allocate %zu jobs: %s\n",
                program_name(), run->count, strerror(errno));
        return -1;
    }
    if (pool_create(&pool, &config) != 0) {
        free(jobs);
        return -1;
    }
    run->concurrency = threads;
    run_add_fact(run, "pool_threads", threads);
    run_add_fact(run, "stack_kb", stack_kb);
    /* What a waiting task costs the model itself, its stack aside: its job,
     * and the worker of the thread it has to itself. */
    run_add_fact(run, "task_state_bytes", (double)(sizeof(struct task_job) + sizeof(struct worker)));
    for (size_t i = 0; i < run->count; i++) {
        if (record_is_done(&run->records[i]))
            continue;   /* taken from the cache */
        jobs[i] = (struct task_job){
            .job = { .fn = on_pool_job, .arg = &jobs[i] },
            .run = run,
            .task = task,
            .rec = &run->records[i],
        };
        pool_submit(pool, &jobs[i].job);
    }
    pool_destroy(pool);   /* runs every job to its end */
    stack_tally_report(&stacks, run);
    free(jobs);
    return 0;
}

static const struct model pool_model = {
    .name = "async_threads",
    .about = "runs the blocking tasks on a pool of threads, each with its own libcurl handle",
    .concurrency_help = "threads in the pool; without it, one per task",
    .concurrency_max = POOL_THREADS_MAX,
    .thread_kind = "pool thread",
    .options = pool_options,
    .run = run_on_pool,
};

int main(int argc, char **argv)
{
    return client_main(argc, argv, &pool_model);
}
