/* model.h: the libuv model's parts, shared by its files.
 *
 * A window (model.c) starts tasks while fewer than --concurrency are in
 * flight. A task is a chain of callbacks, one per step, that ends in
 * task_succeeded() or task_failed(); task_failed() applies the retry policy
 * of common/task.c's attempt_until_done, with a timer for the sleep. */
#ifndef ASYNC_UV_MODEL_H
#define ASYNC_UV_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <uv.h>

#include "curl_uv.h"
#include "record.h"
#include "run.h"

struct task;
typedef void task_fn(struct task *task);

/* What a workload tells the window. One static const per workload file. */
struct task_ops {
    size_t task_size;      /* sizeof the workload's task, which begins with a struct task */
    size_t task_align;     /* _Alignof it (a checksum_state wants 64 bytes) */
    /* Begins one attempt, after record_attempt. It must end, now or from a
     * later callback, in exactly one task_succeeded or task_failed. */
    task_fn *attempt;
    /* fetch, download: called from the loop when the attempt's transfer has
     * ended (and left the multi handle). NULL: this workload uses no libcurl. */
    void (*transfer_done)(struct task *task, CURLcode result);
    /* Frees what the workload keeps in its task, just before the task goes.
     * NULL when it keeps nothing. */
    task_fn *release;
};

/* The run on one loop. Owned by window_run, on its stack, from the first
 * task until uv_loop_close; everything on the loop points back here. */
struct window {
    struct run *run;
    const struct task_ops *ops;
    uv_loop_t loop;
    uv_signal_t sigint, sigterm;   /* Ctrl-C and kill: cancel the run */
    struct curl_uv curl;           /* fetch and download: libcurl on this loop */
    long limit;                    /* most tasks in flight: --concurrency, or every task */
    size_t next;                   /* run->records[next] is the next to start */
    long in_flight;                /* started, not yet finished */
    bool filling;                  /* window_fill is on the stack: do not re-enter */
    bool running;                  /* the main uv_run is on the stack */
    bool finished;                 /* every record completed or failed */
    struct task *tasks;            /* the tasks in flight, for Ctrl-C */
};

/* One task in flight. Allocated by the window (ops->task_size bytes) when
 * its turn comes, and freed in the close callback of its timer, after
 * task_succeeded or task_failed has finished it. Workload files embed it as
 * the first member of their own task. */
struct task {
    struct window *window;
    struct task_record *rec;
    uv_timer_t timer;              /* the task's waits: backoff, processing, cooking */
    task_fn *after_wait;           /* called when the timer fires */
    const char *waiting;           /* for the error: "during backoff", "while cooking" */
    CURL *easy;                    /* fetch, download: made by the first attempt, reused */
    bool in_multi;                 /* the transfer runs: Ctrl-C must take it out */
    int socket_errno;              /* why the transfer could not open a socket, or 0 */
    char errbuf[CURL_ERROR_SIZE];  /* libcurl's text for the last failure */
    struct task *prev, *next;      /* the window's list of tasks in flight */
};

/* Runs every record of the run on one loop, at most --concurrency at once.
 * 0 when the run went through, -1 after printing one line. */
int window_run(struct run *run, const struct task_ops *ops);

/* The attempt ended well: record_complete, and the task is finished. */
void task_succeeded(struct task *task, uint64_t bytes, uint64_t checksum);

/* The attempt failed: record_attempt_failed, then a retry after the backoff
 * (a timer), or record_give_up and the task is finished. */
void task_failed(struct task *task, enum fail_cause cause, const char *why, ...)
    __attribute__((format(printf, 3, 4)));

/* Calls after_wait from the loop in duration_ms. waiting names the wait for
 * the error if Ctrl-C cuts it short ("cancelled while cooking"). */
void task_wait(struct task *task, long duration_ms, const char *waiting, task_fn *after_wait);

/* Sets up the task's easy handle for its URL (http_setup) and adds it to the
 * multi handle; ops->transfer_done follows. CAUSE_NONE, or the cause with a
 * reason in why when the transfer could not start. */
enum fail_cause transfer_start(struct task *task, curl_write_callback on_body, void *body_data,
                               char *why, size_t why_size);

/* Writes "STEP PATH: why (ENAME)" for a failed uv_fs step: the error's
 * name too, so that EMFILE (out of file descriptors) is plain to see. */
void fs_error_text(char *why, size_t why_size, const char *step, const char *path, int err);

/* Sets UV_THREADPOOL_SIZE from --uv-threadpool before libuv starts its pool
 * (at the first uv_fs call) and reports the size as the fact uv_threadpool.
 * 0, or -1 after printing one line. */
int threadpool_configure(struct run *run);

/* Prints "PROGRAM: what: why" for a libuv call that cannot fail short of a
 * bug in this program (a closing handle, a NULL callback), and aborts, like
 * libuv's own asserts that never compile out. */
void uv_must(int rc, const char *what);

int fetch_run(struct run *run);
int download_run(struct run *run);
int files_run(struct run *run);
int cook_run(struct run *run);

#endif
