/* pool.c: a fixed-size thread pool, the textbook way.
 *
 * The threads sleep on one condition variable until a job is queued; one of
 * them takes the oldest job, runs it with the lock released, and goes back
 * for the next. Shutdown sets a flag, wakes them all, joins them, and only
 * then destroys the lock and the condition variables. Compare libuv's
 * src/threadpool.c, built the same way.
 *
 * The invariants:
 *   - Every field marked "guarded" is read and written with pool->lock held.
 *     The others are written by pool_create before the first thread starts
 *     and only read afterwards (pthread_create orders those writes before
 *     anything the new thread does), except `started`, which only the
 *     owner's thread touches.
 *   - A job is run with the lock released, so one long job never holds up
 *     the others; its memory is not touched by the pool once it has run.
 *   - A thread exits only when `stopping` is set and the queue is empty, so
 *     every job submitted before pool_destroy runs to its end.
 *   - The locks are destroyed only after every started thread is joined. */
#include "pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"

/* One of the pool's threads. Owned by the pool, in pool->threads. */
struct pool_thread {
    struct pool *pool;
    pthread_t id;
    void *ctx;                  /* this thread's context, in pool->contexts */
};

/* The pool. Owned by whoever called pool_create, freed by pool_destroy. */
struct pool {
    pthread_mutex_t lock;
    pthread_cond_t work_cond;    /* threads wait here: a job was queued, or stopping */
    pthread_cond_t owner_cond;   /* the owner waits here: an init ended */

    struct pool_job *head;       /* guarded: the oldest queued job, NULL if none */
    struct pool_job *tail;       /* guarded: the newest; stale when head is NULL */
    long reported;               /* guarded: threads whose init has returned */
    long init_failed;            /* guarded: of those, how many failed */
    bool stopping;               /* guarded: set once, when no job will come any more */

    struct pool_config config;
    struct pool_thread *threads; /* config.threads of them */
    long started;                /* threads[0..started) exist and must be joined */
    unsigned char *contexts;     /* config.threads contexts of config.ctx_size bytes.
                                  * Neighbours may share a cache line; their threads
                                  * spend their time waiting on I/O, so that costs
                                  * nothing measurable here. */
};

/* The lock and condition-variable calls fail only when the program itself is
 * wrong (a lock not initialised, a deadlock detected): there is no sane way
 * on, so stop with the reason, as an assert that never compiles out would. */
static void must(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "%s: %s: %s\n", program_name(), what, strerror(rc));
        abort();
    }
}

static void pool_lock(struct pool *pool)
{
    must(pthread_mutex_lock(&pool->lock), "pthread_mutex_lock");
}

static void pool_unlock(struct pool *pool)
{
    must(pthread_mutex_unlock(&pool->lock), "pthread_mutex_unlock");
}

/* Takes the oldest job, sleeping while there is none. Returns NULL when the
 * thread may exit: the pool is stopping and the queue is empty. Called, and
 * returns, with the lock held; pthread_cond_wait releases it while asleep
 * and takes it again before returning, possibly without cause, hence the
 * loop around it. */
static struct pool_job *take_job(struct pool *pool)
{
    while (pool->head == NULL && !pool->stopping)
        must(pthread_cond_wait(&pool->work_cond, &pool->lock), "pthread_cond_wait");
    struct pool_job *job = pool->head;
    if (job != NULL)
        pool->head = job->next;
    return job;
}

/* The body of every pool thread; called by pthread_create. It sets up its
 * context, reports how that went, then runs jobs until told to stop. */
static void *pool_thread_main(void *arg)
{
    struct pool_thread *self = arg;
    struct pool *pool = self->pool;
    int init_rc = pool->config.init != NULL ? pool->config.init(self->ctx) : 0;
    struct pool_job *job;

    pool_lock(pool);
    pool->reported++;
    if (init_rc != 0)
        pool->init_failed++;
    must(pthread_cond_signal(&pool->owner_cond), "pthread_cond_signal");
    if (init_rc != 0) {
        /* Nothing was set up, so nothing to clean up; pool_create will see
         * the failure, stop the others and join this thread. */
        pool_unlock(pool);
        return NULL;
    }
    while ((job = take_job(pool)) != NULL) {
        pool_unlock(pool);
        job->fn(self->ctx, job->arg);   /* the pool never touches job again */
        pool_lock(pool);
    }
    pool_unlock(pool);
    if (pool->config.cleanup != NULL)
        pool->config.cleanup(self->ctx);
    return NULL;
}

/* Creates the threads, each with the configured stack size. Returns 0, or
 * -1 with a message; pool->started says how many exist either way. */
static int start_threads(struct pool *pool)
{
    const struct pool_config *config = &pool->config;
    pthread_attr_t attr;
    int rc = pthread_attr_init(&attr);

    if (rc != 0) {
        fprintf(stderr, "%s: pthread_attr_init: %s\n", program_name(), strerror(rc));
        return -1;
    }
    if (config->stack_bytes > 0) {
        rc = pthread_attr_setstacksize(&attr, config->stack_bytes);
        if (rc != 0)
            fprintf(stderr, "%s: pthread_attr_setstacksize (%zu KiB): %s\n",
                    program_name(), config->stack_bytes / 1024, strerror(rc));
    }
    for (long i = 0; rc == 0 && i < config->threads; i++) {
        struct pool_thread *thread = &pool->threads[i];

        thread->pool = pool;
        thread->ctx = pool->contexts + (size_t)i * config->ctx_size;
        rc = pthread_create(&thread->id, &attr, pool_thread_main, thread);
        if (rc != 0)   /* EAGAIN: out of threads, or of memory for a stack */
            fprintf(stderr, "%s: pthread_create (thread %ld of %ld): %s\n",
                    program_name(), i + 1, config->threads, strerror(rc));
        else
            pool->started = i + 1;
    }
    must(pthread_attr_destroy(&attr), "pthread_attr_destroy");
    return rc == 0 ? 0 : -1;
}

/* Waits until every started thread has run its init. 0 if all succeeded;
 * -1 if one failed (it printed why). */
static int wait_for_inits(struct pool *pool)
{
    long failed;

    pool_lock(pool);
    while (pool->reported < pool->started)
        must(pthread_cond_wait(&pool->owner_cond, &pool->lock), "pthread_cond_wait");
    failed = pool->init_failed;
    pool_unlock(pool);
    return failed == 0 ? 0 : -1;
}

/* Tells the threads that no job will come any more, wakes every one of
 * them, and joins them all. Those still busy finish the queue first. */
static void stop_threads(struct pool *pool)
{
    pool_lock(pool);
    pool->stopping = true;
    must(pthread_cond_broadcast(&pool->work_cond), "pthread_cond_broadcast");
    pool_unlock(pool);
    for (long i = 0; i < pool->started; i++)
        must(pthread_join(pool->threads[i].id, NULL), "pthread_join");
}

int pool_create(struct pool **out, const struct pool_config *config)
{
    struct pool *pool;
    int rc;

    if (config->threads < 1) {
        fprintf(stderr, "%s: a pool needs 1 thread or more, not %ld\n",
                program_name(), config->threads);
        return -1;
    }
    pool = calloc(1, sizeof *pool);
    if (pool == NULL) {
        fprintf(stderr, "%s: cannot allocate a pool: %s\n", program_name(), strerror(errno));
        return -1;
    }
    pool->config = *config;
    pool->threads = calloc((size_t)config->threads, sizeof *pool->threads);
    /* One byte at least, so that NULL always means "no memory". */
    pool->contexts = calloc((size_t)config->threads, config->ctx_size ? config->ctx_size : 1);
    if (pool->threads == NULL || pool->contexts == NULL) {
        fprintf(stderr, "%s: cannot allocate a pool of %ld threads: %s\n",
                program_name(), config->threads, strerror(errno));
        goto out_free;
    }

    rc = pthread_mutex_init(&pool->lock, NULL);
    if (rc != 0) {
        fprintf(stderr, "%s: pthread_mutex_init: %s\n", program_name(), strerror(rc));
        goto out_free;
    }
    rc = pthread_cond_init(&pool->work_cond, NULL);
    if (rc != 0) {
        fprintf(stderr, "%s: pthread_cond_init: %s\n", program_name(), strerror(rc));
        goto out_lock;
    }
    rc = pthread_cond_init(&pool->owner_cond, NULL);
    if (rc != 0) {
        fprintf(stderr, "%s: pthread_cond_init: %s\n", program_name(), strerror(rc));
        goto out_work_cond;
    }
    if (start_threads(pool) != 0 || wait_for_inits(pool) != 0) {
        stop_threads(pool);   /* joins the threads that did start, if any */
        goto out_owner_cond;
    }
    *out = pool;
    return 0;

out_owner_cond:
    must(pthread_cond_destroy(&pool->owner_cond), "pthread_cond_destroy");
out_work_cond:
    must(pthread_cond_destroy(&pool->work_cond), "pthread_cond_destroy");
out_lock:
    must(pthread_mutex_destroy(&pool->lock), "pthread_mutex_destroy");
out_free:
    free(pool->contexts);
    free(pool->threads);
    free(pool);
    return -1;
}

void pool_submit(struct pool *pool, struct pool_job *job)
{
    job->next = NULL;
    pool_lock(pool);
    if (pool->head == NULL)
        pool->head = job;
    else
        pool->tail->next = job;
    pool->tail = job;
    must(pthread_cond_signal(&pool->work_cond), "pthread_cond_signal");
    pool_unlock(pool);
}

void pool_destroy(struct pool *pool)
{
    stop_threads(pool);
    must(pthread_cond_destroy(&pool->owner_cond), "pthread_cond_destroy");
    must(pthread_cond_destroy(&pool->work_cond), "pthread_cond_destroy");
    must(pthread_mutex_destroy(&pool->lock), "pthread_mutex_destroy");
    free(pool->contexts);
    free(pool->threads);
    free(pool);
}
