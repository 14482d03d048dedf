/* clock.c: the one clock every model and the mock server measure with.
 *
 * CLOCK_MONOTONIC readings in nanoseconds, and a sleep that wakes up in
 * slices to ask its caller whether to stop, so that a long wait (a retry's
 * backoff, a dish on the stove, the server's latency) ends soon after
 * Ctrl-C or a stopping server. It depends on nothing but program.c, so the
 * server links it without the clients' run. */
#include "clock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "program.h"

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

/* Sleeps until wake_ns on the monotonic clock. An absolute time, so a
 * signal that interrupts it loses nothing: it just ends early, and the
 * caller, which reads the clock again, sleeps on. */
static void sleep_until(uint64_t wake_ns)
{
    struct timespec wake = {
        .tv_sec = (time_t)(wake_ns / 1000000000u),
        .tv_nsec = (long)(wake_ns % 1000000000u),
    };
    int rc = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, NULL);

    if (rc != 0 && rc != EINTR) {
        /* Only EINVAL or EFAULT remain: a bug here, not a condition. */
        fprintf(stderr, "%s: clock_nanosleep: %s\n", program_name(), strerror(rc));
        abort();
    }
}

int clock_sleep_ms(long duration_ms, long slice_ms, bool (*stop)(void *arg), void *arg)
{
    uint64_t now_ns = clock_now_ns();
    uint64_t end_ns = now_ns;
    uint64_t slice_ns = UINT64_MAX;

    if (duration_ms > 0)
        end_ns = (uint64_t)duration_ms > (UINT64_MAX - now_ns) / 1000000u
                     ? UINT64_MAX : now_ns + (uint64_t)duration_ms * 1000000u;
    if (stop != NULL && slice_ms > 0)
        slice_ns = (uint64_t)slice_ms * 1000000u;
    for (;;) {
        if (stop != NULL && stop(arg))
            return -1;
        if (now_ns >= end_ns)
            return 0;
        sleep_until(end_ns - now_ns > slice_ns ? now_ns + slice_ns : end_ns);
        now_ns = clock_now_ns();
    }
}
