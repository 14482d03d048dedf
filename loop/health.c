/* health.c: how well a loop keeps up: its lag and its slow callbacks.
 *
 * The samples of the lag timer and what the summary makes of them, and
 * asyncio's slow-callback warning. The loop that owns the timer calls in
 * (loop_uv.c's on_lag_timer); compare the loop_busy and loop_lag_* lines
 * of a run's summary with and without --offload. */
#include "health.h"

#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "summary.h"

#define SLOW_STEP_NS 100000000u        /* asyncio's slow_callback_duration: 100 ms */

void health_start(struct loop_health *h, uint64_t now_ns)
{
    h->start_ns = now_ns;
    h->lag_due_ns = now_ns + LAG_INTERVAL_MS * 1000000u;
}

/* Records how late the lag timer is at now_ns. */
static void lag_sample(struct loop_health *h, uint64_t now_ns)
{
    double late_ms = now_ns > h->lag_due_ns ? (double)(now_ns - h->lag_due_ns) / 1e6 : 0;

    if (h->lag_count == h->lag_size) {
        size_t size = h->lag_size > 0 ? 2 * h->lag_size : 1024;
        double *lags = realloc(h->lags_ms, size * sizeof *lags);
        if (lags == NULL)
            return;
        h->lags_ms = lags;
        h->lag_size = size;
    }
    h->lags_ms[h->lag_count++] = late_ms;
}

void health_lag_fired(struct loop_health *h, uint64_t now_ns)
{
    lag_sample(h, now_ns);
    h->lag_due_ns = now_ns + LAG_INTERVAL_MS * 1000000u;
}

static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

void health_report(struct loop_health *h, struct run *run, uint64_t idle_ns, uint64_t now_ns)
{
    uint64_t elapsed_ns = now_ns - h->start_ns;
    double busy = elapsed_ns > 0 ? 1.0 - (double)idle_ns / (double)elapsed_ns : 0;

    run_add_fact(run, "loop_busy", busy < 0 ? 0 : busy);
    /* A loop kept busy to the end (tasks computed as they started) never
     * let the timer fire: how late it is now counts too. */
    if (now_ns > h->lag_due_ns)
        lag_sample(h, now_ns);
    if (h->lag_count > 0)   /* none at all: a short run that the lag timer never saw */
        qsort(h->lags_ms, h->lag_count, sizeof *h->lags_ms, compare_doubles);
    run_add_fact(run, "loop_lag_p99_ms", percentile(h->lags_ms, h->lag_count, 99));
    run_add_fact(run, "loop_lag_max_ms", h->lag_count > 0 ? h->lags_ms[h->lag_count - 1] : 0);
}

void health_free(struct loop_health *h)
{
    free(h->lags_ms);
    h->lags_ms = NULL;
    h->lag_count = h->lag_size = 0;
}

void health_step_done(const struct run *run, long id, const char *step, uint64_t began_ns)
{
    uint64_t held_ns = clock_now_ns() - began_ns;

    if (held_ns > SLOW_STEP_NS && run->opts->verbose)
        fprintf(stderr, "[%8.3f ms] task %ld: its %s callback held the loop for %.1f ms\n",
                clock_elapsed_ms(run->start_ns), id, step, (double)held_ns / 1e6);
}
