/* coro_loop.c: a task on a coroutine, on a loop: the waits through the loop,
 * Ctrl-C, and the model's start, release and run.
 *
 * Each wait here starts its operation on the loop (a transfer on libcurl's
 * multi handle, the task's timer), then pauses the task's coroutine; the
 * loop's one thread runs the other tasks until the operation's callback
 * wakes this one, which goes on from the pause with its locals intact. That
 * is what `await` is. Compare tasks/blocking.c, the same waits in the same
 * order, where the thread itself waits instead; the model's waits.c goes on
 * with the file steps and computing, which its loop does its own way.
 *
 * One source, two objects: the Makefile compiles this file once per
 * coroutine model, with CORO_LOOP_H naming that model's loop header
 * (loop_uv.h for async_coro, loop_ring.h for async_uring). Both declare the
 * same names over their own structs, so the code reads the same and each
 * copy calls its loop directly, as a backend file of redis's ae.c would be
 * chosen at build time: no table of pointers in the way of every piece of
 * a body, and one place to read and fix. */
#include CORO_LOOP_H
#include "coro_loop.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"
#include "run.h"

/* The most body bytes staged before the coroutine must take them, in one
 * write: one trip through libuv's pool or one write request on the ring per
 * 256 KiB of a blob, as async_uv's BLOB_BUFFER_MAX. The stage grows to what
 * arrives, so an item's stays small. */
#define STAGE_BYTES (256 * 1024)

void coro_await(struct coro_task *ct, enum coro_wait wait)
{
    ct->wait = wait;
    coro_pause(ct->job.coro);
    ct->wait = WAIT_NONE;
}

void coro_wake_for(struct coro_task *ct, enum coro_wait wait)
{
    if (ct->wait != wait) {
        fprintf(stderr, "%s: task %ld woken for wait %d while waiting for %d\n",
                program_name(), ct->loop.task.rec->id, (int)wait, (int)ct->wait);
        abort();
    }
    coro_job_wake(&ct->job);
}

/* ---- The transfer ---- */

/* Called by the task's timer, from the loop, once the stage is full. */
static void on_stage_full(struct task *task)
{
    coro_wake_for((struct coro_task *)task, WAIT_TRANSFER);
}

/* Called by libcurl, inside curl_multi_socket_action on the loop's stack,
 * with each piece of the body. Nothing here may pause or call libcurl: the
 * bytes are staged, and once the stage is full the transfer is paused and
 * the coroutine woken by a timer, after libcurl has returned. */
static size_t on_curl_body(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct coro_task *ct = userdata;
    size_t len = size * nmemb;

    if (ct->stage.len > 0 && ct->stage.len + len > STAGE_BYTES) {
        ct->transfer_paused = true;
        if (!task_wait_active(&ct->loop.task))
            task_wait(&ct->loop.task, 0, "during the transfer", on_stage_full);
        return CURL_WRITEFUNC_PAUSE;
    }
    if (body_reserve(&ct->stage, ct->stage.len + len) != 0) {
        ct->stage.refused = BODY_NO_MEMORY;   /* said by coro_transfer */
        return 0;   /* CURLE_WRITE_ERROR: the attempt fails, the run goes on */
    }
    memcpy(ct->stage.data + ct->stage.len, data, len);
    ct->stage.len += len;
    return len;
}

/* Called by the loop when the transfer has ended. */
static void coro_transfer_done(struct task *task, CURLcode result)
{
    struct coro_task *ct = (struct coro_task *)task;

    ct->transfer_done = true;
    ct->transfer_result = result;
    task_wait_stop(task);        /* a stage to take is taken below all the same */
    if (ct->wait == WAIT_TRANSFER)
        coro_wake_for(ct, WAIT_TRANSFER);  /* else it is writing the stage: it will see */
}

/* Hands the staged bytes to the task code, on the coroutine's stack, where
 * its writes may pause. False when it refused them. */
static bool take_stage(struct coro_task *ct)
{
    size_t staged = ct->stage.len;

    ct->stage.len = 0;
    return staged == 0 || ct->on_body(ct->stage.data, 1, staged, ct->body_data) == staged;
}

CURLcode coro_transfer(struct worker *worker, curl_write_callback on_body, void *body_data)
{
    struct coro_task *ct = coro_task_of(worker);
    struct task *task = &ct->loop.task;
    char why[RECORD_ERROR_MAX];
    bool refused = false;
    CURLcode rc;

    ct->on_body = on_body;
    ct->body_data = body_data;
    ct->stage.len = 0;
    ct->stage.refused = BODY_TAKEN;
    ct->transfer_paused = ct->transfer_done = false;
    ct->transfer.task = task;
    ct->transfer.easy = worker->easy;
    ct->transfer.done = coro_transfer_done;
    if ((rc = curl_easy_setopt(worker->easy, CURLOPT_WRITEFUNCTION, on_curl_body)) != CURLE_OK ||
        (rc = curl_easy_setopt(worker->easy, CURLOPT_WRITEDATA, ct)) != CURLE_OK)
        return rc;
    ct->transfer.errbuf[0] = '\0';   /* the loop's words for this transfer, if any */
    enum fail_cause cause = transfer_add(&ct->transfer, why, sizeof why);
    if (cause != CAUSE_NONE) {
        snprintf(worker->errbuf, sizeof worker->errbuf, "%s", why);
        return cause == CAUSE_IO ? CURLE_OUT_OF_MEMORY : CURLE_COULDNT_CONNECT;
    }
    while (!ct->transfer_done && !refused) {
        coro_await(ct, WAIT_TRANSFER);
        refused = !take_stage(ct);
        if (!ct->transfer_done && !refused && ct->transfer_paused) {
            ct->transfer_paused = false;
            /* May hand over the kept bytes at once, into the empty stage. */
            rc = curl_easy_pause(worker->easy, CURLPAUSE_CONT);
            if (rc != CURLE_OK)
                snprintf(worker->errbuf, sizeof worker->errbuf, "curl_easy_pause: %s",
                         curl_easy_strerror(rc));
            refused = rc != CURLE_OK;
        }
    }
    if (refused) {
        transfer_stop(task);     /* when it still runs */
        task_wait_stop(task);
        return CURLE_WRITE_ERROR;
    }
    /* Why the socket could not be opened, or watched. */
    if (ct->transfer_result != CURLE_OK && ct->transfer.errbuf[0] != '\0')
        snprintf(worker->errbuf, sizeof worker->errbuf, "%s", ct->transfer.errbuf);
    /* libcurl's own text for the refusal would say "Failure writing output". */
    if (ct->transfer_result == CURLE_WRITE_ERROR && ct->stage.refused == BODY_NO_MEMORY)
        snprintf(worker->errbuf, sizeof worker->errbuf,
                 "no memory to stage a piece of the body");   /* the stage is taken by now */
    return ct->transfer_result;
}

/* ---- Sleeping ---- */

/* Called by the task's timer when the sleep is over. */
static void on_sleep_over(struct task *task)
{
    struct coro_task *ct = (struct coro_task *)task;

    ct->wait_result = 0;
    coro_wake_for(ct, WAIT_SLEEP);
}

int coro_sleep_ms(struct worker *worker, long ms)
{
    struct coro_task *ct = coro_task_of(worker);

    if (run_cancelled())
        return -ECANCELED;
    if (ms <= 0)
        return 0;
    task_wait(&ct->loop.task, ms, "sleeping", on_sleep_over);
    coro_await(ct, WAIT_SLEEP);
    return ct->wait_result;
}

/* fetch's processing pause: a sleep like any other; or, with
 * --blocking-process, the pitfall: the blocking sleep of tasks/blocking.c,
 * on the loop's one thread, and every other task waits with it. */
int coro_processing_ms(struct worker *worker, long ms)
{
    struct coro_task *ct = coro_task_of(worker);

    if (loop_of(&ct->loop.task)->opts->blocking_process)
        return blocking_waits.sleep_ms(worker, ms);
    return coro_sleep_ms(worker, ms);
}

/* ---- Ctrl-C ---- */

/* Called by the window on Ctrl-C: ends what the task waits for, as
 * cancelled, and wakes it. A file step is the model's to cancel, if its
 * loop can (coro_file_cancel); a computation on a pool cannot be taken
 * back. Either way its own callback wakes the task, and the task code
 * finds the run cancelled. */
static void coro_task_cancel(struct task *task)
{
    struct coro_task *ct = (struct coro_task *)task;

    switch (ct->wait) {
    case WAIT_SLEEP:
        task_wait_stop(task);
        ct->wait_result = -ECANCELED;
        coro_wake_for(ct, WAIT_SLEEP);
        break;
    case WAIT_TRANSFER:
        task_wait_stop(task);      /* a stage that was due to be taken */
        if (transfer_stop(task)) {
            ct->transfer_done = true;
            ct->transfer_result = CURLE_ABORTED_BY_CALLBACK;
        }
        coro_wake_for(ct, WAIT_TRANSFER);
        break;
    case WAIT_FILE:                /* perhaps writing a transfer's stage: */
        if (transfer_stop(task)) { /* the transfer, paused, ends now */
            ct->transfer_done = true;
            ct->transfer_result = CURLE_ABORTED_BY_CALLBACK;
        }
        coro_file_cancel(ct);
        break;
    case WAIT_WORK:
    case WAIT_NONE:                /* never paused: it is running, or done */
        break;
    }
}

/* ---- The model's part of the window ---- */

/* The loop's options (loop_uv.h or loop_ring.h: LOOP_OPTIONS). */
static struct loop_options loop_opts;

/* The coroutines' part of the model: the waits, --stack-kb, the stacks. */
static struct coro_model coros = { .waits = &coro_waits };

const struct model_option coro_loop_options[] = {
    LOOP_OPTIONS(loop_opts),
    CORO_STACK_OPTION(coros),
    { .name = NULL },
};

/* Called by the window when the task's turn has come: its worker, its
 * coroutine, and the first resume, which runs until the first wait. */
static void coro_task_start(struct task *task)
{
    struct coro_task *ct = (struct coro_task *)task;

    coro_job_start(&ct->job, &coros, task, ct);
}

/* Called by the window as the task goes, its coroutine finished (or never
 * made). */
static void coro_task_release(struct task *task)
{
    struct coro_task *ct = (struct coro_task *)task;

    coro_job_release(&ct->job);
    body_free(&ct->stage);
}

int coro_loop_run(struct run *run, size_t task_size)
{
    const struct window_ops ops = {
        .task_size = task_size,
        .start = coro_task_start,
        .cancel = coro_task_cancel,
        .release = coro_task_release,
    };

    coro_model_begin(&coros, run, task_size);
    int rc = loop_run(run, &ops, &loop_opts);
    coro_model_end(&coros, run);
    return rc;
}
