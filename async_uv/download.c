/* download.c: download N blobs to files at once, on one thread.
 *
 * libcurl's pieces are gathered and go to DIR/.blob-ID.bin.part by writes
 * on libuv's pool, whose thread also checks and hashes them; a whole,
 * checked blob is renamed blob-ID.bin. Notice the back-pressure: a network
 * faster than the disk is paused (CURL_WRITEFUNC_PAUSE) until a write is
 * done, never buffered without bound. Compare download_task in
 * tasks/task.c, where the write simply waits. */
#include "model.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "http.h"
#include "workload.h"

/* Bytes a blob may gather while its last write is in flight: past this, its
 * transfer is paused. Pieces come from libcurl 16 KiB at a time; gathering
 * them while the disk is busy makes writes larger and fewer (each write is a
 * trip through the thread pool). The price: two such buffers at most per
 * blob in flight, 512 MiB for 1,000 blobs at once if the disk is that slow;
 * --concurrency bounds it. */
#define BLOB_BUFFER_MAX (256 * 1024)

/* What the blobs' writes did, for --verbose. The loop's one thread alone
 * touches them. */
static unsigned long blob_writes, blob_pauses;

/* The file steps of one attempt. */
enum blob_step {
    BLOB_OPEN,     /* open the part file, then start the transfer */
    BLOB_WRITE,    /* check, hash and write the flushing buffer (uv_queue_work) */
    BLOB_CLOSE,    /* the transfer is over, with its verdict */
    BLOB_RENAME,   /* whole and checked: give it its final name */
    BLOB_UNLINK,   /* failed: remove the part file */
};

/* One blob's task. Owned by the window. Who owns which buffer:
 * `filling` belongs to on_blob_data, which copies libcurl's pieces into it;
 * `flushing` belongs to libuv's thread pool while a write is in flight
 * (writing), and the loop touches it not then, nor the checksum, nor the
 * flush_ results. When the write is done, the two swap. While the disk is
 * behind and `filling` is full, the transfer is paused: memory stays
 * bounded however fast the network. */
struct download_task {
    struct loop_task loop;   /* first: the loop's part, which begins with the window's */
    struct transfer transfer; /* the blob's GET, its easy handle reused by retries */
    uv_fs_t req;             /* the file step in flight but a write; req.data points here */
    uv_work_t write_work;    /* the write in flight, on libuv's pool; .data points here */
    enum blob_step step;     /* what req or write_work is doing */
    uv_file fd;              /* the part file, or -1 */
    bool verify_content;     /* --verify content: each byte must be the blob's */
    struct body filling;     /* received, not yet written */
    struct body flushing;    /* being written */
    uint64_t flush_offset;   /* where in the file flushing goes */
    int flush_err;           /* the pool's: a failed write's libuv error, or 0 */
    bool flush_mismatch;     /* the pool's: flushing is not the blob's bytes */
    bool writing;            /* a write is in flight: flushing is lent to libuv */
    bool paused;             /* on_blob_data said CURL_WRITEFUNC_PAUSE */
    bool transfer_over;      /* the transfer has ended: settle once not writing */
    uint64_t received;       /* bytes taken from libcurl, in order */
    struct checksum *checksum; /* over the bytes written, in order: made by the first attempt */
    int write_err;           /* a failed write's libuv error, or 0 */
    bool mismatch;           /* a byte differed from the blob's content, near flush_offset */
    enum fail_cause cause;   /* the attempt's verdict, kept while the file is closed */
    char why[RECORD_ERROR_MAX];
};

static void blob_step_done(struct download_task *dt, ssize_t result);
static void download_transfer_done(struct task *task, CURLcode result);

/* Called by libuv, on the loop, when a file step has finished. */
static void on_uv_fs(uv_fs_t *req)
{
    struct download_task *dt = req->data;
    ssize_t result = req->result;

    uv_fs_req_cleanup(req);   /* frees libuv's copy of the path */
    blob_step_done(dt, result);
}

/* Called by libuv on a thread of its pool: the write step. Checks the bytes
 * of flushing against the blob's content (under --verify content), hashes
 * them and writes them all at flush_offset, as tasks/task.c's on_blob_data
 * does on its own thread. Checking and hashing are most of the work a byte
 * costs the client: here they leave the loop's one thread, which meanwhile
 * receives into filling. Writes go in order, one at a time, into the part
 * file opened for this attempt, so its position is flush_offset. */
static void on_uv_work_write(uv_work_t *work)
{
    struct download_task *dt = work->data;
    const char *data = dt->flushing.data;
    size_t len = dt->flushing.len;

    dt->flush_err = 0;
    dt->flush_mismatch = dt->verify_content
        && content_verify((uint64_t)dt->loop.task.rec->id, dt->flush_offset, data, len) != 0;
    if (dt->flush_mismatch)
        return;
    checksum_update(dt->checksum, data, len);
    dt->flush_err = uv_translate_sys_error(-fd_write_all(dt->fd, data, len));
}

/* Called by libuv, on the loop, when the write step is done. */
static void on_uv_work_written(uv_work_t *work, int status)
{
    struct download_task *dt = work->data;

    uv_must(status, "uv_queue_work");   /* UV_ECANCELED only after a uv_cancel: none */
    blob_step_done(dt, 0);
}

/* Starts step on the task's request. A uv_fs call that fails at once never
 * runs its callback, so its error goes straight to blob_step_done. */
static void blob_start(struct download_task *dt, enum blob_step step)
{
    uv_loop_t *uv = &loop_of(&dt->loop.task)->uv;
    char final_path[PATH_MAX], part_path[PATH_MAX];
    int rc;

    dt->step = step;
    dt->req.data = dt;
    if (file_paths(dt->loop.task.window->run->dir, "blob", dt->loop.task.rec->id, final_path,
                   part_path, sizeof final_path) != 0) {
        blob_step_done(dt, UV_ENAMETOOLONG);   /* checked by download_attempt: not reached */
        return;
    }
    switch (step) {
    case BLOB_OPEN:
        rc = uv_fs_open(uv, &dt->req, part_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                        0644, on_uv_fs);
        break;
    case BLOB_WRITE:
        dt->writing = true;
        blob_writes++;
        dt->write_work.data = dt;
        /* Fails only for a NULL work callback: a bug. */
        uv_must(uv_queue_work(uv, &dt->write_work, on_uv_work_write, on_uv_work_written),
                "uv_queue_work");
        return;
    case BLOB_CLOSE:
        rc = uv_fs_close(uv, &dt->req, dt->fd, on_uv_fs);
        break;
    case BLOB_RENAME:
        rc = uv_fs_rename(uv, &dt->req, part_path, final_path, on_uv_fs);
        break;
    case BLOB_UNLINK:
    default:
        rc = uv_fs_unlink(uv, &dt->req, part_path, on_uv_fs);
        break;
    }
    if (rc < 0) {
        uv_fs_req_cleanup(&dt->req);
        blob_step_done(dt, rc);
    }
}

/* The attempt's verdict is in: close the part file, then rename or unlink. */
static void blob_settle(struct download_task *dt, enum fail_cause cause, const char *why)
{
    dt->cause = cause;
    if (why != dt->why)
        snprintf(dt->why, sizeof dt->why, "%s", why);
    blob_start(dt, BLOB_CLOSE);
}

/* The transfer is over and no write is in flight: judge what arrived, in
 * the order of receive_blob in tasks/task.c (a size to check only under
 * --verify content). */
static void blob_judge(struct download_task *dt)
{
    const struct options *opts = dt->loop.task.window->run->opts;
    uint64_t size = opts->size_bytes;
    char why[RECORD_ERROR_MAX];

    if (dt->cause == CAUSE_STATUS) {
        blob_settle(dt, dt->cause, dt->why);   /* an error text: no blob to judge */
    } else if (dt->mismatch) {
        snprintf(why, sizeof why, "wrong bytes near offset %" PRIu64, dt->flush_offset);
        blob_settle(dt, CAUSE_MISMATCH, why);
    } else if (dt->write_err != 0) {
        char final_path[PATH_MAX], part_path[PATH_MAX];

        /* The paths fit: download_attempt checked them before the first step. */
        (void)file_paths(dt->loop.task.window->run->dir, "blob", dt->loop.task.rec->id,
                         final_path, part_path, sizeof final_path);
        fs_error_text(why, sizeof why, "write", part_path, dt->write_err);
        blob_settle(dt, CAUSE_IO, why);
    } else if (dt->cause != CAUSE_NONE) {
        blob_settle(dt, dt->cause, dt->why);
    } else if (opts->verify == VERIFY_CONTENT && dt->received != size) {
        snprintf(why, sizeof why, "got %" PRIu64 " bytes, expected %" PRIu64, dt->received, size);
        blob_settle(dt, CAUSE_MISMATCH, why);
    } else {
        blob_settle(dt, CAUSE_NONE, "");
    }
}

/* Hands what filling holds to a write: the buffers swap, and filling,
 * empty, goes on taking pieces while the disk works. */
static void blob_flush(struct download_task *dt)
{
    struct body written = dt->flushing;

    dt->flush_offset = dt->received - dt->filling.len;
    dt->flushing = dt->filling;
    dt->filling = written;
    dt->filling.len = 0;
    blob_start(dt, BLOB_WRITE);
}

/* A write has finished: flushing and the pool's verdict on it are the
 * task's again. Writes what came meanwhile, resumes a paused transfer, or
 * settles one that has ended. */
static void blob_written(struct download_task *dt)
{
    dt->writing = false;
    if (dt->flush_mismatch)
        dt->mismatch = true;
    if (dt->flush_err != 0)
        dt->write_err = dt->flush_err;   /* else keep on_blob_data's UV_ENOMEM, if any */
    /* After Ctrl-C what was gathered is not written: the part file goes. */
    if (dt->write_err == 0 && !dt->mismatch && dt->filling.len > 0 && !run_cancelled())
        blob_flush(dt);
    if (dt->transfer_over) {
        if (!dt->writing)
            blob_judge(dt);
        return;
    }
    if (!dt->paused)
        return;
    /* Only here, outside every libcurl callback, may the transfer resume.
     * libcurl may call on_blob_data from inside curl_easy_pause with the
     * piece it held back, so the task is ready for it before the call and
     * not looked at after it. A failed write resumes it too: on_blob_data
     * then refuses the piece and the transfer ends with CURLE_WRITE_ERROR. */
    dt->paused = false;
    CURLcode rc = curl_easy_pause(dt->transfer.easy, CURLPAUSE_CONT);
    if (rc != CURLE_OK) {
        (void)transfer_stop(&dt->loop.task);   /* it is in the multi handle, paused */
        snprintf(dt->transfer.errbuf, sizeof dt->transfer.errbuf, "curl_easy_pause: %s",
                 curl_easy_strerror(rc));
        download_transfer_done(&dt->loop.task, rc);
    }
}

/* Called by libcurl, from inside curl_multi_socket_action (or
 * curl_easy_pause), with each piece of the blob in order. It may not call
 * libcurl: it keeps a copy of the piece, starts a write if none is in
 * flight, and returns; the write's thread checks and hashes it. Returning
 * less than the piece stops the transfer with CURLE_WRITE_ERROR. */
static size_t on_blob_data(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct download_task *dt = userdata;
    size_t len = size * nmemb;

    if (dt->write_err != 0 || dt->mismatch)
        return 0;
    if (dt->writing && dt->filling.len > 0 && dt->filling.len + len > BLOB_BUFFER_MAX) {
        /* The disk is behind. libcurl keeps this piece, stops reading the
         * socket, and gives the piece again after curl_easy_pause. */
        dt->paused = true;
        blob_pauses++;
        return CURL_WRITEFUNC_PAUSE;
    }
    if (body_reserve(&dt->filling, dt->filling.len + len) != 0) {
        dt->write_err = UV_ENOMEM;
        return 0;
    }
    /* libcurl's data is gone when we return: keep a copy. */
    memcpy(dt->filling.data + dt->filling.len, data, len);
    dt->filling.len += len;
    dt->received += len;
    if (!dt->writing)
        blob_flush(dt);
    return dt->write_err != 0 ? 0 : len;
}

/* Called from the loop when the blob's transfer has ended. */
static void download_transfer_done(struct task *task, CURLcode result)
{
    struct download_task *dt = (struct download_task *)task;

    dt->transfer_over = true;
    dt->cause = http_judge(dt->transfer.easy, result, dt->transfer.errbuf,
                           task->window->run->opts, task->rec, dt->why, sizeof dt->why);
    if (!dt->writing)
        blob_judge(dt);
    /* else blob_written judges when the last write is done */
}

/* The part file is open (or not): start the transfer into it. */
static void blob_opened(struct download_task *dt, ssize_t result, const char *part_path)
{
    char why[RECORD_ERROR_MAX];

    if (result < 0) {
        fs_error_text(why, sizeof why, "open", part_path, (int)result);
        task_failed(&dt->loop.task, CAUSE_IO, "%s", why);
        return;
    }
    dt->fd = (uv_file)result;
    /* Ctrl-C while the file was being opened: no transfer to cancel. */
    if (run_cancelled()) {
        blob_settle(dt, CAUSE_CANCELLED, "cancelled before the transfer");
        return;
    }
    enum fail_cause cause = transfer_start(&dt->loop.task, &dt->transfer, on_blob_data, dt, why,
                                           sizeof why);
    if (cause != CAUSE_NONE)
        blob_settle(dt, cause, why);
}

/* A file step has finished with result (a file, a byte count, 0, or a
 * negative libuv error): start the next one. */
static void blob_step_done(struct download_task *dt, ssize_t result)
{
    struct run *run = dt->loop.task.window->run;
    char final_path[PATH_MAX], part_path[PATH_MAX];

    /* The paths fit: download_attempt checked them before the first step. */
    (void)file_paths(run->dir, "blob", dt->loop.task.rec->id, final_path, part_path,
                     sizeof final_path);
    switch (dt->step) {
    case BLOB_OPEN:
        blob_opened(dt, result, part_path);
        return;
    case BLOB_WRITE:
        blob_written(dt);
        return;
    case BLOB_CLOSE:
        dt->fd = -1;   /* gone even when close reports an error */
        if (result < 0 && dt->cause == CAUSE_NONE) {
            dt->cause = CAUSE_IO;
            fs_error_text(dt->why, sizeof dt->why, "close", part_path, (int)result);
        }
        /* A blob whose last piece came with the Ctrl-C is not kept: no task
         * completes after the signal. */
        if (dt->cause == CAUSE_NONE && run_cancelled()) {
            dt->cause = CAUSE_CANCELLED;
            snprintf(dt->why, sizeof dt->why, "cancelled during the transfer");
        }
        /* Only a whole, checked blob gets its final name. */
        blob_start(dt, dt->cause == CAUSE_NONE ? BLOB_RENAME : BLOB_UNLINK);
        return;
    case BLOB_RENAME:
        if (result < 0) {
            dt->cause = CAUSE_IO;
            rename_error_text(dt->why, sizeof dt->why, part_path, final_path, (int)result);
            blob_start(dt, BLOB_UNLINK);
            return;
        }
        task_succeeded(&dt->loop.task, dt->received, checksum_digest(dt->checksum));
        return;
    case BLOB_UNLINK:
        /* The part file may not exist; nothing to report either way. */
        task_failed(&dt->loop.task, dt->cause, "%s", dt->why);
        return;
    }
}

static void download_attempt(struct task *task)
{
    struct download_task *dt = (struct download_task *)task;
    struct run *run = task->window->run;
    char final_path[PATH_MAX], part_path[PATH_MAX];

    if (file_paths(run->dir, "blob", task->rec->id, final_path, part_path,
                   sizeof final_path) != 0) {
        task_failed(task, CAUSE_IO, "path too long in %s", run->dir);
        return;
    }
    if (dt->checksum == NULL && (dt->checksum = checksum_new()) == NULL) {
        task_failed(task, CAUSE_IO, "cannot allocate a checksum state");
        return;
    }
    dt->fd = -1;
    /* Under --verify id or status the body is written as it comes. */
    dt->verify_content = run->opts->verify == VERIFY_CONTENT;
    dt->writing = false;
    dt->paused = false;
    dt->transfer_over = false;
    dt->received = 0;
    dt->filling.len = 0;
    dt->flushing.len = 0;
    checksum_init(dt->checksum);
    dt->write_err = dt->flush_err = 0;
    dt->mismatch = dt->flush_mismatch = false;
    dt->cause = CAUSE_NONE;
    dt->why[0] = '\0';
    blob_start(dt, BLOB_OPEN);
}

static void download_release(struct task *task)
{
    struct download_task *dt = (struct download_task *)task;

    body_free(&dt->filling);
    body_free(&dt->flushing);
    checksum_free(dt->checksum);
    curl_easy_cleanup(dt->transfer.easy);   /* NULL, before the first transfer, is fine */
}

/* Under --verbose, after the run. */
static void download_report(const struct run *run)
{
    (void)run;
    fprintf(stderr, "%s: download: %lu writes, transfers paused %lu times\n", program_name(),
            blob_writes, blob_pauses);
}

const struct workload_ops download_workload = {
    .task_size = sizeof(struct download_task),
    .attempt = download_attempt,
    .transfer_done = download_transfer_done,
    .release = download_release,
    .report = download_report,
};
