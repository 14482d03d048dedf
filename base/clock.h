/* clock.h: the one clock every model and the mock server measure with.
 *
 * CLOCK_MONOTONIC never jumps when the wall clock is set, so differences of
 * its readings are true durations. Every time in a record or a summary comes
 * from here, and every sleep: the clients' backoff and dishes, the server's
 * latency and hangs. */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* Nanoseconds on the monotonic clock since an arbitrary fixed point. */
uint64_t clock_now_ns(void);

/* Milliseconds from since_ns to now, as a double (sub-millisecond precision). */
double clock_elapsed_ms(uint64_t since_ns);

/* Sleeps duration_ms (none when 0 or less), resuming after signals, but
 * asks stop(arg) first and then at least every slice_ms, and returns -1 as
 * soon as it says true; 0 when the whole time was slept. stop NULL (or
 * slice_ms 0 or less) sleeps the whole time in one go. The clients pass
 * run_cancelled() through a small adapter, the server its stopping flag:
 * this file knows neither. */
int clock_sleep_ms(long duration_ms, long slice_ms, bool (*stop)(void *arg), void *arg);

#endif
