/* files.c: write N files, read each back and verify it, from one thread.
 *
 * Each step is a uv_fs request whose callback starts the next. Notice where
 * the work goes: Linux gives libuv no usable asynchronous file I/O, so libuv
 * runs these requests on its own thread pool (UV_THREADPOOL_SIZE, default 4;
 * --uv-threadpool N). Compare files_task in tasks/task.c: the same
 * steps, the same checksums. */
#include "model.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "fsutil.h"
#include "workload.h"

/* Bytes per write or read, as in tasks/task.c. Each task in flight holds one
 * chunk: 64 MiB for 1,000 files at once, which --concurrency bounds. */
#define IO_CHUNK (64 * 1024)

/* The steps of one attempt, in order; the last two only clean up after a
 * failure. */
enum files_step {
    FILES_OPEN_PART,     /* open DIR/.file-ID.bin.part to write */
    FILES_WRITE,         /* write the chunk in buf */
    FILES_FSYNC,         /* with --fsync */
    FILES_CLOSE_PART,
    FILES_RENAME,        /* to DIR/file-ID.bin: the file is whole */
    FILES_OPEN_FILE,     /* open it again to read */
    FILES_READ,          /* read a chunk into buf */
    FILES_CLOSE_FILE,
    FILES_CLOSE_ABANDONED, /* after a failure: close, whatever happens */
    FILES_UNLINK,          /* then remove what it wrote: the part file, or after
                            * Ctrl-C the whole file being read back */
};

static const char *const step_names[] = {
    [FILES_OPEN_PART] = "open", [FILES_WRITE] = "write", [FILES_FSYNC] = "fsync",
    [FILES_CLOSE_PART] = "close", [FILES_RENAME] = "rename", [FILES_OPEN_FILE] = "open",
    [FILES_READ] = "read", [FILES_CLOSE_FILE] = "close",
    [FILES_CLOSE_ABANDONED] = "close", [FILES_UNLINK] = "unlink",
};

/* One file's task. Owned by the window. Its one request does one
 * step at a time; buf is the task's, lent to libuv during a write or read. */
struct files_task {
    struct loop_task loop;     /* first: the loop's part, which begins with the window's */
    uv_fs_t req;               /* the step in flight; req.data points here */
    enum files_step step;      /* what req is doing */
    uv_file fd;                /* the open file, or -1 */
    bool reading;              /* past the rename: a failure keeps the file, but
                                * not Ctrl-C: a cancelled task leaves nothing */
    unsigned char *buf;        /* IO_CHUNK bytes, allocated by the first attempt */
    uint64_t offset;           /* bytes written, then bytes read and checked */
    uint64_t chunk_start;      /* the file offset of buf[0] while writing */
    size_t chunk_len;          /* bytes of content in buf while writing */
    struct checksum *checksum; /* over the bytes read back, in order: made with buf */
    enum fail_cause cause;     /* a failed attempt's verdict, kept while cleaning up */
    char why[RECORD_ERROR_MAX];
};

static void files_step_done(struct files_task *ft, ssize_t result);

/* Called by libuv, on the loop, when a step's request has finished. */
static void on_uv_fs(uv_fs_t *req)
{
    struct files_task *ft = req->data;
    ssize_t result = req->result;

    uv_fs_req_cleanup(req);   /* frees libuv's copy of the path */
    files_step_done(ft, result);
}

/* Starts step on the task's request. A uv_fs call that fails at once never
 * runs its callback, so its error goes straight to files_step_done. */
static void files_start(struct files_task *ft, enum files_step step)
{
    uv_loop_t *uv = &loop_of(&ft->loop.task)->uv;
    char final_path[PATH_MAX], part_path[PATH_MAX];
    uv_buf_t buf;
    int rc;

    ft->step = step;
    ft->req.data = ft;
    if (file_paths(ft->loop.task.window->run->dir, "file", ft->loop.task.rec->id, final_path,
                   part_path, sizeof final_path) != 0) {
        files_step_done(ft, UV_ENAMETOOLONG);   /* checked by files_attempt: not reached */
        return;
    }
    switch (step) {
    case FILES_OPEN_PART:
        rc = uv_fs_open(uv, &ft->req, part_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                        0644, on_uv_fs);
        break;
    case FILES_WRITE:
        buf = uv_buf_init((char *)ft->buf + (ft->offset - ft->chunk_start),
                          (unsigned int)(ft->chunk_start + ft->chunk_len - ft->offset));
        rc = uv_fs_write(uv, &ft->req, ft->fd, &buf, 1, (int64_t)ft->offset, on_uv_fs);
        break;
    case FILES_FSYNC:
        rc = uv_fs_fsync(uv, &ft->req, ft->fd, on_uv_fs);
        break;
    case FILES_RENAME:
        rc = uv_fs_rename(uv, &ft->req, part_path, final_path, on_uv_fs);
        break;
    case FILES_OPEN_FILE:
        rc = uv_fs_open(uv, &ft->req, final_path, O_RDONLY | O_CLOEXEC, 0, on_uv_fs);
        break;
    case FILES_READ:
        buf = uv_buf_init((char *)ft->buf, IO_CHUNK);
        rc = uv_fs_read(uv, &ft->req, ft->fd, &buf, 1, (int64_t)ft->offset, on_uv_fs);
        break;
    case FILES_UNLINK:
        rc = uv_fs_unlink(uv, &ft->req, ft->reading ? final_path : part_path, on_uv_fs);
        break;
    case FILES_CLOSE_PART:
    case FILES_CLOSE_FILE:
    case FILES_CLOSE_ABANDONED:
    default:
        rc = uv_fs_close(uv, &ft->req, ft->fd, on_uv_fs);
        break;
    }
    if (rc < 0) {
        uv_fs_req_cleanup(&ft->req);
        files_step_done(ft, rc);
    }
}

/* Fills buf with the next chunk of content and writes it; after the last
 * chunk, fsyncs (--fsync) or closes. */
static void files_write_next(struct files_task *ft)
{
    uint64_t size = ft->loop.task.window->run->opts->size_bytes;

    if (ft->offset < ft->chunk_start + ft->chunk_len) {   /* a short write: the rest */
        files_start(ft, FILES_WRITE);
        return;
    }
    if (ft->offset < size) {
        ft->chunk_start = ft->offset;
        ft->chunk_len = size - ft->offset < IO_CHUNK ? (size_t)(size - ft->offset) : IO_CHUNK;
        content_fill((uint64_t)ft->loop.task.rec->id, ft->offset, ft->buf, ft->chunk_len);
        files_start(ft, FILES_WRITE);
        return;
    }
    files_start(ft, ft->loop.task.window->run->opts->fsync ? FILES_FSYNC : FILES_CLOSE_PART);
}

/* What is left to remove after a failure: the part file before the rename;
 * after it, the whole file only when Ctrl-C ended the attempt. */
static bool files_to_remove(const struct files_task *ft)
{
    return !ft->reading || ft->cause == CAUSE_CANCELLED;
}

/* Ends the attempt as failed: closes the file if open and removes what
 * files_to_remove says, then reports the cause (the FILES_CLOSE_ABANDONED
 * and FILES_UNLINK steps). */
static void files_abandon(struct files_task *ft, enum fail_cause cause, const char *why, ...)
    __attribute__((format(printf, 3, 4)));
static void files_abandon(struct files_task *ft, enum fail_cause cause, const char *why, ...)
{
    va_list args;

    ft->cause = cause;
    va_start(args, why);
    vsnprintf(ft->why, sizeof ft->why, why, args);
    va_end(args);
    if (ft->fd >= 0)
        files_start(ft, FILES_CLOSE_ABANDONED);
    else if (files_to_remove(ft))
        files_start(ft, FILES_UNLINK);
    else
        task_failed(&ft->loop.task, ft->cause, "%s", ft->why);
}

/* A step has finished with result (a byte count, a file, 0, or a negative
 * libuv error): start the next one. The whole attempt reads top to bottom
 * in the order of the enum. */
static void files_step_done(struct files_task *ft, ssize_t result)
{
    struct run *run = ft->loop.task.window->run;
    char final_path[PATH_MAX], part_path[PATH_MAX], why[RECORD_ERROR_MAX];

    /* The paths fit: files_attempt checked them before the first step. */
    (void)file_paths(run->dir, "file", ft->loop.task.rec->id, final_path, part_path,
                     sizeof final_path);
    if (ft->step == FILES_CLOSE_PART || ft->step == FILES_CLOSE_FILE ||
        ft->step == FILES_CLOSE_ABANDONED)
        ft->fd = -1;   /* gone even when close reports an error */

    /* Cleaning up after a failure: errors no longer matter. */
    if (ft->step == FILES_CLOSE_ABANDONED && files_to_remove(ft)) {
        files_start(ft, FILES_UNLINK);
        return;
    }
    if (ft->step == FILES_CLOSE_ABANDONED || ft->step == FILES_UNLINK) {
        task_failed(&ft->loop.task, ft->cause, "%s", ft->why);
        return;
    }
    /* Reading is done once the file is open; nothing is lost at its close. */
    if (result < 0 && ft->step != FILES_CLOSE_FILE) {
        if (ft->step == FILES_RENAME)   /* the new name may be what is wrong */
            rename_error_text(why, sizeof why, part_path, final_path, (int)result);
        else
            fs_error_text(why, sizeof why, step_names[ft->step],
                          ft->reading ? final_path : part_path, (int)result);
        files_abandon(ft, CAUSE_IO, "%s", why);
        return;
    }
    if (ft->step == FILES_OPEN_PART || ft->step == FILES_OPEN_FILE)
        ft->fd = (uv_file)result;
    if (ft->step == FILES_RENAME)
        ft->reading = true;   /* the file is whole under its name */
    /* Ctrl-C: the thread pool finished this step; start no other but
     * the cleaning up. Even after the read-back's close, when only the
     * verdict is left: no task completes after the signal. */
    if (run_cancelled()) {
        files_abandon(ft, CAUSE_CANCELLED, "cancelled while %s",
                      ft->reading ? "reading" : "writing");
        return;
    }

    switch (ft->step) {
    case FILES_OPEN_PART:
        files_write_next(ft);
        break;
    case FILES_WRITE:
        if (result == 0) {
            files_abandon(ft, CAUSE_IO, "write %s: no byte written", part_path);
            break;
        }
        ft->offset += (uint64_t)result;
        files_write_next(ft);
        break;
    case FILES_FSYNC:
        files_start(ft, FILES_CLOSE_PART);
        break;
    case FILES_CLOSE_PART:
        files_start(ft, FILES_RENAME);
        break;
    case FILES_RENAME:
        files_start(ft, FILES_OPEN_FILE);
        break;
    case FILES_OPEN_FILE:
        ft->offset = 0;
        checksum_init(ft->checksum);
        files_start(ft, FILES_READ);
        break;
    case FILES_READ:
        if (result == 0) {                               /* the end of the file */
            files_start(ft, FILES_CLOSE_FILE);
        } else if (content_verify((uint64_t)ft->loop.task.rec->id, ft->offset, ft->buf,
                                  (size_t)result) != 0) {
            files_abandon(ft, CAUSE_MISMATCH, "%s does not hold what was written", final_path);
        } else {
            checksum_update(ft->checksum, ft->buf, (size_t)result);
            ft->offset += (uint64_t)result;
            files_start(ft, FILES_READ);
        }
        break;
    case FILES_CLOSE_FILE:
        if (ft->offset != run->opts->size_bytes)
            task_failed(&ft->loop.task, CAUSE_MISMATCH, "%s does not hold what was written",
                        final_path);
        else
            task_succeeded(&ft->loop.task, ft->offset, checksum_digest(ft->checksum));
        break;
    case FILES_CLOSE_ABANDONED:
    case FILES_UNLINK:
        break;   /* handled above */
    }
}

static void files_attempt(struct task *task)
{
    struct files_task *ft = (struct files_task *)task;
    struct run *run = task->window->run;
    char final_path[PATH_MAX], part_path[PATH_MAX];

    if (file_paths(run->dir, "file", task->rec->id, final_path, part_path,
                   sizeof final_path) != 0) {
        task_failed(task, CAUSE_IO, "path too long in %s", run->dir);
        return;
    }
    if (ft->buf == NULL && (ft->buf = malloc(IO_CHUNK)) == NULL) {
        task_failed(task, CAUSE_IO, "cannot allocate an I/O buffer");
        return;
    }
    if (ft->checksum == NULL && (ft->checksum = checksum_new()) == NULL) {
        task_failed(task, CAUSE_IO, "cannot allocate a checksum state");
        return;
    }
    ft->fd = -1;
    ft->reading = false;
    ft->offset = 0;
    ft->chunk_start = 0;
    ft->chunk_len = 0;
    files_start(ft, FILES_OPEN_PART);
}

static void files_release(struct task *task)
{
    struct files_task *ft = (struct files_task *)task;

    free(ft->buf);
    checksum_free(ft->checksum);
}

const struct workload_ops files_workload = {
    .task_size = sizeof(struct files_task),
    .attempt = files_attempt,
    .release = files_release,
};
