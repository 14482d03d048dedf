/* loop_uv.h: the window's tasks on one libuv loop.
 *
 * libuv's side of the window (window.h): the loop, Ctrl-C's watcher,
 * libuv's thread-pool size, the health timer (health.h), libcurl on the
 * loop (curl_uv.h, under the transfer policy of transfer.h), and the waits
 * of a task on it: a timer, a computation on the pool, a transfer. What
 * both libuv models share; each hands loop_run a struct window_ops, and
 * its task begins with a struct loop_task. */
#ifndef LOOP_LOOP_UV_H
#define LOOP_LOOP_UV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "curl_uv.h"
#include "health.h"
#include "record.h"
#include "run.h"
#include "transfer.h"
#include "window.h"

/* The options of a model on this loop. The model owns them (the parser
 * stores into its struct through LOOP_OPTIONS) and hands them to
 * loop_run, which keeps a pointer for the run. */
struct loop_options {
    long threadpool_size;    /* --uv-threadpool: 0 leaves it to libuv (and to
                              * UV_THREADPOOL_SIZE) */
    long offload;            /* --offload: computing runs on libuv's thread pool
                              * (uv_queue_work), the task waiting for it as for a socket */
    long blocking_process;   /* --blocking-process: fetch's --process-ms pause becomes a
                              * blocking sleep on the loop's thread, the pitfall the
                              * source material warns of */
};

/* The rows of a loop model's option table for struct loop_options o. */
#define LOOP_OPTIONS(o)                                                                \
    { .name = "uv-threadpool", .value_name = "N", .help = "libuv's thread pool size",   \
      .default_help = "libuv's, 4", .min = 1, .max = 1024, .default_value = 0,          \
      .value = &(o).threadpool_size },                                                 \
    { .name = "offload", .help = "compute on libuv's thread pool, not on the loop",      \
      .default_help = "off", .value = &(o).offload },                                  \
    { .name = "blocking-process",                                                      \
      .help = "fetch: --process-ms blocks the loop (the pitfall, to measure)",         \
      .default_help = "off", .value = &(o).blocking_process }

/* One task on the loop: the window's part, and what it waits for. The
 * model's task begins with it; the window allocates it, and the close
 * callback of its timer frees it. */
struct loop_task {
    struct task task;              /* first: the window knows only this part */
    uv_timer_t timer;              /* the task's waits: backoff, processing, cooking */
    task_step_fn *after_wait;      /* called when the timer fires */
    const char *waiting;           /* for the error: "during backoff", "while cooking" */
    uv_work_t work;                /* a computation on libuv's pool (--offload) */
    void (*work_fn)(void *arg);    /* what it computes, with work_arg */
    void *work_arg;
    task_step_fn *after_work;      /* called on the loop once it is done */
    struct transfer *transfer;     /* its last, or NULL: Ctrl-C takes it out if it runs */
};

/* The run on one loop. Owned by loop_run, on its stack, from the first
 * task until uv_loop_close; everything on the loop points back here. */
struct loop {
    struct window window;          /* first: a task's window is in its loop */
    const struct loop_options *opts;
    uv_loop_t uv;
    uv_async_t wake;               /* sent by main's signal handler: cancel the run */
    bool transfers;                /* fetch and download: libcurl on this loop */
    struct curl_uv curl;
    bool running;                  /* the main uv_run is on the stack */
    uv_timer_t lag_timer;          /* the health timer */
    uv_timer_t rate_timer;         /* --rate: wakes the window when the next task is due */
    struct loop_health health;
};

/* Runs every record of the run on one loop, at most --concurrency at once.
 * 0 when the run went through, -1 after printing one line. */
int loop_run(struct run *run, const struct window_ops *ops, const struct loop_options *opts);

/* The loop a task runs on. */
static inline struct loop *loop_of(const struct task *task)
{
    return (struct loop *)task->window;
}

/* Calls after_wait from the loop in duration_ms. waiting names the wait for
 * the error if Ctrl-C cuts it short ("cancelled while cooking"). */
void task_wait(struct task *task, long duration_ms, const char *waiting, task_step_fn *after_wait);

/* Stops a wait of task_wait, if one runs: after_wait will not be called.
 * True when one ran. */
bool task_wait_stop(struct task *task);

/* True while a wait of task_wait runs. */
bool task_wait_active(const struct task *task);

/* Computes work(arg), then calls after_work: here and now, on the loop's
 * thread, which nothing else can use meanwhile; or, with --offload, on
 * libuv's thread pool, after_work following from the loop once done. A
 * computation once queued cannot be taken back: Ctrl-C waits for it. */
void task_compute(struct task *task, void (*work)(void *arg), void *arg,
                  task_step_fn *after_work);

/* Adds t->easy, set up for its URL by the caller (http_setup), to the
 * multi handle; t->done follows, with t->task. CAUSE_NONE, or
 * CAUSE_CONNECT (CAUSE_IO for no memory) with a reason in why when the
 * transfer could not start. */
enum fail_cause transfer_add(struct transfer *t, char *why, size_t why_size);

/* Ctrl-C, or a transfer that cannot go on: takes the task's running
 * transfer out of the multi handle, without its done. The caller ends it
 * (with CURLE_ABORTED_BY_CALLBACK for Ctrl-C, as the progress callback
 * would have, and http_judge says during what). True when one ran. */
bool transfer_stop(struct task *task);

/* Writes "STEP PATH: why (ENAME)" for a failed uv_fs step: the error's
 * name too, so that EMFILE (out of file descriptors) is plain to see. */
void fs_error_text(char *why, size_t why_size, const char *step, const char *path, int err);

/* "rename FROM to NAME: why (ENAME)" for a failed uv_fs_rename, NAME being
 * to's file name in the same folder: a folder of that name makes it fail. */
void rename_error_text(char *why, size_t why_size, const char *from, const char *to, int err);

/* Prints "PROGRAM: what: why" for a libuv call that cannot fail short of a
 * bug in this program (a closing handle, a NULL callback), and aborts, like
 * libuv's own asserts that never compile out. */
void uv_must(int rc, const char *what);

#endif
