/* attempt.c: a task of the libuv model, one attempt after another.
 *
 * What every workload's task shares: an attempt begins with record_attempt
 * and ends in task_succeeded or task_failed, which retries after a timer or
 * gives up; Ctrl-C stops what the task waits for. The retry policy is
 * attempt_until_done's, in tasks/task.c, with a timer for the sleep.
 * Compare async_coro/model.c: the same window, with each task a coroutine
 * running the straight code of tasks/task.c. */
#include "attempt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "http.h"
#include "workload.h"

#define URL_MAX 1024

/* The window's ops for one workload, and the workload. Lives on
 * attempt_run's stack for the whole run. */
struct uv_ops {
    struct window_ops window;        /* first: the window sees only this part */
    const struct workload_ops *workload;
};

static const struct workload_ops *workload_of(const struct task *task)
{
    return ((const struct uv_ops *)task->window->ops)->workload;
}

/* Begins an attempt: the same record_attempt as in attempt_until_done. */
static void task_attempt(struct task *task)
{
    record_attempt(task->window->run, task->rec);
    workload_of(task)->attempt(task);
}

void task_succeeded(struct task *task, uint64_t bytes, uint64_t checksum)
{
    record_complete(task->window->run, task->rec, bytes, checksum);
    window_task_finish(task);
}

void task_failed(struct task *task, enum fail_cause cause, const char *why, ...)
{
    struct run *run = task->window->run;
    char text[RECORD_ERROR_MAX];
    va_list args;

    va_start(args, why);
    vsnprintf(text, sizeof text, why, args);
    va_end(args);
    record_attempt_failed(run, task->rec, cause, "%s", text);
    if (record_should_retry(run, task->rec)) {
        /* Where attempt_until_done sleeps, the task sets its timer and
         * gives the thread back to the loop. */
        task_wait(task, record_backoff_ms(run, task->rec), "during backoff", task_attempt);
        return;
    }
    record_give_up(run, task->rec);
    window_task_finish(task);
}

/* Called by the window as the task goes: the workload's buffers and its
 * easy handle, which has left the multi handle. */
static void task_release(struct task *task)
{
    if (workload_of(task)->release != NULL)
        workload_of(task)->release(task);
}

/* Called by the window on Ctrl-C. A timer is stopped; a transfer is taken
 * out of the multi handle and ends as if the progress callback of
 * http_setup had aborted it, as it does in the other models. A file-system
 * request cannot be taken back from the thread pool: its callback finds
 * run_cancelled() and ends the attempt. */
static void task_cancel(struct task *task)
{
    const char *waiting = ((struct loop_task *)task)->waiting;

    if (task_wait_stop(task))
        task_failed(task, CAUSE_CANCELLED, "cancelled %s", waiting);
    else if (transfer_stop(task))
        workload_of(task)->transfer_done(task, CURLE_ABORTED_BY_CALLBACK);
}

enum fail_cause transfer_start(struct task *task, struct transfer *t, curl_write_callback on_body,
                               void *body_data, char *why, size_t why_size)
{
    struct run *run = task->window->run;
    char url[URL_MAX];

    if (workload_url(run, task->rec->id, url, sizeof url) != 0) {
        snprintf(why, why_size, "URL longer than %d bytes", URL_MAX);
        return CAUSE_CONNECT;
    }
    /* After libcurl's global init, curl_easy_init fails only for memory:
     * a local failure, io, as a file's (never blamed on the connection). */
    if (t->easy == NULL && (t->easy = curl_easy_init()) == NULL) {
        snprintf(why, why_size, "no memory for a libcurl handle");
        return CAUSE_IO;
    }
    CURLcode rc = http_setup(t->easy, run, url, on_body, body_data, t->errbuf);
    if (rc != CURLE_OK) {
        snprintf(why, why_size, "cannot set up the transfer: %s", curl_easy_strerror(rc));
        return rc == CURLE_OUT_OF_MEMORY ? CAUSE_IO : CAUSE_CONNECT;
    }
    t->task = task;
    t->done = workload_of(task)->transfer_done;
    return transfer_add(t, why, why_size);
}

int attempt_run(struct run *run, const struct workload_ops *workload,
                const struct loop_options *opts)
{
    struct uv_ops ops = {
        .window = {
            .task_size = workload->task_size,
            .start = task_attempt,
            .cancel = task_cancel,
            .release = task_release,
        },
        .workload = workload,
    };

    /* What a waiting task costs the model itself: its struct, between callbacks. */
    run_add_fact(run, "task_state_bytes", (double)workload->task_size);
    int rc = loop_run(run, &ops.window, opts);
    if (run->opts->verbose && workload->report != NULL)
        workload->report(run);
    return rc;
}
