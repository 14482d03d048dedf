/* pool.h: a fixed-size pool of POSIX threads with one queue of jobs.
 *
 * Create the pool (its threads start and wait), submit jobs, destroy the
 * pool: that runs every submitted job to its end first. Each thread owns a context
 * of ctx_size bytes that it sets up with init before its first job and tears
 * down with cleanup after its last, and every job it runs is handed that
 * context: the thread-pool model keeps a libcurl easy handle there. The pool
 * knows nothing of runs, tasks or libcurl. */
#ifndef POOL_H
#define POOL_H

#include <stddef.h>

struct pool;

/* A job's function. Called once, on one of the pool's threads, with that
 * thread's context and the job's arg. */
typedef void pool_job_fn(void *thread_ctx, void *arg);

/* One job. The submitter owns the memory and keeps it alive until
 * pool_destroy() has returned; the pool only links it into its queue, so
 * submitting never allocates and cannot fail. */
struct pool_job {
    pool_job_fn *fn;         /* what to run */
    void *arg;               /* passed to fn */
    struct pool_job *next;   /* the pool's: the queue link */
};

struct pool_config {
    long threads;            /* how many threads, 1 or more */
    size_t stack_bytes;      /* each thread's stack; 0: the system's default */
    size_t ctx_size;         /* bytes of context per thread, zeroed; may be 0 */
    /* Called on each new thread, before its first job, with its context:
     * 0, or -1 after printing one line. May be NULL. */
    int (*init)(void *thread_ctx);
    /* Called on each thread after its last job if its init succeeded.
     * May be NULL. */
    void (*cleanup)(void *thread_ctx);
};

/* Starts config->threads threads and waits until each has run its init.
 * 0 with *pool set; or -1 after printing one line "PROGRAM: what: why" (or
 * after the failed init printed its own), with every thread that did start
 * stopped and joined and nothing left to free. */
int pool_create(struct pool **pool, const struct pool_config *config);

/* Queues a job; an idle thread picks it up. Jobs start in the order they
 * were submitted. Not to be called from a job. */
void pool_submit(struct pool *pool, struct pool_job *job);

/* Tells the threads that no job will come any more, lets them finish the
 * jobs still queued, joins every thread and frees the pool. Each thread
 * leaves, and runs its cleanup, as soon as it finds the queue empty, while
 * the others still run their last jobs: so destroy the pool as soon as
 * the last job is submitted, not after waiting for the jobs to end. */
void pool_destroy(struct pool *pool);

#endif
