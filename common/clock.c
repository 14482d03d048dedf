/* clock.c: the one clock every model measures with.
 *
 * CLOCK_MONOTONIC readings in nanoseconds, and a sleep that wakes up in
 * slices so that Ctrl-C is noticed within 50 ms even during a long wait
 * (a retry's backoff, a dish on the stove). */
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run.h"

/* The longest nanosleep between two looks at the cancellation flag. */
#define SLEEP_SLICE_MS 50

uint64_t clock_now_ns(void)
{
    struct timespec now;

    /* CLOCK_MONOTONIC cannot fail on Linux; if it ever did, no time in the
     * run would mean anything, so stop at once rather than report nonsense. */
    if (clock_gettime(CLOCK_MONOTONIC, &now) != 0) {
        fprintf(stderr, "%s: clock_gettime(CLOCK_MONOTONIC): %s\n",
                program_name(), strerror(errno));
        abort();
    }
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

double clock_elapsed_ms(uint64_t since_ns)
{
    uint64_t now_ns = clock_now_ns();

    if (now_ns < since_ns)
        return 0.0;
    return (double)(now_ns - since_ns) / 1e6;
}

/* Sleeps slice_ns once; an interruption by a signal simply ends the slice
 * early, since the caller measures against its deadline. */
static void sleep_slice(uint64_t slice_ns)
{
    struct timespec ts = {
        .tv_sec = (time_t)(slice_ns / 1000000000u),
        .tv_nsec = (long)(slice_ns % 1000000000u),
    };

    if (nanosleep(&ts, NULL) != 0 && errno != EINTR) {
        /* Only EINVAL or EFAULT remain: a bug here, not a condition. */
        fprintf(stderr, "%s: nanosleep: %s\n", program_name(), strerror(errno));
        abort();
    }
}

int clock_sleep_ms(long duration_ms)
{
    uint64_t deadline_ns;
    uint64_t now_ns = clock_now_ns();

    if (duration_ms <= 0)
        return run_cancelled() ? -1 : 0;
    deadline_ns = now_ns + (uint64_t)duration_ms * 1000000u;
    while (now_ns < deadline_ns) {
        uint64_t slice_ns = deadline_ns - now_ns;

        if (run_cancelled())
            return -1;
        if (slice_ns > SLEEP_SLICE_MS * 1000000u)
            slice_ns = SLEEP_SLICE_MS * 1000000u;
        sleep_slice(slice_ns);
        now_ns = clock_now_ns();
    }
    return 0;
}
