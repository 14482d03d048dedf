/* task.h: one task of each workload, written straight, whatever the model.
 *
 * The task code (task.c) reads as blocking code: transfer, check, sleep,
 * open, write, read, rename. Every wait in it goes through the worker's
 * `waits`, which the model supplies: sync and async_threads block their
 * thread (blocking.c), async_coro pauses the task's coroutine and lets its
 * loop run the others (coro/coro_loop.c, async_coro/waits.c). That is the
 * whole difference, and reading tasks/blocking.c beside those two shows
 * it. async_uv cannot
 * use this code at all: nothing may wait on its thread, so its tasks are
 * chains of callbacks (async_uv/fetch.c and friends). */
#ifndef TASK_H
#define TASK_H

#include <stdbool.h>
#include <sys/types.h>

#include <curl/curl.h>

#include "http.h"
#include "options.h"
#include "record.h"

struct run;
struct worker;

/* How a task waits. Each call returns once what it waits for is done, or
 * the run was cancelled; the task code around it is the same in every
 * model. Errors come back as a negative errno (ECANCELED after Ctrl-C). */
struct waits {
    /* Performs the transfer set up on worker->easy (http_setup), handing
     * the body to on_body(data, 1, len, body_data) in order; libcurl's
     * result. Ctrl-C makes it CURLE_ABORTED_BY_CALLBACK. */
    CURLcode (*transfer)(struct worker *worker, curl_write_callback on_body, void *body_data);
    /* Waits ms milliseconds: 0, or -ECANCELED. */
    int (*sleep_ms)(struct worker *worker, long ms);
    /* Waits out fetch's simulated processing (--process-ms), as sleep_ms
     * does; a loop model's --blocking-process makes it the pitfall, a
     * blocking sleep on the loop's one thread. 0, or -ECANCELED. */
    int (*processing_ms)(struct worker *worker, long ms);
    /* Runs work(arg), which only computes, and returns when it is done: on
     * this thread, or elsewhere while the task waits (a loop model's
     * --offload). 0, or -ECANCELED when the run was cancelled before. */
    int (*compute)(struct worker *worker, void (*work)(void *arg), void *arg);
    /* The file steps: open gives a descriptor; write writes all of len. */
    int (*open)(struct worker *worker, const char *path, int flags, mode_t mode);
    int (*write)(struct worker *worker, int fd, const void *buf, size_t len);
    ssize_t (*read)(struct worker *worker, int fd, void *buf, size_t len);
    int (*fsync)(struct worker *worker, int fd);
    int (*close)(struct worker *worker, int fd);
    int (*rename)(struct worker *worker, const char *from, const char *to);
    int (*unlink)(struct worker *worker, const char *path);
};

/* The waits that block the calling thread (blocking.c). */
extern const struct waits blocking_waits;

/* What a task needs to run, reused from task to task: one per thread in
 * sync and async_threads, one per coroutine in async_coro. An easy handle
 * must never be used by two threads at once, and reusing it keeps its
 * connections alive between tasks. Owned by the model, which calls
 * worker_init before the first task and worker_cleanup after the last. */
struct worker {
    const struct waits *waits;    /* how this worker's tasks wait */
    void *wait_ctx;               /* the model's state for its waits, or NULL */
    int thread;                   /* the thread it runs on, for the records: 1..T in a
                                   * pool (the model sets it); 0 the only one (sync's,
                                   * the loop's), as worker_init leaves it */
    CURL *easy;                   /* this worker's transfers and connections */
    struct body body;             /* fetch: the item being received */
    char errbuf[CURL_ERROR_SIZE]; /* libcurl's text for the last failure */
    unsigned char *io_buf;        /* files: one chunk, allocated at first use */
    struct checksum *checksum;    /* download, files: over a stream, allocated at first use */
};

/* 0, or -1 with a message printed. On failure nothing is left to clean up. */
int worker_init(struct worker *worker, const struct waits *waits, void *wait_ctx);
void worker_cleanup(struct worker *worker);

/* A task: runs one record to the end, retries and all, and leaves it
 * completed or failed. None ever stops the run: failures are recorded. */
typedef void task_fn(struct run *run, struct worker *worker, struct task_record *rec);

/* The task of a workload: fetch_task, download_task, files_task, cook_task,
 * cpu_task. */
task_fn *task_of(enum workload workload);

#endif
