/* model.h: the coroutine model's parts, shared by its files.
 *
 * A task is a coroutine (coro.h) running the straight task code of
 * tasks/task.c on the window of loop/window.h, on libuv (loop/loop_uv.h). Each wait in that code is a
 * call to waits.c, which starts the operation on the loop and pauses the
 * coroutine; the operation's callback wakes it again. */
#ifndef ASYNC_CORO_MODEL_H
#define ASYNC_CORO_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>
#include <uv.h>

#include "coro_task.h"
#include "task.h"
#include "loop_uv.h"

/* What a paused coroutine waits for: the one callback that may wake it. */
enum coro_wait { WAIT_NONE, WAIT_SLEEP, WAIT_FILE, WAIT_TRANSFER, WAIT_WORK };

/* One task: the window's part, its coroutine, and what its waits need.
 * Allocated by the window, freed after model.c's release. */
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

/* The waits of a task on a coroutine (waits.c). */
extern const struct waits coro_waits;

/* Called by the window on Ctrl-C (waits.c). */
void coro_task_cancel(struct task *task);

#endif
