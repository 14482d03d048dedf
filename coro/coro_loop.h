/* coro_loop.h: a task on a coroutine, on a loop: what the coroutine models
 * write alike.
 *
 * A coroutine model's task is a struct coro_task. Its waits that go through
 * the loop's own calls (a transfer on libcurl's multi handle, a sleep on the
 * task's timer), Ctrl-C for them, and the model's start, release and run are
 * in coro_loop.c, written once against the names every loop's header
 * declares (struct loop_task, task_wait, transfer_add, loop_run, ...: read
 * loop/loop_uv.h beside async_uring/loop_ring.h) and compiled once per model
 * against its own loop. A model's waits.c keeps only what its loop does
 * differently: the file steps and computing. Include this header after the
 * loop's, as each model's model.h does. */
#ifndef CORO_CORO_LOOP_H
#define CORO_CORO_LOOP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "coro_task.h"
#include "http.h"
#include "run.h"
#include "task.h"
#include "transfer.h"

/* What a paused coroutine waits for: the one callback that may wake it. */
enum coro_wait {
    WAIT_NONE,
    WAIT_SLEEP,
    WAIT_FILE,
    WAIT_TRANSFER,
    WAIT_WORK,                   /* a computation on a thread pool: async_coro --offload */
};

/* One task: the loop's part, its coroutine, and what its waits through the
 * loop need. Allocated by the window, zeroed, freed after the release. A
 * model whose file steps need state of their own (async_uring's ring
 * request) begins its task with this struct and adds it after. */
struct coro_task {
    struct loop_task loop;       /* first: the loop's part, which begins with the window's */
    struct coro_job job;         /* its coroutine and worker; worker.wait_ctx points here */
    enum coro_wait wait;         /* what the paused coroutine waits for */
    int wait_result;             /* a sleep's: 0, or -ECANCELED */
    /* A transfer in flight: libcurl hands the body to the loop's stack; it
     * is staged here until the coroutine takes it on its own stack. */
    curl_write_callback on_body; /* the task code's, called on the coroutine */
    void *body_data;
    struct body stage;           /* staged body bytes, grown as they come, to STAGE_BYTES */
    bool transfer_paused;        /* libcurl keeps the next bytes until the stage is taken */
    struct transfer transfer;    /* fetch, download: the worker's easy handle on the loop */
    bool transfer_done;          /* the transfer has left the multi handle */
    CURLcode transfer_result;
};

/* The task whose coroutine runs the task code that worker serves. */
static inline struct coro_task *coro_task_of(struct worker *worker)
{
    return worker->wait_ctx;
}

/* Pauses the coroutine until the callback for `wait` wakes it. */
void coro_await(struct coro_task *ct, enum coro_wait wait);

/* Wakes a task that waits for `wait`, as the callback of that wait. Any
 * other wake would resume the wrong wait (a file step's request still in
 * the loop's or the kernel's hands): a bug, so it stops the program with
 * one line. */
void coro_wake_for(struct coro_task *ct, enum coro_wait wait);

/* The waits through the loop, for the model's struct waits (coro_loop.c):
 * a transfer, a sleep, fetch's processing pause. */
CURLcode coro_transfer(struct worker *worker, curl_write_callback on_body, void *body_data);
int coro_sleep_ms(struct worker *worker, long ms);
int coro_processing_ms(struct worker *worker, long ms);

/* The model's rows of options: its loop's (LOOP_OPTIONS) and --stack-kb. */
extern const struct model_option coro_loop_options[];

/* Runs the workload's task on a coroutine per record, on the model's loop,
 * at most --concurrency at once. task_size is sizeof the model's task,
 * which begins with a struct coro_task. 0, or -1 after one printed line. */
int coro_loop_run(struct run *run, size_t task_size);

/* ---- What the model brings (its waits.c) ---- */

/* Its waits: coro_transfer and the sleeps above, its file steps and its
 * computing. */
extern const struct waits coro_waits;

/* Ctrl-C while the task waits for a file step: what its loop can do about
 * the request in flight. The transfer the step may be writing for is
 * already stopped; the step's own callback must still wake the task. */
void coro_file_cancel(struct coro_task *ct);

#endif
