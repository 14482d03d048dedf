/* summary.h: the run's result, for people (a table) and scripts (JSON).
 *
 * Computed after the run from the records alone, plus getrusage(), so every
 * model is summarised by the same arithmetic. */
#ifndef SUMMARY_H
#define SUMMARY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "record.h"

struct run;

struct summary {
    long count, ok, failed;
    long cached;                  /* of the ok, taken from --cache: never run */
    long failures[CAUSE_COUNT];   /* failed tasks by their cause */
    long retries;                 /* attempts beyond the first, over all tasks */
    uint64_t bytes;
    double wall_ms;               /* run->start_ns to summary_compute(): the model's
                                   * set-up and tear-down included */
    double user_ms, sys_ms;       /* CPU time of the whole process, all its threads,
                                   * over wall_ms's interval */
    long max_rss_kb;              /* peak resident set size */
    double p50_ms, p90_ms, p99_ms, max_ms; /* per-task duration, start to end */
    /* --rate's view (run.h): each task's latency from its intended start to
     * its end (>= its duration), and how late it started (actual start -
     * intended start), over the same tasks as the durations. */
    double from_intended_p50_ms, from_intended_p99_ms, from_intended_max_ms;
    double start_late_p50_ms, start_late_p99_ms, start_late_max_ms;
    uint64_t checksum;            /* checksum_run() */
    int cancelled;                /* the run was stopped by a signal */
};

/* Marks the moment the model is handed the run: start_ns, and the CPU time
 * used so far, so that user_ms and sys_ms cover what wall_ms covers. */
void summary_mark_start(struct run *run);

/* Fills *sum from the run's records; wall_ms is measured up to now. */
void summary_compute(const struct run *run, struct summary *sum);

/* The nearest-rank percentile p (0..100) of n sorted values; 0 when n = 0. */
double percentile(const double *sorted, size_t n, double p);

/* A fixed-width table for people. 0, or -1 with errno set when out did not
 * take it all (or took an earlier write badly): the caller says where. */
int summary_print_human(FILE *out, const struct run *run, const struct summary *sum);

/* One JSON object on one line, keys stable (see docs/summary.md). 0, or -1
 * with errno set, as summary_print_human. */
int summary_print_json(FILE *out, const struct run *run, const struct summary *sum);

#endif
