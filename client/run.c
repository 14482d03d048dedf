/* run.c: the run's cancellation flag, its wake-up, and what a model reports.
 *
 * The flag is set from a signal handler and read by every thread, so it is
 * a lock-free atomic: the C standard lets a handler write one, and unlike a
 * volatile sig_atomic_t it is also safe to read from other threads (TSan
 * holds us to that in the thread-pool model). The wake-up is reached the
 * same way, through atomics alone. */
#include "run.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"

/* A model's wake-up, as run_set_wake registered it. */
struct wake {
    void (*fn)(void *arg);
    void *arg;
};

static atomic_bool cancelled;
static struct wake wake_slot;          /* written only while `wake` is NULL */
static _Atomic(struct wake *) wake;    /* &wake_slot, or NULL: none registered */
static atomic_int waking;              /* run_cancel calls inside the wake-up's reach */

#if ATOMIC_BOOL_LOCK_FREE != 2 || ATOMIC_POINTER_LOCK_FREE != 2 || ATOMIC_INT_LOCK_FREE != 2
#error "a signal handler may only touch an always lock-free atomic"
#endif

bool run_cancelled(void)
{
    return atomic_load(&cancelled);
}

void run_cancel(void)
{
    atomic_store(&cancelled, true);
    atomic_fetch_add(&waking, 1);
    struct wake *w = atomic_load(&wake);
    if (w != NULL)
        w->fn(w->arg);
    atomic_fetch_sub(&waking, 1);
}

void run_set_wake(void (*fn)(void *arg), void *arg)
{
    atomic_store(&wake, NULL);
    /* A handler on another thread may have taken the old wake-up just
     * before: it is a few instructions from done, and the old arg must
     * outlive it. */
    while (atomic_load(&waking) > 0)
        ;
    if (fn != NULL) {
        wake_slot = (struct wake){ .fn = fn, .arg = arg };
        atomic_store(&wake, &wake_slot);
    }
}

bool run_stop_test(void *arg)
{
    (void)arg;
    return run_cancelled();
}

void run_add_fact(struct run *run, const char *key, double value)
{
    if (run->fact_count == RUN_FACTS_MAX) {
        fprintf(stderr, "%s: more than %d facts to report (%s)\n", program_name(),
                RUN_FACTS_MAX, key);
        abort();
    }
    run->facts[run->fact_count++] = (struct run_fact){ .key = key, .value = value };
}

void run_add_library(struct run *run, const char *name, const char *version)
{
    if (run->library_count == RUN_LIBRARIES_MAX) {
        fprintf(stderr, "%s: more than %d libraries to report (%s)\n", program_name(),
                RUN_LIBRARIES_MAX, name);
        abort();
    }
    run->libraries[run->library_count++] =
        (struct run_library){ .name = name, .version = version };
}

double run_intended_start_ms(const struct run *run, size_t i)
{
    double rate = run->opts->rate;

    return rate > 0 ? (double)i * 1000.0 / rate : 0.0;
}

long run_start_delay_ms(const struct run *run, size_t i)
{
    double wait_ms = run_intended_start_ms(run, i) - clock_elapsed_ms(run->start_ns);
    long whole_ms;

    if (wait_ms <= 0)
        return 0;
    whole_ms = (long)wait_ms;
    return (double)whole_ms < wait_ms ? whole_ms + 1 : whole_ms;
}

int run_wait_for_start(const struct run *run, size_t i)
{
    long delay_ms;

    /* A sleep may end a little early by the clock's reading: sleep again. */
    while ((delay_ms = run_start_delay_ms(run, i)) > 0)
        if (clock_sleep_ms(delay_ms, RUN_CANCEL_CHECK_MS, run_stop_test, NULL) != 0)
            return -1;
    return run_cancelled() ? -1 : 0;
}
