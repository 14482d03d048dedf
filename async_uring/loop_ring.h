/* loop_ring.h: the window's tasks on one io_uring.
 *
 * The ring's side of the window (window.h), as loop/loop_uv.h is libuv's:
 * the loop, Ctrl-C's wake-up, the health timer (health.h), libcurl on the
 * ring (curl_ring.h, under the transfer policy of transfer.h), and the
 * waits of a task on it: a timer, a transfer. The same names as
 * loop_uv.h's, so that the one coro/coro_loop.c serves both coroutine
 * models, compiled against each; the file steps are the model's own
 * requests (waits.c). */
#ifndef ASYNC_URING_LOOP_RING_H
#define ASYNC_URING_LOOP_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "curl_ring.h"
#include "health.h"
#include "record.h"
#include "ring.h"
#include "run.h"
#include "transfer.h"
#include "window.h"

/* The options of a model on this loop. The model owns them (the parser
 * stores into its struct through LOOP_OPTIONS) and hands them to
 * loop_run, which keeps a pointer for the run. */
struct loop_options {
    long blocking_process;   /* --blocking-process: fetch's --process-ms pause becomes a
                              * blocking sleep on the loop's thread, the pitfall the
                              * source material warns of */
};

/* The rows of a ring model's option table for struct loop_options o:
 * --blocking-process as on libuv, and --offload refused with its reason.
 * There is no --uv-threadpool either: no pool at all. */
#define LOOP_OPTIONS(o)                                                                \
    { .name = "blocking-process",                                                      \
      .help = "fetch: --process-ms blocks the loop (the pitfall, to measure)",         \
      .default_help = "off", .value = &(o).blocking_process },                         \
    { .name = "offload",                                                               \
      .refusal = "the ring cannot compute, and this model has no thread pool of its "  \
                 "own (async_coro --offload is the model that offloads)" }

/* One task on the loop: the window's part, and what it waits for. The
 * model's task begins with it; the window allocates it, and the release
 * of its timer frees it. */
struct loop_task {
    struct task task;              /* first: the window knows only this part */
    struct ring_timer timer;       /* the task's waits: backoff, processing, cooking */
    task_step_fn *after_wait;      /* called when the timer fires */
    const char *waiting;           /* for the error: "during backoff", "while cooking" */
    struct transfer *transfer;     /* its last, or NULL: Ctrl-C takes it out if it runs */
};

/* The run on one ring. Owned by loop_run, on its stack, from the first
 * task until ring_exit; everything on the ring points back here. */
struct loop {
    struct window window;          /* first: a task's window is in its loop */
    const struct loop_options *opts;
    struct ring ring;
    int wake_fd;                   /* an eventfd, written by main's signal handler */
    struct ring_op wake;           /* its read, kept on the ring: cancel the run */
    uint64_t wake_count;           /* what the read reads */
    bool stopping;                 /* the run is over: the read is not put back */
    bool transfers;                /* fetch and download: libcurl on this loop */
    struct curl_ring curl;
    struct ring_timer lag_timer;   /* the health timer */
    struct ring_timer rate_timer;  /* --rate: wakes the window when the next task is due */
    struct loop_health health;
};

/* Runs every record of the run on one ring, at most --concurrency at
 * once. 0 when the run went through, -1 after printing one line (io_uring
 * not available here among the reasons). */
int loop_run(struct run *run, const struct window_ops *ops, const struct loop_options *opts);

/* The loop a task runs on. */
static inline struct loop *loop_of(const struct task *task)
{
    return (struct loop *)task->window;
}

/* The ring a task's requests go to. */
static inline struct ring *ring_of(const struct task *task)
{
    return &loop_of(task)->ring;
}

/* Calls after_wait from the loop in duration_ms. waiting names the wait for
 * the error if Ctrl-C cuts it short ("cancelled while cooking"). */
void task_wait(struct task *task, long duration_ms, const char *waiting, task_step_fn *after_wait);

/* Stops a wait of task_wait, if one runs: after_wait will not be called.
 * True when one ran. */
bool task_wait_stop(struct task *task);

/* True while a wait of task_wait runs. */
bool task_wait_active(const struct task *task);

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

#endif
