/* window.c: tasks on one libuv loop, at most --concurrency at once.
 *
 * The window keeps at most --concurrency tasks in flight and starts the
 * next when one finishes (asyncio's semaphore, in C). Everything here is
 * the same for a task written as callbacks (async_uv) and one written as a
 * coroutine (async_coro): the loop, its wake-up on Ctrl-C, libcurl's multi
 * handle, the list of tasks in flight. Compare sync/model.c: the same walk
 * over the records, with a window instead of one at a time. */
#include "window.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "fsutil.h"
#include "summary.h"

/* libuv's thread pool, as libuv 1.44 sizes it when it starts. */
#define THREADPOOL_DEFAULT 4
#define THREADPOOL_MAX 1024

#define LAG_INTERVAL_MS 10             /* how often the lag timer asks to fire */
#define SLOW_STEP_NS 100000000u        /* asyncio's slow_callback_duration: 100 ms */

long uv_threadpool_option_value;
long offload_option_value, blocking_process_option_value;

static void window_fill(struct window *w);

void uv_must(int rc, const char *what)
{
    if (rc >= 0)
        return;
    fprintf(stderr, "%s: %s: %s\n", program_name(), what, uv_strerror(rc));
    abort();
}

/* ---- A task's life: start, waits, finish ---- */

static void task_link(struct window *w, struct task *task)
{
    task->prev = NULL;
    task->next = w->tasks;
    if (w->tasks != NULL)
        w->tasks->prev = task;
    w->tasks = task;
}

static void task_unlink(struct window *w, struct task *task)
{
    if (task->prev != NULL)
        task->prev->next = task->next;
    else
        w->tasks = task->next;
    if (task->next != NULL)
        task->next->prev = task->prev;
}

/* Called by libuv when a task's timer is closed: the task's memory goes. */
static void on_task_closed(uv_handle_t *handle)
{
    free(handle->data);
}

void window_task_finish(struct task *task)
{
    struct window *w = task->window;

    if (w->ops->release != NULL)
        w->ops->release(task);
    task_unlink(w, task);
    w->in_flight--;
    uv_close((uv_handle_t *)&task->timer, on_task_closed);
    window_fill(w);
}

/* Called by libuv when a task's timer fires. */
static void on_task_timer(uv_timer_t *timer)
{
    struct task *task = timer->data;
    task_step_fn *after_wait = task->after_wait;
    struct window *w = task->window;
    long id = task->rec->id;
    uint64_t began_ns = uv_hrtime();

    task->after_wait = NULL;
    task->waiting = NULL;
    after_wait(task);
    window_step_done(w, id, "timer", began_ns);
}

void task_wait(struct task *task, long duration_ms, const char *waiting, task_step_fn *after_wait)
{
    task->waiting = waiting;
    task->after_wait = after_wait;
    /* A timer counts from the loop's cached time, taken when this turn of
     * the loop began: without the update, a wait asked for late in a busy
     * turn would end early by as much. */
    uv_update_time(&task->window->loop);
    uv_must(uv_timer_start(&task->timer, on_task_timer,
                           duration_ms > 0 ? (uint64_t)duration_ms : 0, 0), "uv_timer_start");
}

/* Called by libuv on one of its pool's threads: the work itself. */
static void on_uv_work(uv_work_t *req)
{
    struct task *task = req->data;

    task->work_fn(task->work_arg);
}

/* Called by libuv, on the loop, once the work is done. */
static void on_uv_work_done(uv_work_t *req, int status)
{
    struct task *task = req->data;
    struct window *w = task->window;
    long id = task->rec->id;
    uint64_t began_ns = uv_hrtime();

    uv_must(status, "uv_queue_work");   /* UV_ECANCELED only after a uv_cancel: none */
    task->after_work(task);
    window_step_done(w, id, "computed", began_ns);
}

void task_compute(struct task *task, void (*work)(void *arg), void *arg,
                  task_step_fn *after_work)
{
    if (!offload_option_value) {
        work(arg);
        after_work(task);
        return;
    }
    task->work_fn = work;
    task->work_arg = arg;
    task->after_work = after_work;
    task->work.data = task;
    /* Fails only for a NULL work callback: a bug. */
    uv_must(uv_queue_work(&task->window->loop, &task->work, on_uv_work, on_uv_work_done),
            "uv_queue_work");
}

bool task_wait_stop(struct task *task)
{
    if (!uv_is_active((uv_handle_t *)&task->timer))
        return false;
    uv_must(uv_timer_stop(&task->timer), "uv_timer_stop");
    task->after_wait = NULL;
    return true;
}

/* Allocates a task for rec, starts it, and counts it in flight. Out of
 * memory is that task's failure, not the run's. */
static void task_start(struct window *w, struct task_record *rec)
{
    const struct window_ops *ops = w->ops;
    size_t size = (ops->task_size + ops->task_align - 1) / ops->task_align * ops->task_align;
    struct task *task = aligned_alloc(ops->task_align, size);

    if (task == NULL) {
        record_attempt(w->run, rec);
        record_attempt_failed(w->run, rec, CAUSE_IO, "cannot allocate a task: %s",
                              strerror(errno));
        record_give_up(w->run, rec);
        return;
    }
    memset(task, 0, size);
    task->window = w;
    task->rec = rec;
    /* Cannot fail: on Unix it only fills in the struct. */
    uv_must(uv_timer_init(&w->loop, &task->timer), "uv_timer_init");
    task->timer.data = task;
    task_link(w, task);
    w->in_flight++;
    uint64_t began_ns = uv_hrtime();
    ops->start(task);
    window_step_done(w, rec->id, "start", began_ns);
}

/* ---- Transfers: a task's easy handle on the shared multi handle ---- */

/* Called by libcurl (CURLOPT_OPENSOCKETFUNCTION) for each socket a transfer
 * opens. It does what libcurl would, and keeps errno when that fails, so
 * that a run out of file descriptors says EMFILE rather than "Couldn't
 * connect to server". */
static curl_socket_t on_curl_open_socket(void *clientp, curlsocktype purpose,
                                         struct curl_sockaddr *address)
{
    struct task *task = clientp;
    curl_socket_t fd = socket(address->family, address->socktype, address->protocol);

    (void)purpose;
    if (fd == CURL_SOCKET_BAD)
        task->socket_errno = errno;
    return fd;
}

enum fail_cause transfer_add(struct task *task, char *why, size_t why_size)
{
    struct window *w = task->window;
    const char *option = "CURLOPT_PRIVATE";
    CURLcode rc = curl_easy_setopt(task->easy, CURLOPT_PRIVATE, task);
    if (rc == CURLE_OK) {
        option = "CURLOPT_OPENSOCKETFUNCTION";
        rc = curl_easy_setopt(task->easy, CURLOPT_OPENSOCKETFUNCTION, on_curl_open_socket);
    }
    if (rc == CURLE_OK) {
        option = "CURLOPT_OPENSOCKETDATA";
        rc = curl_easy_setopt(task->easy, CURLOPT_OPENSOCKETDATA, task);
    }
    /* When the window holds every task, all first attempts start together,
     * before any connection exists: none can be reused, so libcurl is told
     * not to look. (libcurl 7.88 looks by walking every connection to the
     * host: for 10,000 transfers, 50 million steps for nothing.) A retry
     * looks, and may find the connection of a task that has finished. */
    if (rc == CURLE_OK) {
        long fresh = w->limit == (long)(w->run->count - w->run->cached)
                     && task->rec->attempts == 1;

        option = "CURLOPT_FRESH_CONNECT";
        rc = curl_easy_setopt(task->easy, CURLOPT_FRESH_CONNECT, fresh);
    }
    if (rc != CURLE_OK) {
        snprintf(why, why_size, "curl_easy_setopt(%s): %s", option, curl_easy_strerror(rc));
        return CAUSE_CONNECT;
    }
    /* Only now, when the task's turn has come, does its timeout start: a
     * task waiting in the window has no easy handle in the multi. */
    task->socket_errno = 0;
    CURLMcode mc = curl_uv_add(&w->curl, task->easy);
    if (mc != CURLM_OK) {
        snprintf(why, why_size, "curl_multi_add_handle: %s", curl_multi_strerror(mc));
        return mc == CURLM_OUT_OF_MEMORY ? CAUSE_IO : CAUSE_CONNECT;   /* a local failure */
    }
    task->in_multi = true;
    return CAUSE_NONE;
}

/* Called by curl_uv, from the loop, when a task's transfer has ended; why
 * is the glue's own reason when it ended the transfer itself. */
static void on_curl_done(CURL *easy, CURLcode result, const char *why, void *easy_private)
{
    struct task *task = easy_private;
    struct window *w = task->window;
    long id = task->rec->id;
    uint64_t began_ns = uv_hrtime();

    (void)easy;
    task->in_multi = false;
    if (why != NULL)
        snprintf(task->errbuf, sizeof task->errbuf, "%s", why);
    else if (result != CURLE_OK && task->socket_errno != 0)
        snprintf(task->errbuf, sizeof task->errbuf, "socket: %s (%s)",
                 strerror(task->socket_errno),
                 uv_err_name(uv_translate_sys_error(task->socket_errno)));
    w->ops->transfer_done(task, result);
    window_step_done(w, id, "transfer done", began_ns);
}

/* With a window of C, at most C transfers run at once, so the multi
 * handle's cache of C connections lets each new task reuse the connection
 * of one that finished, and a cap of C per host makes sure the server never
 * sees more. Without a window the cache holds one per task. */
static int window_limit_connections(struct window *w)
{
    const char *option = "CURLMOPT_MAXCONNECTS";
    CURLMcode mc = curl_multi_setopt(w->curl.multi, CURLMOPT_MAXCONNECTS, w->limit);

    if (mc == CURLM_OK && w->run->opts->concurrency > 0) {
        option = "CURLMOPT_MAX_HOST_CONNECTIONS";
        mc = curl_multi_setopt(w->curl.multi, CURLMOPT_MAX_HOST_CONNECTIONS, w->limit);
    }
    if (mc != CURLM_OK) {
        fprintf(stderr, "%s: curl_multi_setopt(%s): %s\n", program_name(), option,
                curl_multi_strerror(mc));
        return -1;
    }
    return 0;
}

bool transfer_stop(struct task *task)
{
    if (!task->in_multi)
        return false;
    CURLMcode mc = curl_uv_remove(&task->window->curl, task->easy);
    if (mc != CURLM_OK)
        fprintf(stderr, "%s: curl_multi_remove_handle: %s\n", program_name(),
                curl_multi_strerror(mc));
    task->in_multi = false;
    return true;
}

/* ---- Ctrl-C ---- */

/* Called by run_cancel from main's signal handler, on whichever thread took
 * the signal, while the window is registered: only what is async-signal-safe.
 * uv_async_send is, as libuv documents, and wakes the loop from its wait in
 * the kernel; on Unix it always returns 0. A computation on the loop's
 * thread is not woken: it reads the run's flag every few rounds itself. */
static void window_wake(void *arg)
{
    struct window *w = arg;

    (void)uv_async_send(&w->wake);
}

/* Called by libuv, on the loop, after window_wake (one call for several
 * wakes): the run is cancelled. */
static void on_uv_wake(uv_async_t *wake)
{
    struct window *w = wake->data;
    struct task *task, *next;

    if (w->cancelled)
        return;   /* a second signal: every task has been told already */
    w->cancelled = true;
    /* A cancelled task only unlinks itself; the next one stays linked. */
    for (task = w->tasks; task != NULL; task = next) {
        next = task->next;
        w->ops->cancel(task);
    }
    window_fill(w);   /* the tasks never started are recorded as cancelled */
}

/* ---- The window ---- */

/* Starts tasks while the window has room; once the run is cancelled, records
 * every task not started as cancelled instead. When the last task has
 * finished, stops the loop. Re-entered from a task that finishes at once
 * (its first attempt failed), it returns: the outer call carries on. */
static void window_fill(struct window *w)
{
    struct run *run = w->run;

    if (w->filling)
        return;
    w->filling = true;
    while (w->next < run->count && (run_cancelled() || w->in_flight < w->limit)) {
        struct task_record *rec = &run->records[w->next++];

        if (record_is_done(rec))
            continue;   /* taken from the cache */
        if (run_cancelled())
            record_cancel(run, rec);
        else
            task_start(w, rec);
    }
    w->filling = false;
    if (w->in_flight == 0 && w->next == run->count && !w->finished) {
        w->finished = true;
        /* uv_run returns; window_run closes the rest. If every task ended
         * before the loop ever ran, there is nothing to stop, and a stop
         * flag left set would cut short the uv_run that closes the handles. */
        if (w->running)
            uv_stop(&w->loop);
    }
}

/* ---- The loop's health ---- */

void window_step_done(struct window *w, long id, const char *step, uint64_t began_ns)
{
    uint64_t held_ns = uv_hrtime() - began_ns;

    if (held_ns > SLOW_STEP_NS && w->run->opts->verbose)
        fprintf(stderr, "[%8.3f ms] task %ld: its %s callback held the loop for %.1f ms\n",
                clock_elapsed_ms(w->run->start_ns), id, step, (double)held_ns / 1e6);
}

/* Records how late the lag timer is at now_ns. Out of memory, the sample
 * is lost: the run goes on. */
static void lag_sample(struct window *w, uint64_t now_ns)
{
    double late_ms = now_ns > w->lag_due_ns ? (double)(now_ns - w->lag_due_ns) / 1e6 : 0;

    if (w->lag_count == w->lag_size) {
        size_t size = w->lag_size > 0 ? 2 * w->lag_size : 1024;
        double *lags = realloc(w->lags_ms, size * sizeof *lags);
        if (lags == NULL)
            return;
        w->lags_ms = lags;
        w->lag_size = size;
    }
    w->lags_ms[w->lag_count++] = late_ms;
}

/* Called by libuv about every LAG_INTERVAL_MS: how late it fires is how
 * long the loop was kept from its timers (Node's monitorEventLoopDelay).
 * Timed with uv_hrtime, not the loop's cached time, which a blocked loop
 * has not updated. */
static void on_lag_timer(uv_timer_t *timer)
{
    struct window *w = timer->data;
    uint64_t now_ns = uv_hrtime();

    lag_sample(w, now_ns);
    w->lag_due_ns = now_ns + LAG_INTERVAL_MS * 1000000u;
    uv_must(uv_timer_start(timer, on_lag_timer, LAG_INTERVAL_MS, 0), "uv_timer_start");
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* Reports the loop's health as facts: the share of its time spent running
 * callbacks rather than waiting (libuv's uv_metrics_idle_time), and how late
 * the lag timer fired at the 99th percentile and at worst. */
static void report_loop_health(struct window *w)
{
    uint64_t now_ns = uv_hrtime();
    uint64_t elapsed_ns = now_ns - w->loop_start_ns;
    uint64_t idle_ns = uv_metrics_idle_time(&w->loop);
    double busy = elapsed_ns > 0 ? 1.0 - (double)idle_ns / (double)elapsed_ns : 0;

    run_add_fact(w->run, "loop_busy", busy < 0 ? 0 : busy);
    /* A loop kept busy to the end (tasks computed as they started) never
     * let the timer fire: how late it is now counts too. */
    if (now_ns > w->lag_due_ns)
        lag_sample(w, now_ns);
    if (w->lag_count > 0)   /* none at all: a short run that the lag timer never saw */
        qsort(w->lags_ms, w->lag_count, sizeof *w->lags_ms, compare_doubles);
    run_add_fact(w->run, "loop_lag_p99_ms", percentile(w->lags_ms, w->lag_count, 99));
    run_add_fact(w->run, "loop_lag_max_ms",
                 w->lag_count > 0 ? w->lags_ms[w->lag_count - 1] : 0);
}

/* ---- libuv's thread pool ---- */

/* Sets UV_THREADPOOL_SIZE from --uv-threadpool before libuv starts its pool
 * (at the first uv_fs or uv_queue_work call) and reports the size as the
 * fact uv_threadpool. 0, or -1 after printing one line. */
static int threadpool_configure(struct run *run)
{
    long size = uv_threadpool_option_value;

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

/* Prints "PROGRAM: what: why" for a libuv call that failed; returns -1. */
static int uv_failed(const char *what, int rc)
{
    fprintf(stderr, "%s: %s: %s\n", program_name(), what, uv_strerror(rc));
    return -1;
}

int window_run(struct run *run, const struct window_ops *ops)
{
    struct window w = { .run = run, .ops = ops };
    int status = -1;
    int rc;

    /* The tasks taken from the cache need no room; the window has at least
     * one place, so that window_fill walks past them when nothing is left. */
    size_t left = run->count - run->cached;
    w.limit = run->opts->concurrency > 0 && (size_t)run->opts->concurrency < left
                  ? run->opts->concurrency : (long)left;
    if (w.limit == 0)
        w.limit = 1;
    run->concurrency = w.limit;
    run_add_library(run, "libuv", uv_version_string());
    /* libuv's pool does the file steps and the offloaded work; cook, only
     * timers, uses none. */
    if (run->opts->workload != WORKLOAD_COOK && threadpool_configure(run) != 0)
        return -1;

    /* Set up in order, torn down in reverse by the ladder below. */
    if ((rc = uv_loop_init(&w.loop)) < 0)
        return uv_failed("uv_loop_init", rc);
    if ((rc = uv_loop_configure(&w.loop, UV_METRICS_IDLE_TIME)) < 0) {
        uv_failed("uv_loop_configure(UV_METRICS_IDLE_TIME)", rc);
        goto out_loop;
    }
    /* Cannot fail: on Unix it only fills in the struct. Unreferenced, it
     * never keeps the loop alive by itself. */
    uv_must(uv_timer_init(&w.loop, &w.lag_timer), "uv_timer_init");
    w.lag_timer.data = &w;
    uv_unref((uv_handle_t *)&w.lag_timer);
    if ((rc = uv_async_init(&w.loop, &w.wake, on_uv_wake)) < 0) {
        uv_failed("uv_async_init", rc);
        goto out_lag;
    }
    w.wake.data = &w;
    /* From here a signal wakes the loop; one that came before has set the
     * run's flag, which window_fill reads before it starts any task. */
    run_set_wake(window_wake, &w);
    if (ops->transfer_done != NULL) {
        if (curl_uv_init(&w.curl, &w.loop, on_curl_done) != 0)
            goto out_wake;
        if (window_limit_connections(&w) != 0)
            goto out_curl;
    }

    w.loop_start_ns = uv_hrtime();
    w.lag_due_ns = w.loop_start_ns + LAG_INTERVAL_MS * 1000000u;
    uv_must(uv_timer_start(&w.lag_timer, on_lag_timer, LAG_INTERVAL_MS, 0), "uv_timer_start");
    window_fill(&w);
    /* The loop runs until window_fill stops it after the last task; until
     * then the wake-up alone would keep it alive. Stopped, uv_run returns
     * nonzero, for handles still open: that is expected here. */
    if (!w.finished) {
        w.running = true;
        (void)uv_run(&w.loop, UV_RUN_DEFAULT);
        w.running = false;
    }
    report_loop_health(&w);
    if (w.finished)
        status = 0;
    else
        fprintf(stderr, "%s: the loop ended with %ld tasks in flight\n", program_name(),
                w.in_flight);

out_curl:
    if (ops->transfer_done != NULL)
        curl_uv_close(&w.curl);
out_wake:
    /* No signal may reach w once it is gone; one that comes later only sets
     * the run's flag. */
    run_set_wake(NULL, NULL);
    uv_close((uv_handle_t *)&w.wake, NULL);   /* in w: nothing to free */
out_lag:
    uv_close((uv_handle_t *)&w.lag_timer, NULL);
out_loop:
    /* Runs the close callbacks: the last tasks' timers, libcurl's polls. */
    if ((rc = uv_run(&w.loop, UV_RUN_DEFAULT)) != 0)
        fprintf(stderr, "%s: uv_run: handles still active at the end\n", program_name());
    if (run->opts->verbose && ops->transfer_done != NULL && status == 0)
        curl_uv_report(&w.curl, stderr);
    free(w.lags_ms);
    if ((rc = uv_loop_close(&w.loop)) < 0) {
        uv_failed("uv_loop_close", rc);
        uv_print_all_handles(&w.loop, stderr);
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
