/* clock.h: the one clock every model measures with.
 *
 * CLOCK_MONOTONIC never jumps when the wall clock is set, so differences of
 * its readings are true durations. Every time in a record or a summary comes
 * from here. */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>

/* Nanoseconds on the monotonic clock since an arbitrary fixed point. */
uint64_t clock_now_ns(void);

/* Milliseconds from since_ns to now, as a double (sub-millisecond precision). */
double clock_elapsed_ms(uint64_t since_ns);

/* Sleeps for duration_ms, resuming after signals, but returns early (-1) as
 * soon as the run is cancelled; 0 when the whole time was slept. */
int clock_sleep_ms(long duration_ms);

#endif
