/* task.c: one task of each workload, written straight.
 *
 * A task transfers, checks, sleeps, writes and reads as blocking code does,
 * but every wait is a call through worker->waits, which the model chose: in
 * sync and async_threads each wait blocks the thread (blocking.c); in
 * async_coro it pauses the task's coroutine, and the loop runs the other
 * tasks meanwhile. Python's asyncio writes the same task with `await` at
 * each of those calls. Compare async_uv/fetch.c: the same steps, as
 * callbacks, because there nothing may wait. */
#include "task.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "cpu.h"
#include "fsutil.h"
#include "run.h"
#include "workload.h"

#define IO_CHUNK (64 * 1024)   /* bytes per read() or write() in files */
#define URL_MAX 1024
#define PATH_BYTES 4096

/* What one attempt produced: a result on success, a reason on failure. */
struct outcome {
    uint64_t bytes;
    uint64_t checksum;
    char why[RECORD_ERROR_MAX];
};

/* One attempt at a task. Returns CAUSE_NONE with out->bytes and
 * out->checksum set, or the failure's cause with out->why set. */
typedef enum fail_cause attempt_fn(struct run *run, struct worker *worker,
                                   struct task_record *rec, struct outcome *out);

/* Sets out->why (cut to fit: it is a message for people) and returns cause,
 * so that a failure is one line: return failure(out, CAUSE_IO, ...). */
__attribute__((format(printf, 3, 4)))
static enum fail_cause failure(struct outcome *out, enum fail_cause cause,
                               const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    vsnprintf(out->why, sizeof out->why, fmt, args);
    va_end(args);
    return cause;
}

/* A failed rename of part_path to final_path, err a negative errno: the
 * new name may be what is wrong, so both are said. loop/window.c's
 * rename_error_text says the same with libuv's error names. */
static enum fail_cause rename_failure(struct outcome *out, const char *part_path,
                                      const char *final_path, int err)
{
    return failure(out, CAUSE_IO, "rename %s to %s: %s", part_path, file_name_of(final_path),
                   strerror(-err));
}

int worker_init(struct worker *worker, const struct waits *waits, void *wait_ctx)
{
    memset(worker, 0, sizeof *worker);
    worker->waits = waits;
    worker->wait_ctx = wait_ctx;
    worker->easy = curl_easy_init();
    if (worker->easy == NULL) {
        fprintf(stderr, "%s: curl_easy_init failed\n", program_name());
        return -1;
    }
    /* http_setup sets this too, but only on a handle that transfers.
     * Without it even curl_easy_cleanup installs and restores a SIGPIPE
     * handler, and each sigaction walks every thread of the process: with
     * 10,000 pool threads that made the pool's shutdown take seconds. */
    CURLcode rc = curl_easy_setopt(worker->easy, CURLOPT_NOSIGNAL, 1L);
    if (rc != CURLE_OK) {
        fprintf(stderr, "%s: curl_easy_setopt(CURLOPT_NOSIGNAL): %s\n",
                program_name(), curl_easy_strerror(rc));
        curl_easy_cleanup(worker->easy);
        worker->easy = NULL;      /* worker_cleanup may still be called */
        return -1;
    }
    return 0;
}

void worker_cleanup(struct worker *worker)
{
    free(worker->io_buf);
    checksum_free(worker->checksum);
    body_free(&worker->body);
    curl_easy_cleanup(worker->easy);
}

/* Runs attempts until one succeeds or no retry is left: the retry policy,
 * with its backoff sleeps, in one place for every blocking task. */
static void attempt_until_done(struct run *run, struct worker *worker,
                               struct task_record *rec, attempt_fn *attempt)
{
    rec->thread = worker->thread;
    for (;;) {
        struct outcome out = { 0 };

        record_attempt(run, rec);
        enum fail_cause cause = attempt(run, worker, rec, &out);
        if (cause == CAUSE_NONE) {
            record_complete(run, rec, out.bytes, out.checksum);
            return;
        }
        record_attempt_failed(run, rec, cause, "%s", out.why);
        if (!record_should_retry(run, rec))
            break;
        if (worker->waits->sleep_ms(worker, record_backoff_ms(run, rec)) != 0) {
            record_attempt_failed(run, rec, CAUSE_CANCELLED, "cancelled during backoff");
            break;
        }
    }
    record_give_up(run, rec);
}

/* Does one transfer of the task's URL into on_body. Returns the verdict of
 * http_judge, or CAUSE_CONNECT when the handle cannot be set up, or
 * CAUSE_CANCELLED when the run was cancelled before it began. */
static enum fail_cause transfer(struct run *run, struct worker *worker,
                                struct task_record *rec, curl_write_callback on_body,
                                void *body_data, struct outcome *out)
{
    char url[URL_MAX];

    /* A task that waited for something else (its file's open) while Ctrl-C
     * came must not send a request after it. */
    if (run_cancelled())
        return failure(out, CAUSE_CANCELLED, "cancelled before the transfer");
    if (workload_url(run, rec->id, url, sizeof url) != 0)
        return failure(out, CAUSE_CONNECT, "URL longer than %d bytes", URL_MAX);
    CURLcode setup = http_setup(worker->easy, run, url, on_body, body_data, worker->errbuf);
    if (setup != CURLE_OK)
        return failure(out, setup == CURLE_OUT_OF_MEMORY ? CAUSE_IO : CAUSE_CONNECT,
                       "cannot set up the transfer: %s", curl_easy_strerror(setup));
    CURLcode result = worker->waits->transfer(worker, on_body, body_data);
    /* Ctrl-C's verdict too: "cancelled while connecting", or "during the
     * transfer", as every model says it. */
    return http_judge(worker->easy, result, worker->errbuf, run->opts, rec, out->why,
                      sizeof out->why);
}

/* ---- fetch: GET an item, check it, process it ---- */

/* Busy CPU for *(long *)arg milliseconds, for waits->compute. */
static void busy_work(void *arg)
{
    (void)cpu_busy_ms(*(const long *)arg, run_stop_test, NULL);
}

static enum fail_cause fetch_attempt(struct run *run, struct worker *worker,
                                     struct task_record *rec, struct outcome *out)
{
    body_reset(&worker->body);
    enum fail_cause cause = transfer(run, worker, rec, http_on_body, &worker->body, out);
    cause = http_judge_body(&worker->body, cause, out->why, sizeof out->why);
    if (cause != CAUSE_NONE)
        return cause;
    cause = item_check(run->opts->verify, rec->id, worker->body.data, worker->body.len,
                       &out->checksum, out->why, sizeof out->why);
    if (cause != CAUSE_NONE)
        return cause;
    out->bytes = worker->body.len;
    record_process_begin(run, rec);
    /* Real processing computes; a model that cannot overlap it with the
     * other tasks' waiting (one loop thread) does it one item at a time. */
    long busy_ms = run->opts->process_cpu_ms;
    if (busy_ms > 0 && worker->waits->compute(worker, busy_work, &busy_ms) != 0)
        return failure(out, CAUSE_CANCELLED, "cancelled while processing");
    /* Simulated processing waits, as a call to another service would. With
     * --blocking-process a loop model makes the mistake the source material
     * warns of: it waits the blocking way, and its one thread with it. */
    if (worker->waits->processing_ms(worker, run->opts->process_ms) != 0)
        return failure(out, CAUSE_CANCELLED, "cancelled while processing");
    record_process_end(run, rec);
    return CAUSE_NONE;
}

static void fetch_task(struct run *run, struct worker *worker, struct task_record *rec)
{
    attempt_until_done(run, worker, rec, fetch_attempt);
}

/* ---- download: stream a blob to a file, renamed when whole ---- */

/* Where a download's body goes: the open part file, and what was seen. */
struct blob_sink {
    struct worker *worker;    /* whose waits write the file */
    int fd;
    long id;
    bool verify_content;      /* --verify content: each byte must be the blob's */
    uint64_t received;        /* bytes written so far */
    struct checksum *checksum; /* over the bytes in order: the worker's */
    int write_errno;          /* why write() failed, or 0 */
    int mismatch;             /* a byte differed from the blob's content */
    bool cancelled;           /* Ctrl-C came: no more writes */
};

/* One piece of a blob, for check_piece. */
struct blob_piece {
    struct blob_sink *sink;
    const char *data;
    size_t len;
};

/* Checks a piece against the blob's content (under --verify content) and
 * hashes it, for waits->compute: a piece the size of a blob's stage takes
 * as long to check as to write. */
static void check_piece(void *arg)
{
    struct blob_piece *piece = arg;
    struct blob_sink *sink = piece->sink;

    if (sink->verify_content
        && content_verify((uint64_t)sink->id, sink->received, piece->data, piece->len) != 0) {
        sink->mismatch = 1;
        return;
    }
    checksum_update(sink->checksum, piece->data, piece->len);
}

/* Called by the transfer with each piece of the blob, in order. Returning
 * less than it was given stops the transfer with CURLE_WRITE_ERROR. */
static size_t on_blob_data(char *data, size_t size, size_t nmemb, void *userdata)
{
    struct blob_sink *sink = userdata;
    struct blob_piece piece = { .sink = sink, .data = data, .len = size * nmemb };

    /* Checking and hashing are computing, done where the model computes:
     * on this thread, or (async_coro --offload) on libuv's pool while the
     * loop's thread receives. libcurl may hand over many pieces before its
     * progress callback sees the Ctrl-C: with a slow disk, each write
     * would make the run wait. */
    if (sink->worker->waits->compute(sink->worker, check_piece, &piece) != 0
        || run_cancelled()) {
        sink->cancelled = true;
        return 0;
    }
    if (sink->mismatch)
        return 0;
    int rc = sink->worker->waits->write(sink->worker, sink->fd, data, piece.len);
    if (rc < 0) {
        sink->write_errno = -rc;
        return 0;
    }
    sink->received += piece.len;
    return piece.len;
}

/* Receives the blob into an open part file; judges what arrived. Under
 * --verify id or status the body is written as it comes: only a blob the
 * mock server made has bytes and a size to check. */
static enum fail_cause receive_blob(struct run *run, struct worker *worker,
                                    struct task_record *rec, int fd, const char *part_path,
                                    struct outcome *out)
{
    struct blob_sink sink = { .worker = worker, .fd = fd, .id = rec->id,
                              .checksum = worker->checksum,
                              .verify_content = run->opts->verify == VERIFY_CONTENT };

    checksum_init(sink.checksum);
    enum fail_cause cause = transfer(run, worker, rec, on_blob_data, &sink, out);
    if (cause == CAUSE_STATUS)
        return cause;   /* the body was an error text: no blob to judge */
    if (sink.cancelled)
        return failure(out, CAUSE_CANCELLED, "cancelled during the transfer");
    if (sink.mismatch)
        return failure(out, CAUSE_MISMATCH, "wrong bytes near offset %llu",
                       (unsigned long long)sink.received);
    if (sink.write_errno != 0)
        return failure(out, CAUSE_IO, "write %s: %s", part_path, strerror(sink.write_errno));
    if (cause != CAUSE_NONE)
        return cause;
    if (sink.verify_content && sink.received != run->opts->size_bytes)
        return failure(out, CAUSE_MISMATCH, "got %llu bytes, expected %llu",
                       (unsigned long long)sink.received,
                       (unsigned long long)run->opts->size_bytes);
    out->bytes = sink.received;
    out->checksum = checksum_digest(sink.checksum);
    return CAUSE_NONE;
}

static enum fail_cause download_attempt(struct run *run, struct worker *worker,
                                        struct task_record *rec, struct outcome *out)
{
    const struct waits *waits = worker->waits;
    char final_path[PATH_BYTES], part_path[PATH_BYTES];

    if (file_paths(run->dir, "blob", rec->id, final_path, part_path, PATH_BYTES) != 0)
        return failure(out, CAUSE_IO, "path too long in %s", run->dir);
    /* The checksum's state, made at the first blob: fetch needs none. */
    if (worker->checksum == NULL && (worker->checksum = checksum_new()) == NULL)
        return failure(out, CAUSE_IO, "cannot allocate a checksum state: %s", strerror(errno));
    int fd = waits->open(worker, part_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return failure(out, CAUSE_IO, "open %s: %s", part_path, strerror(-fd));

    enum fail_cause cause = receive_blob(run, worker, rec, fd, part_path, out);
    int rc = waits->close(worker, fd);
    if (rc < 0 && cause == CAUSE_NONE)
        cause = failure(out, CAUSE_IO, "close %s: %s", part_path, strerror(-rc));
    /* A blob whose last piece came with the Ctrl-C is not kept: no task
     * completes after the signal. */
    if (cause == CAUSE_NONE && run_cancelled())
        cause = failure(out, CAUSE_CANCELLED, "cancelled during the transfer");
    /* Only a whole, checked blob gets its final name. */
    if (cause == CAUSE_NONE && (rc = waits->rename(worker, part_path, final_path)) < 0)
        cause = rename_failure(out, part_path, final_path, rc);
    if (cause != CAUSE_NONE)
        waits->unlink(worker, part_path);   /* may not exist; nothing to report either way */
    return cause;
}

static void download_task(struct run *run, struct worker *worker, struct task_record *rec)
{
    attempt_until_done(run, worker, rec, download_attempt);
}

/* ---- files: write a file, read it back, verify it ---- */

/* Writes size bytes of id's content to fd, a chunk at a time. 0, or a
 * negative errno: -ECANCELED once the run is cancelled (a file may be
 * gigabytes). */
static int write_content(struct worker *worker, int fd, long id, uint64_t size)
{
    for (uint64_t offset = 0; offset < size;) {
        if (run_cancelled())
            return -ECANCELED;
        size_t len = size - offset < IO_CHUNK ? (size_t)(size - offset) : IO_CHUNK;
        content_fill((uint64_t)id, offset, worker->io_buf, len);
        int rc = worker->waits->write(worker, fd, worker->io_buf, len);
        if (rc < 0)
            return rc;
        offset += len;
    }
    return 0;
}

/* Reads fd to its end, checking every byte against id's content. Sets
 * *size_read and *checksum; 0, a negative errno (-ECANCELED once the run
 * is cancelled), or 1 for a wrong byte. */
static int read_content(struct worker *worker, int fd, long id,
                        uint64_t *size_read, uint64_t *checksum)
{
    uint64_t offset = 0;

    checksum_init(worker->checksum);
    for (;;) {
        if (run_cancelled())
            return -ECANCELED;
        ssize_t n = worker->waits->read(worker, fd, worker->io_buf, IO_CHUNK);
        if (n < 0)
            return (int)n;
        if (n == 0)
            break;
        if (content_verify((uint64_t)id, offset, worker->io_buf, (size_t)n) != 0)
            return 1;
        checksum_update(worker->checksum, worker->io_buf, (size_t)n);
        offset += (uint64_t)n;
    }
    *size_read = offset;
    *checksum = checksum_digest(worker->checksum);
    return 0;
}

/* Writes the part file (fsync when asked) and renames it into place. */
static enum fail_cause write_file(struct run *run, struct worker *worker, long id,
                                  const char *part_path, const char *final_path,
                                  struct outcome *out)
{
    const struct waits *waits = worker->waits;
    int fd = waits->open(worker, part_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return failure(out, CAUSE_IO, "open %s: %s", part_path, strerror(-fd));

    const char *step = "write";
    int err = write_content(worker, fd, id, run->opts->size_bytes);
    if (err == 0 && run->opts->fsync) {
        step = "fsync";
        err = waits->fsync(worker, fd);
    }
    int rc = waits->close(worker, fd);
    if (rc < 0 && err == 0) {
        step = "close";
        err = rc;
    }
    /* Ctrl-C during the fsync or the close: the part file goes, never
     * renamed into place. */
    if (err == 0 && run_cancelled())
        err = -ECANCELED;
    if (err == 0) {
        step = "rename";
        err = waits->rename(worker, part_path, final_path);
    }
    if (err != 0) {
        waits->unlink(worker, part_path);
        if (err == -ECANCELED)
            return failure(out, CAUSE_CANCELLED, "cancelled while writing");
        if (strcmp(step, "rename") == 0)
            return rename_failure(out, part_path, final_path, err);
        return failure(out, CAUSE_IO, "%s %s: %s", step, part_path, strerror(-err));
    }
    return CAUSE_NONE;
}

/* Reads the file back and checks its size and every byte. */
static enum fail_cause read_file(struct run *run, struct worker *worker, long id,
                                 const char *path, struct outcome *out)
{
    int fd = worker->waits->open(worker, path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return failure(out, CAUSE_IO, "open %s: %s", path, strerror(-fd));

    uint64_t size_read = 0;
    int err = read_content(worker, fd, id, &size_read, &out->checksum);
    worker->waits->close(worker, fd);   /* read-only: nothing can be lost at close */
    if (err == 0 && run_cancelled())    /* the last read came with the Ctrl-C */
        err = -ECANCELED;
    if (err == -ECANCELED) {
        /* Whole, but its task is cancelled: a cancelled task leaves no
         * file (any other failure keeps it, to be looked at). */
        worker->waits->unlink(worker, path);
        return failure(out, CAUSE_CANCELLED, "cancelled while reading");
    }
    if (err < 0)
        return failure(out, CAUSE_IO, "read %s: %s", path, strerror(-err));
    if (err > 0 || size_read != run->opts->size_bytes)
        return failure(out, CAUSE_MISMATCH, "%s does not hold what was written", path);
    out->bytes = size_read;
    return CAUSE_NONE;
}

static enum fail_cause files_attempt(struct run *run, struct worker *worker,
                                     struct task_record *rec, struct outcome *out)
{
    char final_path[PATH_BYTES], part_path[PATH_BYTES];

    if (file_paths(run->dir, "file", rec->id, final_path, part_path, PATH_BYTES) != 0)
        return failure(out, CAUSE_IO, "path too long in %s", run->dir);
    /* One chunk's buffer and the checksum's state, made at the first file:
     * other workloads need none. */
    if (worker->io_buf == NULL && (worker->io_buf = malloc(IO_CHUNK)) == NULL)
        return failure(out, CAUSE_IO, "cannot allocate an I/O buffer: %s", strerror(errno));
    if (worker->checksum == NULL && (worker->checksum = checksum_new()) == NULL)
        return failure(out, CAUSE_IO, "cannot allocate a checksum state: %s", strerror(errno));
    enum fail_cause cause = write_file(run, worker, rec->id, part_path, final_path, out);
    if (cause != CAUSE_NONE)
        return cause;
    return read_file(run, worker, rec->id, final_path, out);
}

static void files_task(struct run *run, struct worker *worker, struct task_record *rec)
{
    attempt_until_done(run, worker, rec, files_attempt);
}

/* ---- cook: wait for a dish ---- */

static enum fail_cause cook_attempt(struct run *run, struct worker *worker,
                                    struct task_record *rec, struct outcome *out)
{
    size_t dish = (size_t)(rec->id - 1);

    cook_say_start(run, dish);
    if (worker->waits->sleep_ms(worker, cook_dish_ms(run, dish)) != 0)
        return failure(out, CAUSE_CANCELLED, "cancelled while cooking");
    cook_say_ready(run, dish);
    out->checksum = cook_dish_checksum(run, dish);
    return CAUSE_NONE;
}

static void cook_task(struct run *run, struct worker *worker, struct task_record *rec)
{
    attempt_until_done(run, worker, rec, cook_attempt);
}

/* ---- cpu: compute, wait for nothing ---- */

/* One cpu task's work and result, for waits->compute. */
struct cpu_job {
    long id, rounds;
    uint64_t result;
    int rc;                     /* cpu_rounds': 0, -1 out of memory, 1 cancelled */
};

static void cpu_work(void *arg)
{
    struct cpu_job *job = arg;

    job->rc = cpu_rounds(job->id, job->rounds, run_stop_test, NULL, &job->result);
}

static enum fail_cause cpu_attempt(struct run *run, struct worker *worker,
                                   struct task_record *rec, struct outcome *out)
{
    struct cpu_job job = { .id = rec->id, .rounds = run->opts->rounds };

    if (worker->waits->compute(worker, cpu_work, &job) != 0 || job.rc > 0)
        return failure(out, CAUSE_CANCELLED, "cancelled while computing");
    if (job.rc < 0)
        return failure(out, CAUSE_IO, "cannot allocate %d bytes to compute in",
                       CPU_BUFFER_BYTES);
    out->checksum = job.result;
    return CAUSE_NONE;
}

static void cpu_task(struct run *run, struct worker *worker, struct task_record *rec)
{
    attempt_until_done(run, worker, rec, cpu_attempt);
}

task_fn *task_of(enum workload workload)
{
    switch (workload) {
    case WORKLOAD_FETCH:    return fetch_task;
    case WORKLOAD_DOWNLOAD: return download_task;
    case WORKLOAD_FILES:    return files_task;
    case WORKLOAD_COOK:     return cook_task;
    case WORKLOAD_CPU:      return cpu_task;
    }
    return NULL;
}
