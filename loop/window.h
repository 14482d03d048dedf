/* window.h: tasks on one libuv loop, at most --concurrency at once.
 *
 * What both loop models share: the loop, libcurl on it (curl_uv.c), Ctrl-C,
 * libuv's thread-pool size, and the window, asyncio's Semaphore in C, which
 * starts a task whenever one finishes. How a task runs is the model's:
 * async_uv writes it as a chain of callbacks, async_coro as straight code on
 * a coroutine. Each hands the window a struct window_ops and embeds a
 * struct task at the start of its own task. */
#ifndef LOOP_WINDOW_H
#define LOOP_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <uv.h>

#include "curl_uv.h"
#include "record.h"
#include "run.h"

struct task;
/* A step of a task on the loop: a callback that carries it on. */
typedef void task_step_fn(struct task *task);

/* What a model tells the window about its tasks. */
struct window_ops {
    size_t task_size;      /* sizeof the model's task, which begins with a struct task */
    size_t task_align;     /* _Alignof it (a checksum_state wants 64 bytes) */
    /* Begins the task, once the window has made it. It must end, now or from
     * a later callback, in exactly one window_task_finish. */
    task_step_fn *start;
    /* Called from the loop when the task's transfer has ended (and left the
     * multi handle). NULL: this workload uses no libcurl. */
    void (*transfer_done)(struct task *task, CURLcode result);
    /* Ctrl-C: stop what the task waits for and let it end as cancelled. */
    task_step_fn *cancel;
    /* Frees what the model keeps in its task, just before the task goes.
     * NULL when it keeps nothing. */
    task_step_fn *release;
};

/* The run on one loop. Owned by window_run, on its stack, from the first
 * task until uv_loop_close; everything on the loop points back here. */
struct window {
    struct run *run;
    const struct window_ops *ops;
    uv_loop_t loop;
    uv_async_t wake;               /* sent by main's signal handler: cancel the run */
    bool cancelled;                /* on_uv_wake has cancelled the tasks */
    struct curl_uv curl;           /* fetch and download: libcurl on this loop */
    long limit;                    /* most tasks in flight: --concurrency, or every task */
    size_t next;                   /* run->records[next] is the next to start */
    long in_flight;                /* started, not yet finished */
    bool filling;                  /* window_fill is on the stack: do not re-enter */
    bool running;                  /* the main uv_run is on the stack */
    bool finished;                 /* every record completed or failed */
    struct task *tasks;            /* the tasks in flight, for Ctrl-C */
    /* The loop's health: how late a 10 ms timer fires, and how busy it is. */
    uv_timer_t lag_timer;
    uint64_t lag_due_ns;           /* when the lag timer should fire next (uv_hrtime) */
    double *lags_ms;               /* how late each firing was */
    size_t lag_count, lag_size;
    uint64_t loop_start_ns;        /* uv_hrtime() as the loop began */
};

/* One task in flight. Allocated by the window (ops->task_size bytes) when
 * its turn comes, and freed in the close callback of its timer, after
 * window_task_finish. Models embed it as the first member of their task. */
struct task {
    struct window *window;
    struct task_record *rec;
    uv_timer_t timer;              /* the task's waits: backoff, processing, cooking */
    task_step_fn *after_wait;           /* called when the timer fires */
    const char *waiting;           /* for the error: "during backoff", "while cooking" */
    CURL *easy;                    /* fetch, download: the task's handle, the model's to free */
    bool in_multi;                 /* the transfer runs: Ctrl-C must take it out */
    int socket_errno;              /* why the transfer could not open a socket, or 0 */
    char errbuf[CURL_ERROR_SIZE];  /* libcurl's text for the last failure */
    uv_work_t work;                /* a computation on libuv's pool (--offload) */
    void (*work_fn)(void *arg);    /* what it computes, with work_arg */
    void *work_arg;
    task_step_fn *after_work;      /* called on the loop once it is done */
    struct task *prev, *next;      /* the window's list of tasks in flight */
};

/* Runs every record of the run on one loop, at most --concurrency at once.
 * 0 when the run went through, -1 after printing one line. */
int window_run(struct run *run, const struct window_ops *ops);

/* The task's record is completed or failed: release it and start the next. */
void window_task_finish(struct task *task);

/* Calls after_wait from the loop in duration_ms. waiting names the wait for
 * the error if Ctrl-C cuts it short ("cancelled while cooking"). */
void task_wait(struct task *task, long duration_ms, const char *waiting, task_step_fn *after_wait);

/* Computes work(arg), then calls after_work: here and now, on the loop's
 * thread, which nothing else can use meanwhile; or, with --offload, on
 * libuv's thread pool, after_work following from the loop once done. A
 * computation once queued cannot be taken back: Ctrl-C waits for it. */
void task_compute(struct task *task, void (*work)(void *arg), void *arg,
                  task_step_fn *after_work);

/* Stops a wait of task_wait, if one runs: after_wait will not be called.
 * True when one ran. */
bool task_wait_stop(struct task *task);

/* Adds task->easy, set up for its URL by the caller (http_setup), to the
 * multi handle; ops->transfer_done follows. CAUSE_NONE, or CAUSE_CONNECT
 * (CAUSE_IO for no memory) with a reason in why when the transfer could
 * not start. */
enum fail_cause transfer_add(struct task *task, char *why, size_t why_size);

/* Ctrl-C: takes a running transfer out of the multi handle, without
 * ops->transfer_done. The caller ends it with CURLE_ABORTED_BY_CALLBACK, as
 * the progress callback would have, and http_judge says during what. True
 * when one ran. */
bool transfer_stop(struct task *task);

/* Writes "STEP PATH: why (ENAME)" for a failed uv_fs step: the error's
 * name too, so that EMFILE (out of file descriptors) is plain to see. */
void fs_error_text(char *why, size_t why_size, const char *step, const char *path, int err);

/* "rename FROM to NAME: why (ENAME)" for a failed uv_fs_rename, NAME being
 * to's file name in the same folder: a folder of that name makes it fail. */
void rename_error_text(char *why, size_t why_size, const char *from, const char *to, int err);

/* --uv-threadpool, for a loop model's option table: the size is kept in
 * uv_threadpool_option_value until window_run applies it (and reports it as
 * the fact uv_threadpool) before libuv starts its pool. */
extern long uv_threadpool_option_value;
#define UV_THREADPOOL_OPTION                                                        \
    { .name = "uv-threadpool", .value_name = "N", .help = "libuv's thread pool size", \
      .default_help = "libuv's, 4", .min = 1, .max = 1024, .default_value = 0,        \
      .value = &uv_threadpool_option_value }

/* --offload: computing (the cpu workload, --process-cpu-ms) runs on libuv's
 * thread pool (uv_queue_work), the task waiting for it as for a socket.
 * --blocking-process: fetch's --process-ms pause becomes a blocking sleep
 * on the loop's thread, the pitfall the source material warns of. */
extern long offload_option_value, blocking_process_option_value;
#define OFFLOAD_OPTION                                                                 \
    { .name = "offload", .help = "compute on libuv's thread pool, not on the loop",    \
      .default_help = "off", .value = &offload_option_value }
#define BLOCKING_PROCESS_OPTION                                                        \
    { .name = "blocking-process",                                                      \
      .help = "fetch: --process-ms blocks the loop (the pitfall, to measure)",         \
      .default_help = "off", .value = &blocking_process_option_value }

/* Notes that a callback of task id's, begun at began_ns (uv_hrtime), is
 * over: under --verbose, one that held the loop over 100 ms is named with
 * its step, as asyncio's debug mode names a slow callback. The window notes
 * its own callbacks; a model notes those it registers itself. */
void window_step_done(struct window *w, long id, const char *step, uint64_t began_ns);

/* Prints "PROGRAM: what: why" for a libuv call that cannot fail short of a
 * bug in this program (a closing handle, a NULL callback), and aborts, like
 * libuv's own asserts that never compile out. */
void uv_must(int rc, const char *what);

#endif
