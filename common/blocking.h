/* blocking.h: one task of each workload, done the blocking way.
 *
 * The sync model calls these one after another; the thread-pool model calls
 * the very same functions from many threads at once. That they are the same
 * code is the point: threads buy concurrency without changing how a task is
 * written. The libuv model cannot use them, since nothing may block its one
 * thread; compare these with async_uv/fetch.c and friends. */
#ifndef BLOCKING_H
#define BLOCKING_H

#include <curl/curl.h>

#include "http.h"
#include "record.h"

struct run;

/* What a thread needs to run tasks, reused from task to task. One per
 * thread: an easy handle must never be used by two threads, and reusing it
 * keeps its connections alive between tasks. Owned by the thread's model
 * code, which calls worker_init before the first task and worker_cleanup
 * after the last. */
struct worker {
    CURL *easy;                   /* this worker's transfers and connections */
    struct body body;             /* fetch: the item being received */
    char errbuf[CURL_ERROR_SIZE]; /* libcurl's text for the last failure */
    unsigned char *io_buf;        /* files: one chunk, on the heap */
};

/* 0, or -1 with a message printed. On failure nothing is left to clean up. */
int worker_init(struct worker *worker);
void worker_cleanup(struct worker *worker);

/* Each runs one task to the end, retries and all, and leaves its record
 * completed or failed. None ever stops the run: failures are recorded. */
void fetch_task(struct run *run, struct worker *worker, struct task_record *rec);
void download_task(struct run *run, struct worker *worker, struct task_record *rec);
void files_task(struct run *run, struct worker *worker, struct task_record *rec);
void cook_task(struct run *run, struct worker *worker, struct task_record *rec);

#endif
