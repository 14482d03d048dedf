/* trace_events.h: the run as a trace that ui.perfetto.dev and
 * chrome://tracing open (--trace-events FILE).
 *
 * A view of the records, like the CSV trace: one track per task, and on it
 * each attempt, each backoff before a retry and each processing step as a
 * complete ("X") event, in microseconds since the run's start. */
#ifndef TRACE_EVENTS_H
#define TRACE_EVENTS_H

#include <stdio.h>

struct run;

/* Writes the run in the Trace Event Format (JSON) to file; stdio remembers
 * any write error for the caller to check. */
void trace_events_write(FILE *file, const struct run *run);

/* Writes it to path through a temporary file renamed into place
 * (file_write_output), so a reader never sees half a trace. 0, or -1 with
 * errno set. */
int trace_events_save(const char *path, const struct run *run);

#endif
