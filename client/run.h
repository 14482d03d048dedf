/* run.h: the contract between the shared core and a concurrency model.
 *
 * A model is a backend, in the manner of redis's ae_*.c: it gets a run with
 * one record per task, pending or already done (record_is_done: taken from
 * the cache), and must bring every pending record to completed or failed. How it schedules the tasks (one at a time, an event loop, a
 * thread pool, coroutines) is the whole difference between the programs;
 * everything else (options, records, summary, trace, exit codes) is here
 * and in client/main.c. The core knows no model: a model brings its own
 * options and reports its own facts through this interface. */
#ifndef RUN_H
#define RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"
#include "program.h"
#include "record.h"

#define RUN_FACTS_MAX 16
#define RUN_LIBRARIES_MAX 4

/* A number the model reports about itself ("pool_threads", 100;
 * "loop_busy", 0.25): the summary prints each one, in JSON under its key and
 * in the table with the key's '_' as spaces. Only the facts that apply to a
 * model exist. */
struct run_fact {
    const char *key;             /* a string literal: "stack_kb" */
    double value;
};

/* A library the model runs on, for the summary's versions. */
struct run_library {
    const char *name;            /* "libuv" */
    const char *version;         /* "1.44.2" */
};

/* One invocation of a client program. Owned by client_main(); a model
 * reads the options and writes the records (each record by one thread at a
 * time) and, at the end of the struct, what it reports about itself. */
struct run {
    const struct options *opts;
    const struct model *model;
    struct task_record *records; /* count records; records[i].id == i + 1 */
    size_t count;
    size_t cached;               /* records taken from --cache before the run: already
                                  * completed, and no model starts them */
    uint64_t start_ns;           /* clock_now_ns() as the model is handed the run: its
                                  * set-up (threads, a loop) counts in the wall time */
    double start_user_ms;        /* the process's CPU time by then: the summary */
    double start_sys_ms;         /* counts the CPU time over wall time's interval */
    char dir[4096];              /* download, files: the folder written to */

    long concurrency;            /* most tasks the model allowed in flight at once */
    struct run_fact facts[RUN_FACTS_MAX];
    size_t fact_count;
    struct run_library libraries[RUN_LIBRARIES_MAX];
    size_t library_count;
};

/* Adds a fact or a library to the run's summary. Past the maximum it is
 * a bug in the model: the program says so and aborts. */
void run_add_fact(struct run *run, const char *key, double value);
void run_add_library(struct run *run, const char *name, const char *version);

/* An option only some models have (--stack-kb, --uv-threadpool). The
 * shared parser accepts it for the model that lists it, checks its range
 * and prints it in --help; the model reads the value where it asked for it
 * to be stored. */
struct model_option {
    const char *name;            /* without "--": "stack-kb" */
    const char *value_name;      /* in --help: "K"; NULL: a flag, which takes no value
                                  * and stores 1 when given (min, max unused) */
    const char *help;            /* in --help: what it sets ("each worker's stack in KiB") */
    const char *default_help;    /* in --help: the default, in words ("256") */
    long min, max;               /* accepted values, inclusive */
    long default_value;          /* stored before parsing; 0 may mean "unset" */
    long *value;                 /* where the parser stores it: the model's */
    /* Not NULL: an option other models have that this one does not offer,
     * by design, and why, in a few words ("the ring cannot compute"). It
     * is not in --help and takes nothing else of this row; given, it is
     * refused with this reason (exit 2), not as an unknown option. */
    const char *refusal;
};

/* A model: its name, its limits, its own options, and how it runs a run.
 * Each model folder defines one in model.c and hands it to client_main.
 * run returns 0 when the run went through (tasks may still have failed:
 * that is in their records), or -1 when it could not run at all (it has
 * then printed one line "PROGRAM: what failed: why" and the program exits
 * 3). */
struct model {
    const char *name;             /* "sync", "async_uv", ... */
    const char *about;            /* one line for --help: how it runs tasks */
    const char *concurrency_help; /* what --concurrency means in this model */
    long concurrency_max;         /* largest --concurrency accepted; 0: no cap */
    const char *thread_kind;      /* what a record's thread counts ("pool thread"), for the
                                  * charts; NULL: one thread runs every task (thread 0) */
    const struct model_option *options; /* ended by a NULL name; NULL: none */
    int (*run)(struct run *run);  /* brings every record to completed or failed */
};

/* The whole client program for a model: parse, prepare, run, report.
 * Returns the exit status (docs/options.md: 0, 1, 2, 3, or 128 + the signal
 * that stopped the run). */
int client_main(int argc, char **argv, const struct model *model);

/* Cancellation (Ctrl-C, SIGTERM, SIGHUP). client_main's signal handler
 * calls run_cancel(), which is async-signal-safe; models poll
 * run_cancelled() between steps, and a long computation every few rounds
 * (run_stop_test). */
bool run_cancelled(void);
void run_cancel(void);

/* A loop model sleeps in the kernel until one of its events comes: it
 * registers a wake-up, which run_cancel calls, from the signal handler, on
 * whichever thread took the signal; so fn must be async-signal-safe
 * (uv_async_send is). run_set_wake(NULL, NULL) takes it away, and returns
 * only once no run_cancel is inside it any more, so that what arg points to
 * may then go. A run cancelled before fn is registered does not call it:
 * the model looks at run_cancelled() before it sleeps. */
void run_set_wake(void (*fn)(void *arg), void *arg);

/* run_cancelled as the stop test that long waits and long work take
 * (clock_sleep_ms, cpu.h): arg is unused. */
bool run_stop_test(void *arg);

/* --rate's schedule (open loop, as wrk2 runs): task i (records[i], from 0)
 * is meant to start i * 1000 / R ms after the run's start, whether or not
 * the tasks before it have finished; a model starts it then, or as soon
 * after as it can (the window full, sync still busy, every pool thread
 * taken), never before. Without --rate every task is meant to start at 0:
 * all at once, as gather() starts them. The one place this sum is done. */
double run_intended_start_ms(const struct run *run, size_t i);

/* How long from now until records[i]'s intended start, in whole ms rounded
 * up (so that a timer or sleep of that length never starts it early); 0
 * when it is due. */
long run_start_delay_ms(const struct run *run, size_t i);

/* For a model whose thread blocks (sync, a pool thread): sleeps until
 * records[i]'s intended start. 0 then, or -1 as soon as the run is
 * cancelled (within RUN_CANCEL_CHECK_MS). */
int run_wait_for_start(const struct run *run, size_t i);

/* The longest a sleep that blocks its thread takes to notice Ctrl-C: the
 * slice_ms it gives clock_sleep_ms with run_stop_test. */
#define RUN_CANCEL_CHECK_MS 50

#endif
