/* test_pool.c: the thread pool of async_threads/pool.c, on its own.
 *
 * Jobs here only count and sleep, so every check is about the pool: each
 * job runs once, on a thread that hands it its own context; never more jobs
 * run at once than there are threads; init and cleanup run once per thread;
 * a failed init or a refused stack size fails creation with every started
 * thread joined (ASan and TSan builds of this test check the rest). Checks
 * are made on the main thread only, after pool_destroy. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../async_threads/pool.h"
#include "run.h"

/* A thread's context, as the pool hands it to init, the jobs and cleanup. */
struct thread_ctx {
    pthread_t self;        /* the thread that ran init */
    bool ready;            /* init ran */
};

/* One job and what it saw. Each is written by the one thread that runs it. */
struct counted_job {
    struct pool_job job;
    int runs;              /* times fn ran this job */
    bool own_ctx;          /* the ctx it got belongs to the thread running it */
    long order;            /* when it started, from next_order */
    long sleep_ms;
};

static atomic_long inits, cleanups, in_flight, max_in_flight, next_order;
static atomic_long fail_init_number;   /* the init call to fail (1-based); 0: none */

static int reset_counters(void **state)
{
    (void)state;
    atomic_store(&inits, 0);
    atomic_store(&cleanups, 0);
    atomic_store(&in_flight, 0);
    atomic_store(&max_in_flight, 0);
    atomic_store(&next_order, 0);
    atomic_store(&fail_init_number, 0);
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Called by the pool on each new thread. */
static int on_thread_start(void *thread_ctx)
{
    struct thread_ctx *ctx = thread_ctx;

    if (atomic_fetch_add(&inits, 1) + 1 == atomic_load(&fail_init_number))
        return -1;
    ctx->self = pthread_self();
    ctx->ready = true;
    return 0;
}

/* Called by the pool on each thread whose init succeeded. */
static void on_thread_exit(void *thread_ctx)
{
    struct thread_ctx *ctx = thread_ctx;

    if (ctx->ready && pthread_equal(ctx->self, pthread_self()))
        atomic_fetch_add(&cleanups, 1);
}

/* Called by the pool for each job. */
static void on_job(void *thread_ctx, void *arg)
{
    struct thread_ctx *ctx = thread_ctx;
    struct counted_job *cj = arg;
    long now = atomic_fetch_add(&in_flight, 1) + 1;
    long max = atomic_load(&max_in_flight);

    while (now > max && !atomic_compare_exchange_weak(&max_in_flight, &max, now))
        ;
    cj->order = atomic_fetch_add(&next_order, 1);
    cj->runs++;
    cj->own_ctx = ctx->ready && pthread_equal(ctx->self, pthread_self());
    if (cj->sleep_ms > 0)
        sleep_ms(cj->sleep_ms);
    atomic_fetch_sub(&in_flight, 1);
}

static struct pool_config config_of(long threads)
{
    return (struct pool_config){
        .threads = threads,
        .stack_bytes = 256 * 1024,
        .ctx_size = sizeof(struct thread_ctx),
        .init = on_thread_start,
        .cleanup = on_thread_exit,
    };
}

static void submit_all(struct pool *pool, struct counted_job *jobs, size_t n, long sleep_ms)
{
    for (size_t i = 0; i < n; i++) {
        jobs[i] = (struct counted_job){
            .job = { .fn = on_job, .arg = &jobs[i] },
            .sleep_ms = sleep_ms,
        };
        pool_submit(pool, &jobs[i].job);
    }
}

static void every_job_runs_once_on_its_own_thread(void **state)
{
    static struct counted_job jobs[2000];
    struct pool_config config = config_of(8);
    struct pool *pool;

    (void)state;
    assert_int_equal(pool_create(&pool, &config), 0);
    submit_all(pool, jobs, 2000, 0);
    pool_destroy(pool);
    for (size_t i = 0; i < 2000; i++) {
        assert_int_equal(jobs[i].runs, 1);
        assert_true(jobs[i].own_ctx);
    }
    assert_int_equal(atomic_load(&inits), 8);
    assert_int_equal(atomic_load(&cleanups), 8);
}

/* With sleeping jobs queued, the pool runs exactly as many as it has
 * threads at once: never more, and (as 40 jobs wait) all of them. */
static void runs_as_many_jobs_at_once_as_threads(void **state)
{
    struct counted_job jobs[40];
    struct pool_config config = config_of(4);
    struct pool *pool;

    (void)state;
    assert_int_equal(pool_create(&pool, &config), 0);
    submit_all(pool, jobs, 40, 20);
    pool_destroy(pool);
    assert_int_equal(atomic_load(&max_in_flight), 4);
}

static void one_thread_runs_jobs_in_order(void **state)
{
    struct counted_job jobs[50];
    struct pool_config config = config_of(1);
    struct pool *pool;

    (void)state;
    assert_int_equal(pool_create(&pool, &config), 0);
    submit_all(pool, jobs, 50, 0);
    pool_destroy(pool);
    for (long i = 0; i < 50; i++)
        assert_int_equal(jobs[i].order, i);
}

/* pool_destroy runs every queued job before the threads leave. */
static void destroy_finishes_queued_jobs(void **state)
{
    struct counted_job jobs[20];
    struct pool_config config = config_of(2);
    struct pool *pool;

    (void)state;
    assert_int_equal(pool_create(&pool, &config), 0);
    submit_all(pool, jobs, 20, 2);
    pool_destroy(pool);
    for (size_t i = 0; i < 20; i++)
        assert_int_equal(jobs[i].runs, 1);
}

/* A job that runs until a thread has run its cleanup, 5 s at the most:
 * whether one had. */
static void until_a_cleanup(void *thread_ctx, void *arg)
{
    bool *saw_cleanup = arg;

    (void)thread_ctx;
    for (int waited_ms = 0; atomic_load(&cleanups) == 0 && waited_ms < 5000; waited_ms++)
        sleep_ms(1);
    *saw_cleanup = atomic_load(&cleanups) > 0;
}

/* Destroyed as soon as its one job is queued, a pool of 2 lets the thread
 * that finds the queue empty leave at once: its cleanup runs while the
 * other thread's job still runs (which a pool that first waited for every
 * job to end would never do). */
static void an_idle_thread_leaves_while_another_works(void **state)
{
    struct pool_config config = config_of(2);
    struct pool *pool;
    bool saw_cleanup = false;
    struct pool_job job = { .fn = until_a_cleanup, .arg = &saw_cleanup };

    (void)state;
    assert_int_equal(pool_create(&pool, &config), 0);
    pool_submit(pool, &job);
    pool_destroy(pool);
    assert_true(saw_cleanup);
    assert_int_equal(atomic_load(&cleanups), 2);
}

/* The 5th of 8 inits fails: creation fails, the 7 good threads clean up. */
static void failed_init_fails_creation(void **state)
{
    struct pool_config config = config_of(8);
    struct pool *pool = NULL;

    (void)state;
    atomic_store(&fail_init_number, 5);
    assert_int_equal(pool_create(&pool, &config), -1);
    assert_null(pool);
    assert_int_equal(atomic_load(&inits), 8);
    assert_int_equal(atomic_load(&cleanups), 7);
}

/* A stack below PTHREAD_STACK_MIN is refused before any thread starts. */
static void tiny_stack_is_refused(void **state)
{
    struct pool_config config = config_of(4);
    struct pool *pool = NULL;

    (void)state;
    config.stack_bytes = 1024;
    assert_int_equal(pool_create(&pool, &config), -1);
    assert_null(pool);
    assert_int_equal(atomic_load(&inits), 0);
}

static void zero_threads_is_refused(void **state)
{
    struct pool_config config = config_of(0);
    struct pool *pool = NULL;

    (void)state;
    assert_int_equal(pool_create(&pool, &config), -1);
    assert_null(pool);
}

int main(void)
{
    program_set_name("test_pool");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(every_job_runs_once_on_its_own_thread, reset_counters),
        cmocka_unit_test_setup(runs_as_many_jobs_at_once_as_threads, reset_counters),
        cmocka_unit_test_setup(one_thread_runs_jobs_in_order, reset_counters),
        cmocka_unit_test_setup(destroy_finishes_queued_jobs, reset_counters),
        cmocka_unit_test_setup(an_idle_thread_leaves_while_another_works, reset_counters),
        cmocka_unit_test_setup(failed_init_fails_creation, reset_counters),
        cmocka_unit_test_setup(tiny_stack_is_refused, reset_counters),
        cmocka_unit_test_setup(zero_threads_is_refused, reset_counters),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
