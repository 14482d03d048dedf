/* loop_uv.c: the window's tasks on one libuv loop.
 *
 * libuv's side of the window: it makes the loop, drives the window
 * (window.c) from it, and gives its tasks their waits: a uv_timer each, a
 * uv_work_t on libuv's pool, a transfer on libcurl's multi handle through
 * curl_uv.c. Also here, because they are libuv's: Ctrl-C's wake-up, the
 * pool's size, the health timer. Compare the window itself (window.c),
 * which would run the same on another kind of loop. */
#include "loop_uv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fsutil.h"

/* libuv's thread pool, as libuv 1.44 sizes it when it starts. */
#define THREADPOOL_DEFAULT 4
#define THREADPOOL_MAX 1024

void uv_must(int rc, const char *what)
{
    if (rc >= 0)
        return;
    fprintf(stderr, "%s: %s: %s\n", program_name(), what, uv_strerror(rc));
    abort();
}

/* ---- A task's loop part: made, waits, gone ---- */

/* Called by the window when it has made a task. */
static void on_task_made(struct task *task)
{
    struct loop_task *lt = (struct loop_task *)task;

    /* Cannot fail: on Unix it only fills in the struct. */
    uv_must(uv_timer_init(&loop_of(task)->uv, &lt->timer), "uv_timer_init");
    lt->timer.data = lt;
}

/* Called by libuv when a task's timer is closed: the task's memory goes. */
static void on_task_closed(uv_handle_t *handle)
{
    free(handle->data);
}

/* Called by the window when the task has finished. */
static void on_task_gone(struct task *task)
{
    struct loop_task *lt = (struct loop_task *)task;

    uv_close((uv_handle_t *)&lt->timer, on_task_closed);
}

/* Called by libuv when a task's timer fires. */
static void on_task_timer(uv_timer_t *timer)
{
    struct loop_task *lt = timer->data;
    task_step_fn *after_wait = lt->after_wait;
    const struct run *run = lt->task.window->run;
    long id = lt->task.rec->id;
    uint64_t began_ns = clock_now_ns();

    lt->after_wait = NULL;
    lt->waiting = NULL;
    after_wait(&lt->task);
    health_step_done(run, id, "timer", began_ns);
}

void task_wait(struct task *task, long duration_ms, const char *waiting, task_step_fn *after_wait)
{
    struct loop_task *lt = (struct loop_task *)task;

    lt->waiting = waiting;
    lt->after_wait = after_wait;
    /* A timer counts from the loop's cached time, taken when this turn of
     * the loop began: without the update, a wait asked for late in a busy
     * turn would end early by as much. */
    uv_update_time(&loop_of(task)->uv);
    uv_must(uv_timer_start(&lt->timer, on_task_timer,
                           duration_ms > 0 ? (uint64_t)duration_ms : 0, 0), "uv_timer_start");
}

bool task_wait_stop(struct task *task)
{
    struct loop_task *lt = (struct loop_task *)task;

    if (!uv_is_active((uv_handle_t *)&lt->timer))
        return false;
    uv_must(uv_timer_stop(&lt->timer), "uv_timer_stop");
    lt->after_wait = NULL;
    return true;
}

bool task_wait_active(const struct task *task)
{
    return uv_is_active((const uv_handle_t *)&((const struct loop_task *)task)->timer);
}

/* Called by libuv on one of its pool's threads: the work itself. */
static void on_uv_work(uv_work_t *req)
{
    struct loop_task *lt = req->data;

    lt->work_fn(lt->work_arg);
}

/* Called by libuv, on the loop, once the work is done. */
static void on_uv_work_done(uv_work_t *req, int status)
{
    struct loop_task *lt = req->data;
    const struct run *run = lt->task.window->run;
    long id = lt->task.rec->id;
    uint64_t began_ns = clock_now_ns();

    uv_must(status, "uv_queue_work");   /* UV_ECANCELED only after a uv_cancel: none */
    lt->after_work(&lt->task);
    health_step_done(run, id, "computed", began_ns);
}

void task_compute(struct task *task, void (*work)(void *arg), void *arg,
                  task_step_fn *after_work)
{
    struct loop_task *lt = (struct loop_task *)task;

    if (!loop_of(task)->opts->offload) {
        work(arg);
        after_work(task);
        return;
    }
    lt->work_fn = work;
    lt->work_arg = arg;
    lt->after_work = after_work;
    lt->work.data = lt;
    /* Fails only for a NULL work callback: a bug. */
    uv_must(uv_queue_work(&loop_of(task)->uv, &lt->work, on_uv_work, on_uv_work_done),
            "uv_queue_work");
}

/* ---- Transfers: a task's easy handle on the shared multi handle ---- */

enum fail_cause transfer_add(struct transfer *t, char *why, size_t why_size)
{
    ((struct loop_task *)t->task)->transfer = t;
    return transfer_add_to(t, &loop_of(t->task)->curl.glue, why, why_size);
}

bool transfer_stop(struct task *task)
{
    return transfer_remove(((struct loop_task *)task)->transfer);
}

/* ---- Ctrl-C ---- */

/* Called by run_cancel from main's signal handler, on whichever thread took
 * the signal, while the loop is registered: only what is async-signal-safe.
 * uv_async_send is, as libuv documents, and wakes the loop from its wait in
 * the kernel; on Unix it always returns 0. A computation on the loop's
 * thread is not woken: it reads the run's flag every few rounds itself. */
static void loop_wake(void *arg)
{
    struct loop *l = arg;

    (void)uv_async_send(&l->wake);
}

/* Called by libuv, on the loop, after loop_wake (one call for several
 * wakes): the run is cancelled. */
static void on_uv_wake(uv_async_t *wake)
{
    struct loop *l = wake->data;

    window_cancel(&l->window);
}

/* ---- The loop's health ---- */

/* Called by libuv about every LAG_INTERVAL_MS: how late it fires is how
 * long the loop was kept from its timers. Timed with uv_hrtime, not the
 * loop's cached time, which a blocked loop has not updated. */
static void on_lag_timer(uv_timer_t *timer)
{
    struct loop *l = timer->data;

    health_lag_fired(&l->health, uv_hrtime());
    uv_must(uv_timer_start(timer, on_lag_timer, LAG_INTERVAL_MS, 0), "uv_timer_start");
}

/* --rate: the next task is due. */
static void on_rate_timer(uv_timer_t *timer)
{
    struct loop *l = timer->data;

    window_woken(&l->window);
}

/* Called by the window: wake it in delay_ms. */
static void loop_wake_after(struct window *w, long delay_ms)
{
    struct loop *l = (struct loop *)w;

    uv_must(uv_timer_start(&l->rate_timer, on_rate_timer, (uint64_t)delay_ms, 0),
            "uv_timer_start");
}

/* ---- libuv's thread pool ---- */

/* Sets UV_THREADPOOL_SIZE from --uv-threadpool before libuv starts its pool
 * (at the first uv_fs or uv_queue_work call) and reports the size as the
 * fact uv_threadpool. 0, or -1 after printing one line. */
static int threadpool_configure(struct run *run, long size)
{
    if (size > 0) {
        char text[32];

        snprintf(text, sizeof text, "%ld", size);
        if (setenv("UV_THREADPOOL_SIZE", text, 1) != 0) {
            fprintf(stderr, "%s: setenv(UV_THREADPOOL_SIZE): %s\n", program_name(),
                    strerror(errno));
            return -1;
        }
    } else {
        /* What libuv will make of the environment: unset is 4, 0 is 1, and
         * anything over the cap (a negative number too, read as unsigned)
         * is the cap. */
        const char *env = getenv("UV_THREADPOOL_SIZE");

        size = env != NULL ? atoi(env) : THREADPOOL_DEFAULT;
        if (size == 0)
            size = 1;
        if (size < 0 || size > THREADPOOL_MAX)
            size = THREADPOOL_MAX;
    }
    run_add_fact(run, "uv_threadpool", size);
    return 0;
}

/* ---- The run ---- */

/* Called by the window when the last task has finished: uv_run returns,
 * and loop_run closes the rest. If every task ended before the loop ever
 * ran, there is nothing to stop, and a stop flag left set would cut short
 * the uv_run that closes the handles. */
static void loop_stop(struct window *w)
{
    struct loop *l = (struct loop *)w;

    if (l->running)
        uv_stop(&l->uv);
}

static const struct window_loop uv_window_loop = {
    .task_made = on_task_made,
    .task_gone = on_task_gone,
    .stop = loop_stop,
    .wake_after = loop_wake_after,
};

/* Prints "PROGRAM: what: why" for a libuv call that failed; returns -1. */
static int uv_failed(const char *what, int rc)
{
    fprintf(stderr, "%s: %s: %s\n", program_name(), what, uv_strerror(rc));
    return -1;
}

int loop_run(struct run *run, const struct window_ops *ops, const struct loop_options *opts)
{
    struct loop l = { .opts = opts };
    enum workload workload = run->opts->workload;
    int status = -1;
    int rc;

    window_init(&l.window, run, ops, &uv_window_loop);
    l.transfers = workload == WORKLOAD_FETCH || workload == WORKLOAD_DOWNLOAD;
    run_add_library(run, "libuv", uv_version_string());
    /* libuv's pool does the file steps and the offloaded work; cook, only
     * timers, uses none. */
    if (workload != WORKLOAD_COOK && threadpool_configure(run, opts->threadpool_size) != 0)
        return -1;

    /* Set up in order, torn down in reverse by the ladder below. */
    if ((rc = uv_loop_init(&l.uv)) < 0)
        return uv_failed("uv_loop_init", rc);
    if ((rc = uv_loop_configure(&l.uv, UV_METRICS_IDLE_TIME)) < 0) {
        uv_failed("uv_loop_configure(UV_METRICS_IDLE_TIME)", rc);
        goto out_loop;
    }
    /* Cannot fail: on Unix it only fills in the struct. Unreferenced, it
     * never keeps the loop alive by itself. */
    uv_must(uv_timer_init(&l.uv, &l.lag_timer), "uv_timer_init");
    l.lag_timer.data = &l;
    uv_unref((uv_handle_t *)&l.lag_timer);
    uv_must(uv_timer_init(&l.uv, &l.rate_timer), "uv_timer_init");
    l.rate_timer.data = &l;
    if ((rc = uv_async_init(&l.uv, &l.wake, on_uv_wake)) < 0) {
        uv_failed("uv_async_init", rc);
        goto out_lag;
    }
    l.wake.data = &l;
    /* From here a signal wakes the loop; one that came before has set the
     * run's flag, which window_fill reads before it starts any task. */
    run_set_wake(loop_wake, &l);
    if (l.transfers) {
        if (curl_uv_init(&l.curl, &l.uv, transfer_on_curl_done) != 0)
            goto out_wake;
        if (transfer_policy_connections(l.curl.glue.multi, &l.window) != 0)
            goto out_curl;
    }

    health_start(&l.health, uv_hrtime());
    uv_must(uv_timer_start(&l.lag_timer, on_lag_timer, LAG_INTERVAL_MS, 0), "uv_timer_start");
    window_fill(&l.window);
    /* The loop runs until the window stops it after the last task; until
     * then the wake-up alone would keep it alive. Stopped, uv_run returns
     * nonzero, for handles still open: that is expected here. */
    if (!l.window.finished) {
        l.running = true;
        (void)uv_run(&l.uv, UV_RUN_DEFAULT);
        l.running = false;
    }
    health_report(&l.health, run, uv_metrics_idle_time(&l.uv), uv_hrtime());
    if (l.window.finished)
        status = 0;
    else
        fprintf(stderr, "%s: the loop ended with %ld tasks in flight\n", program_name(),
                l.window.in_flight);

out_curl:
    if (l.transfers)
        curl_uv_close(&l.curl);
out_wake:
    /* No signal may reach l once it is gone; one that comes later only sets
     * the run's flag. */
    run_set_wake(NULL, NULL);
    uv_close((uv_handle_t *)&l.wake, NULL);   /* in l: nothing to free */
out_lag:
    uv_close((uv_handle_t *)&l.rate_timer, NULL);
    uv_close((uv_handle_t *)&l.lag_timer, NULL);
out_loop:
    /* Runs the close callbacks: the last tasks' timers, libcurl's polls. */
    if ((rc = uv_run(&l.uv, UV_RUN_DEFAULT)) != 0)
        fprintf(stderr, "%s: uv_run: handles still active at the end\n", program_name());
    if (run->opts->verbose && l.transfers && status == 0)
        curl_uv_report(&l.curl, stderr);
    health_free(&l.health);
    if ((rc = uv_loop_close(&l.uv)) < 0) {
        uv_failed("uv_loop_close", rc);
        uv_print_all_handles(&l.uv, stderr);
        return -1;
    }
    return status;
}

/* ---- Files ---- */

void fs_error_text(char *why, size_t why_size, const char *step, const char *path, int err)
{
    snprintf(why, why_size, "%s %s: %s (%s)", step, path, uv_strerror(err), uv_err_name(err));
}

void rename_error_text(char *why, size_t why_size, const char *from, const char *to, int err)
{
    snprintf(why, why_size, "rename %s to %s: %s (%s)", from, file_name_of(to), uv_strerror(err),
             uv_err_name(err));
}
