/* run.h: the contract between the shared core and a concurrency model.
 *
 * A model is a backend, in the manner of redis's ae_*.c: it gets a run with
 * one pending record per task and must bring every record to completed or
 * failed. How it schedules the tasks (one at a time, an event loop, a
 * thread pool) is the whole difference between the three programs;
 * everything else (options, records, summary, trace, exit codes) is here
 * and in common/main.c. */
#ifndef RUN_H
#define RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "record.h"

/* One invocation of a client program. Owned by main(); a model reads the
 * options and writes the records (each record by one thread at a time) and
 * the model facts at the end of the struct. */
struct run {
    const struct options *opts;
    const struct model *model;
    struct task_record *records; /* count records; records[i].id == i + 1 */
    size_t count;
    uint64_t start_ns;           /* clock_now_ns() as the model is handed the run: its
                                  * set-up (threads, a loop) counts in the wall time */
    char dir[4096];              /* download, files: the folder written to */

    /* Facts the model reports for the summary; 0 or NULL when they do not apply. */
    long concurrency;            /* most tasks it allowed in flight at once */
    long pool_threads;           /* async_threads: worker threads started */
    long stack_kb;               /* async_threads: each worker's stack */
    long uv_threadpool;          /* async_uv: libuv's thread pool size */
    const char *libuv_version;   /* async_uv: uv_version_string() */
};

/* A model: its name, its limits and its four workloads. Each model folder
 * defines exactly one, named `model`, in model.c. A workload function
 * returns 0 when the run went through (tasks may still have failed: that is
 * in their records), or -1 when it could not run at all (it has then printed
 * one line "PROGRAM: what failed: why" and main exits 3). */
struct model {
    const char *name;             /* "sync", "async_uv", "async_threads" */
    const char *about;            /* one line for --help: how it runs tasks */
    const char *concurrency_help; /* what --concurrency means in this model */
    long concurrency_max;         /* largest --concurrency accepted; 0: no cap */
    bool has_uv_threadpool;       /* accepts --uv-threadpool */
    bool has_stack_kb;            /* accepts --stack-kb */
    int (*fetch)(struct run *run);
    int (*download)(struct run *run);
    int (*files)(struct run *run);
    int (*cook)(struct run *run);
};

extern const struct model model;

/* Cancellation (Ctrl-C, SIGTERM). main() installs the handlers; models
 * poll run_cancelled() between steps, and the libuv model, whose thread
 * sleeps in the kernel, calls run_cancel() from its own uv_signal_t. */
bool run_cancelled(void);
void run_cancel(void);

/* The program's name for error messages ("sync: ..."). */
const char *run_program(void);

#endif
