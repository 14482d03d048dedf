/* options.h: the command line shared by the client programs, one per model.
 *
 *   PROGRAM WORKLOAD [options]     WORKLOAD: fetch, download, files, cook, cpu
 *
 * One parser serves every model, so the same flags mean the same thing
 * everywhere; a model only says which limits apply to it and which options
 * of its own it has (struct model, in run.h). */
#ifndef OPTIONS_H
#define OPTIONS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bounds.h"

enum workload { WORKLOAD_FETCH, WORKLOAD_DOWNLOAD, WORKLOAD_FILES, WORKLOAD_COOK, WORKLOAD_CPU };
/* How many there are; not in the enum, so that a switch over every
 * workload needs no case for it. */
#define WORKLOAD_COUNT (WORKLOAD_CPU + 1)

/* What a fetched item or downloaded blob must be to count as done
 * (--verify). docs/options.md, "Any HTTP server", says what each checks and
 * hashes. */
enum verify {
    VERIFY_CONTENT,   /* a 200, and the mock's bytes to the byte */
    VERIFY_ID,        /* a 200; fetch: a JSON object whose "id" is the task's */
    VERIFY_STATUS,    /* any 2xx, whatever the body */
};

#define PATH_TEMPLATE_MAX 256   /* --path, NUL included */
#define DISH_NAME_MAX 64
#define DISHES_MAX 32

struct dish {
    char name[DISH_NAME_MAX];   /* as given, e.g. "Garlic Lettuce" */
    double seconds;             /* cooking time before --time-scale */
};

/* Everything the user asked for. Filled by cli_parse, read-only afterwards. */
struct options {
    enum workload workload;
    char url[512];              /* server base URL without a trailing slash */
    char path[PATH_TEMPLATE_MAX]; /* fetch, download: where a task's request goes
                                 * under url, {id} and {size} filled in (workload.h) */
    enum verify verify;         /* fetch, download: what an answer must be */
    long count;                 /* tasks to run, 1..COUNT_MAX */
    long latency_ms;            /* sent as ?latency_ms=; -1 leaves it to the server */
    long concurrency;           /* most tasks in flight at once; 0: no limit */
    double rate;                /* --rate: tasks started per second, on a fixed
                                 * schedule (run.h); 0: all at once, as the window lets */
    long retries;               /* extra attempts after a failed one */
    long backoff_ms;            /* wait backoff_ms * 2^attempt before retrying */
    long timeout_ms;            /* per request (per attempt), connect included */
    long process_ms;            /* simulated processing of each fetched item: a pause */
    long process_cpu_ms;        /* real processing of each fetched item: busy CPU */
    long rounds;                /* cpu: rounds of hashing per task (cpu.h) */
    uint64_t size_bytes;        /* download and files: bytes per blob or file */
    char dir[PATH_MAX];         /* download and files: "" means a fresh temp dir */
    bool keep;                  /* keep the temp dir and its files */
    bool fsync;                 /* files: fsync each file after writing it */
    double time_scale;          /* cook: multiplies every dish's time */
    struct dish dishes[DISHES_MAX];
    int dish_count;
    char trace_path[PATH_MAX];  /* "" means no trace */
    char trace_events_path[PATH_MAX]; /* the Trace Event Format (JSON); "" means none */
    bool timeline;              /* a text chart of the tasks on stderr after the run */
    char cache_path[PATH_MAX];  /* --cache: completed tasks' results; "" means none */
    bool json;                  /* one JSON object on stdout, not the table */
    bool verbose;               /* a line on stderr per task event */
    bool quiet;                 /* no human output at all on stdout */
};

struct model;

/* What cli_parse tells its caller to do next. */
enum cli_result {
    CLI_RUN = 0,        /* options are valid: run the workload */
    CLI_EXIT_OK = 1,    /* --help or --version was printed: exit 0 */
    CLI_EXIT_USAGE = 2, /* a bad option or value was reported: exit 2 */
};

/* Parses argv into *opts for the given model. Help and version go to out;
 * a usage error is one line on err, "PROGRAM: what is wrong", naming the
 * offending option or value. Defaults come first; $MOCK_URL is read once
 * here. Never exits, so that tests can call it. */
enum cli_result cli_parse(int argc, char **argv, const struct model *model,
                          struct options *opts, FILE *out, FILE *err);

#endif
