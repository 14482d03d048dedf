/* run.c: the run's cancellation flag, and what a model reports.
 *
 * The flag is set from a signal handler and read by every thread, so it is
 * a lock-free atomic: the C standard lets a handler write one, and unlike a
 * volatile sig_atomic_t it is also safe to read from other threads (TSan
 * holds us to that in the thread-pool model). */
#include "run.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_bool cancelled;

#if ATOMIC_BOOL_LOCK_FREE != 2
#error "a signal handler may only touch an always lock-free atomic"
#endif

bool run_cancelled(void)
{
    return atomic_load(&cancelled);
}

void run_cancel(void)
{
    atomic_store(&cancelled, true);
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
