/* timeline.h: the run as a text chart, one row per task (--timeline).
 *
 * A view of the records, like the CSV trace: each task a bar from its
 * start to its end on one time axis, so that sync's staircase and the
 * other models' wall show without gnuplot. */
#ifndef TIMELINE_H
#define TIMELINE_H

#include <stdio.h>

struct run;

#define TIMELINE_ROWS_MAX 40    /* past this many tasks, a row holds several */
#define TIMELINE_WIDTH_MIN 40
#define TIMELINE_WIDTH_MAX 1000

/* The chart's width in columns: $COLUMNS when it is a whole number (the
 * user's explicit choice, and the tests'), else the width of the terminal
 * on fd, else 80; kept within TIMELINE_WIDTH_MIN..TIMELINE_WIDTH_MAX. */
int timeline_width(int fd);

/* Writes the chart of the run's records to out, width columns wide: a
 * heading, a row per task (or per group of consecutive tasks, drawn over
 * each other, past TIMELINE_ROWS_MAX), a time axis and a legend. Marks:
 * '=' running, '~' processing, '.' the backoff before a retry, 'x' an
 * attempt that failed (the last one: the task failed), '#' completed.
 * 0, or -1 when writing failed (ferror). */
int timeline_print(FILE *out, const struct run *run, int width);

#endif
