/* waits.c: how a task waits in async_coro: its coroutine pauses.
 *
 * Each wait starts its operation on the loop (a transfer on libcurl's multi
 * handle, a uv_timer, a uv_fs request), then pauses the task's coroutine;
 * the loop's one thread runs the other tasks until the operation's callback
 * wakes this one, which goes on from the pause with its locals intact. That
 * is what `await` is. Compare tasks/blocking.c, the same waits in the same
 * order, where the thread itself waits instead. */
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "program.h"
#include "run.h"

/* The most body bytes staged before the coroutine must take them, in one
 * write: a trip through libuv's pool per 256 KiB of a blob, as async_uv's
 * BLOB_BUFFER_MAX. The stage grows to what arrives, so an item's stays
 * small. */
#define STAGE_BYTES (256 * 1024)

static struct coro_task *task_of_worker(struct worker *worker)
{
    return worker->wait_ctx;
}

/* Pauses the coroutine until the callback for `wait` wakes it. */
static void await(struct coro_task *ct, enum coro_wait wait)
{
    ct->wait = wait;
    coro_pause(ct->job.coro);
    ct->wait = WAIT_NONE;
}

/* Wakes a task that waits for `wait`, as the callback of that wait. Any
 * other wake would resume the wrong wait (a file step's request still in
 * libuv's hands): a bug, so it stops the program with one line. */
static void wake_for(struct coro_task *ct, enum coro_wait wait)
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
    wake_for((struct coro_task *)task, WAIT_TRANSFER);
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
        if (!uv_is_active((uv_handle_t *)&ct->loop.timer))
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
        wake_for(ct, WAIT_TRANSFER);  /* else it is writing the stage: it will see */
}

/* Hands the staged bytes to the task code, on the coroutine's stack, where
 * its writes may pause. False when it refused them. */
static bool take_stage(struct coro_task *ct)
{
    size_t staged = ct->stage.len;

    ct->stage.len = 0;
    return staged == 0 || ct->on_body(ct->stage.data, 1, staged, ct->body_data) == staged;
}

static CURLcode coro_transfer(struct worker *worker, curl_write_callback on_body,
                              void *body_data)
{
    struct coro_task *ct = task_of_worker(worker);
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
        await(ct, WAIT_TRANSFER);
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
                 "no memory to stage %zu bytes of the body", ct->stage.len + 1);
    return ct->transfer_result;
}

/* ---- Sleeping ---- */

/* Called by the task's timer when the sleep is over. */
static void on_sleep_over(struct task *task)
{
    struct coro_task *ct = (struct coro_task *)task;

    ct->wait_result = 0;
    wake_for(ct, WAIT_SLEEP);
}

static int coro_sleep_ms(struct worker *worker, long ms)
{
    struct coro_task *ct = task_of_worker(worker);

    if (run_cancelled())
        return -ECANCELED;
    if (ms <= 0)
        return 0;
    task_wait(&ct->loop.task, ms, "sleeping", on_sleep_over);
    await(ct, WAIT_SLEEP);
    return ct->wait_result;
}

/* fetch's processing pause: a sleep like any other; or, with
 * --blocking-process, the pitfall: the blocking sleep of tasks/blocking.c,
 * on the loop's one thread, and every other task waits with it. */
static int coro_processing_ms(struct worker *worker, long ms)
{
    struct coro_task *ct = task_of_worker(worker);

    if (loop_of(&ct->loop.task)->opts->blocking_process)
        return blocking_waits.sleep_ms(worker, ms);
    return coro_sleep_ms(worker, ms);
}

/* ---- Computing ---- */

/* Called by the window, on the loop, once the offloaded work is done. */
static void on_computed(struct task *task)
{
    wake_for((struct coro_task *)task, WAIT_WORK);
}

/* Without --offload the work runs here, on the loop's one thread, and
 * every other task waits for it: async helps waiting, not computing. */
static int coro_compute(struct worker *worker, void (*work)(void *arg), void *arg)
{
    struct coro_task *ct = task_of_worker(worker);

    if (run_cancelled())
        return -ECANCELED;
    if (!loop_of(&ct->loop.task)->opts->offload) {
        work(arg);
        return 0;
    }
    task_compute(&ct->loop.task, work, arg, on_computed);
    await(ct, WAIT_WORK);
    return 0;
}

/* ---- The file steps, each a uv_fs request on libuv's thread pool ---- */

/* Called by libuv, on the loop, when the task's file step is done. */
static void on_fs_done(uv_fs_t *req)
{
    struct coro_task *ct = req->data;
    const struct run *run = ct->loop.task.window->run;
    long id = ct->loop.task.rec->id;
    uint64_t began_ns = clock_now_ns();

    wake_for(ct, WAIT_FILE);
    health_step_done(run, id, "file step", began_ns);
}

/* Waits for the file step that rc says was started on req; its result, a
 * byte count or a descriptor, or a negative errno. Each step's request is a
 * local of the function that waits for it: it lives on the coroutine's
 * stack, paused with it, so a task without file steps (a fetch) holds none. */
static ssize_t fs_wait(struct coro_task *ct, uv_fs_t *req, int rc)
{
    ssize_t result = rc;

    if (rc >= 0) {   /* a request that could not start has no callback */
        await(ct, WAIT_FILE);
        result = req->result;
    }
    uv_fs_req_cleanup(req);
    return result;
}

static uv_loop_t *uv_of(struct coro_task *ct)
{
    return &loop_of(&ct->loop.task)->uv;
}

static int coro_open(struct worker *worker, const char *path, int flags, mode_t mode)
{
    struct coro_task *ct = task_of_worker(worker);
    uv_fs_t req = { .data = ct };

    return (int)fs_wait(ct, &req, uv_fs_open(uv_of(ct), &req, path, flags, (int)mode,
                                             on_fs_done));
}

static int coro_write(struct worker *worker, int fd, const void *buf, size_t len)
{
    struct coro_task *ct = task_of_worker(worker);

    for (size_t done = 0; done < len;) {
        uv_buf_t piece = uv_buf_init((char *)buf + done, (unsigned)(len - done));
        uv_fs_t req = { .data = ct };
        ssize_t n = fs_wait(ct, &req, uv_fs_write(uv_of(ct), &req, fd, &piece, 1, -1,
                                                  on_fs_done));
        if (n < 0)
            return (int)n;
        done += (size_t)n;
    }
    return 0;
}

static ssize_t coro_read(struct worker *worker, int fd, void *buf, size_t len)
{
    struct coro_task *ct = task_of_worker(worker);
    uv_buf_t piece = uv_buf_init(buf, (unsigned)len);
    uv_fs_t req = { .data = ct };

    return fs_wait(ct, &req, uv_fs_read(uv_of(ct), &req, fd, &piece, 1, -1, on_fs_done));
}

static int coro_fsync(struct worker *worker, int fd)
{
    struct coro_task *ct = task_of_worker(worker);
    uv_fs_t req = { .data = ct };

    return (int)fs_wait(ct, &req, uv_fs_fsync(uv_of(ct), &req, fd, on_fs_done));
}

static int coro_close(struct worker *worker, int fd)
{
    struct coro_task *ct = task_of_worker(worker);
    uv_fs_t req = { .data = ct };

    return (int)fs_wait(ct, &req, uv_fs_close(uv_of(ct), &req, fd, on_fs_done));
}

static int coro_rename(struct worker *worker, const char *from, const char *to)
{
    struct coro_task *ct = task_of_worker(worker);
    uv_fs_t req = { .data = ct };

    return (int)fs_wait(ct, &req, uv_fs_rename(uv_of(ct), &req, from, to, on_fs_done));
}

static int coro_unlink(struct worker *worker, const char *path)
{
    struct coro_task *ct = task_of_worker(worker);
    uv_fs_t req = { .data = ct };

    return (int)fs_wait(ct, &req, uv_fs_unlink(uv_of(ct), &req, path, on_fs_done));
}

/* ---- Ctrl-C ---- */

/* Ends what the task waits for, as cancelled, and wakes it. A file step or
 * a computation cannot be taken back from libuv's pool: its own callback
 * wakes the task, and the task code finds the run cancelled. */
void coro_task_cancel(struct task *task)
{
    struct coro_task *ct = (struct coro_task *)task;

    switch (ct->wait) {
    case WAIT_SLEEP:
        task_wait_stop(task);
        ct->wait_result = -ECANCELED;
        wake_for(ct, WAIT_SLEEP);
        break;
    case WAIT_TRANSFER:
        task_wait_stop(task);      /* a stage that was due to be taken */
        if (transfer_stop(task)) {
            ct->transfer_done = true;
            ct->transfer_result = CURLE_ABORTED_BY_CALLBACK;
        }
        wake_for(ct, WAIT_TRANSFER);
        break;
    case WAIT_FILE:                /* perhaps writing a transfer's stage: */
        if (transfer_stop(task)) { /* the transfer, paused, ends now */
            ct->transfer_done = true;
            ct->transfer_result = CURLE_ABORTED_BY_CALLBACK;
        }
        break;
    case WAIT_WORK:
    case WAIT_NONE:                /* never paused: it is running, or done */
        break;
    }
}

const struct waits coro_waits = {
    .transfer = coro_transfer,
    .sleep_ms = coro_sleep_ms,
    .processing_ms = coro_processing_ms,
    .compute = coro_compute,
    .open = coro_open,
    .write = coro_write,
    .read = coro_read,
    .fsync = coro_fsync,
    .close = coro_close,
    .rename = coro_rename,
    .unlink = coro_unlink,
};
