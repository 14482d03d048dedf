/* health.h: how well a loop keeps up, as Node and asyncio measure it.
 *
 * Two instruments, whatever the kind of loop. A timer that asks to fire
 * every LAG_INTERVAL_MS and notes how late it fires (Node's
 * monitorEventLoopDelay): a loop held by a long callback is late for
 * every timer. And asyncio's debug mode: a callback that held the loop
 * over 100 ms is named. The loop (loop_uv.c) owns the timer and the idle
 * time; here are the samples and the report. Nothing here knows libuv. */
#ifndef LOOP_HEALTH_H
#define LOOP_HEALTH_H

#include <stddef.h>
#include <stdint.h>

#include "run.h"

#define LAG_INTERVAL_MS 10             /* how often the lag timer asks to fire */

/* The lag timer's samples. Owned by the loop; health_free frees them. */
struct loop_health {
    uint64_t start_ns;             /* clock_now_ns() as the loop began */
    uint64_t lag_due_ns;           /* when the lag timer should fire next */
    double *lags_ms;               /* how late each firing was */
    size_t lag_count, lag_size;
};

/* The loop begins at now_ns; the lag timer is due LAG_INTERVAL_MS later. */
void health_start(struct loop_health *h, uint64_t now_ns);

/* The lag timer fired at now_ns: notes how late, and when it is due next.
 * Out of memory, the sample is lost: the run goes on. */
void health_lag_fired(struct loop_health *h, uint64_t now_ns);

/* Reports the loop's health as facts: loop_busy, the share of its time
 * since health_start spent running callbacks rather than waiting (idle_ns
 * of it was waiting), and how late the lag timer fired at the 99th
 * percentile and at worst. */
void health_report(struct loop_health *h, struct run *run, uint64_t idle_ns, uint64_t now_ns);

void health_free(struct loop_health *h);

/* Notes that a callback of task id's, begun at began_ns (clock_now_ns), is
 * over: under --verbose, one that held the loop over 100 ms is named with
 * its step, as asyncio's debug mode names a slow callback. The window and
 * the loop note the callbacks they run; a model notes those it registers
 * itself. */
void health_step_done(const struct run *run, long id, const char *step, uint64_t began_ns);

#endif
