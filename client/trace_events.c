/* trace_events.c: the run in the Trace Event Format, for ui.perfetto.dev.
 *
 * One track per task: its tid is the task's id, named by a thread_name
 * metadata event ("task 7", "task 7 on pool thread 3"), and on it a
 * complete ("X") event for each step the record kept: each attempt, the
 * backoff before each retry, and fetch's processing, nested inside its
 * attempt. Which thread ran the task is in every event's args ("thread":
 * 1..T a pool thread; 0 the one thread of sync, or the loop's, on which
 * the loop models run every task, as the process's name says). The JSON is
 * written by hand, a line per event: a million tasks would make a tree of
 * cJSON objects far larger than the records. */
#include "trace_events.h"

#include <inttypes.h>

#include "fsutil.h"
#include "record.h"
#include "run.h"
#include "workload.h"

/* The process's id in the trace: above every task's id, so that no task's
 * track is taken for the process's main thread (a thread whose tid is its
 * pid), and the same in every trace. */
#define TRACE_PID (COUNT_MAX + 1)

/* Writes text as a JSON string, escaping what JSON requires. */
static void write_json_text(FILE *file, const char *text)
{
    putc('"', file);
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(file, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(file, "\\u%04x", *p);
        else
            putc(*p, file);
    }
    putc('"', file);
}

/* The task's name on its track: "task 7", the dish for cook, and the pool
 * thread in the models that have one. */
static void write_track_name(FILE *file, const struct run *run, const struct task_record *rec)
{
    char name[DISH_NAME_MAX + 96];
    int len = snprintf(name, sizeof name, "task %ld", rec->id);

    if (run->opts->workload == WORKLOAD_COOK && rec->id >= 1 && rec->id <= run->opts->dish_count)
        len += snprintf(name + len, sizeof name - (size_t)len, ": %s",
                        run->opts->dishes[rec->id - 1].name);
    if (run->model->thread_kind != NULL && rec->thread > 0)
        snprintf(name + len, sizeof name - (size_t)len, " (%s %d)",
                 run->model->thread_kind, rec->thread);
    write_json_text(file, name);
}

/* Starts an event line: the common fields, up to the args' first member. */
static void begin_event(FILE *file, const struct task_record *rec, const char *name,
                        const char *category, const char *phase, double ts_ms)
{
    fputs(",\n{\"name\":", file);
    write_json_text(file, name);
    fprintf(file, ",\"cat\":\"%s\",\"ph\":\"%s\",\"pid\":%ld,\"tid\":%ld,\"ts\":%.3f",
            category, phase, TRACE_PID, rec->id, ts_ms * 1000.0);
}

/* A complete event from start_ms to end_ms, its args opened with the
 * thread; the caller adds any more args and closes with "}}". */
static void begin_span(FILE *file, const struct task_record *rec, const char *name,
                       const char *category, double start_ms, double end_ms)
{
    begin_event(file, rec, name, category, "X", start_ms);
    fprintf(file, ",\"dur\":%.3f,\"args\":{\"thread\":%d",
            (end_ms > start_ms ? end_ms - start_ms : 0) * 1000.0, rec->thread);
}

/* What the task came to, in the args of its last attempt. */
static void write_outcome(FILE *file, const struct task_record *rec)
{
    fprintf(file, ",\"state\":\"%s\",\"http_status\":%ld,\"bytes\":%" PRIu64,
            task_state_name(rec->state), rec->http_status, rec->bytes);
    if (rec->state == TASK_FAILED) {
        fprintf(file, ",\"cause\":\"%s\",\"error\":", fail_cause_name(rec->cause));
        write_json_text(file, rec->error);
    }
}

/* The events of one task: under --rate its late start, its kept spans, then, if spans were dropped,
 * one event for the stretch they covered and the last attempt, rebuilt
 * from attempt_start_ms and end_ms. */
static void write_task(FILE *file, const struct run *run, const struct task_record *rec)
{
    int attempt = 0, backoffs = 0, last_attempt = -1;
    char name[64];
    double kept_end_ms = rec->start_ms;

    fprintf(file, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":%ld,\"tid\":%ld,"
            "\"args\":{\"name\":", TRACE_PID, rec->id);
    write_track_name(file, run, rec);
    fprintf(file, "}},\n{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":%ld,\"tid\":%ld,"
            "\"args\":{\"sort_index\":%ld}}", TRACE_PID, rec->id, rec->id);

    /* A task that never ran in this run: a mark, no span. One taken from
     * the cache has no attempt either, and was never cancelled. */
    if (rec->attempts == 0) {
        begin_event(file, rec, rec->cached ? "taken from the cache" : "cancelled before it started",
                    "task", "i", rec->end_ms);
        fputs(",\"s\":\"t\"}", file);
        return;
    }
    /* --rate: the wait from the task's intended start to its actual one,
     * which a latency from the actual start leaves out. */
    if (run->opts->rate > 0 && rec->start_ms > rec->intended_ms) {
        begin_span(file, rec, "late start", "schedule", rec->intended_ms, rec->start_ms);
        fputs("}}", file);
    }
    for (int i = 0; i < rec->span_count; i++)
        if (rec->span_kinds[i] == SPAN_ATTEMPT || rec->span_kinds[i] == SPAN_ATTEMPT_FAILED)
            last_attempt = i;
    for (int i = 0; i < rec->span_count; i++) {
        const struct record_span *span = &rec->spans[i];
        double start_ms = span->start_ms;
        /* A step still under way when the record was written (it never is
         * after a model has run) ends with the task. */
        double end_ms = span->end_ms >= 0 ? span->end_ms : rec->end_ms;

        if (end_ms > kept_end_ms)
            kept_end_ms = end_ms;
        switch ((enum span_kind)rec->span_kinds[i]) {
        case SPAN_ATTEMPT:
        case SPAN_ATTEMPT_FAILED:
            snprintf(name, sizeof name, "attempt %d", ++attempt);
            begin_span(file, rec, name, "attempt", start_ms, end_ms);
            fprintf(file, ",\"attempt\":%d,\"result\":\"%s\"", attempt,
                    rec->span_kinds[i] == SPAN_ATTEMPT_FAILED ? "failed" : "completed");
            if (i == last_attempt && rec->spans_dropped == 0)
                write_outcome(file, rec);
            break;
        case SPAN_BACKOFF:
            snprintf(name, sizeof name, "backoff before attempt %d", attempt + 1);
            begin_span(file, rec, name, "backoff", start_ms, end_ms);
            fprintf(file, ",\"backoff\":%d", ++backoffs);
            break;
        case SPAN_PROCESS:
            begin_span(file, rec, "processing", "process", start_ms, end_ms);
            break;
        }
        fputs("}}", file);
    }
    if (rec->spans_dropped > 0) {
        snprintf(name, sizeof name, "%d more steps, not kept", rec->spans_dropped);
        begin_span(file, rec, name, "not_kept", kept_end_ms, rec->attempt_start_ms);
        fprintf(file, ",\"steps\":%d}}", rec->spans_dropped);
        snprintf(name, sizeof name, "attempt %d", rec->attempts);
        begin_span(file, rec, name, "attempt", rec->attempt_start_ms, rec->end_ms);
        fprintf(file, ",\"attempt\":%d,\"result\":\"%s\"", rec->attempts,
                rec->state == TASK_COMPLETED ? "completed" : "failed");
        write_outcome(file, rec);
        fputs("}}", file);
    }
}

void trace_events_write(FILE *file, const struct run *run)
{
    const struct model *model = run->model;
    char process[256];

    /* The process's name says what ran, and on what threads. */
    snprintf(process, sizeof process, "%s %s: %s", model->name,
             workload_name(run->opts->workload), model->about);
    fprintf(file, "{\"displayTimeUnit\":\"ms\",\"otherData\":{\"model\":\"%s\","
            "\"workload\":\"%s\",\"count\":%zu,\"threads\":",
            model->name, workload_name(run->opts->workload), run->count);
    write_json_text(file, model->thread_kind != NULL
                    ? "each event's args.thread is the pool thread that ran it, from 1"
                    : "one thread runs every task: args.thread is 0");
    fprintf(file, "},\n\"traceEvents\":[\n{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":%ld,"
            "\"tid\":0,\"args\":{\"name\":", TRACE_PID);
    write_json_text(file, process);
    fputs("}}", file);
    for (size_t i = 0; i < run->count; i++)
        write_task(file, run, &run->records[i]);
    fputs("\n]}\n", file);
}

/* For file_write_output. */
static void write_run(FILE *file, const void *run)
{
    trace_events_write(file, run);
}

int trace_events_save(const char *path, const struct run *run)
{
    return file_write_output(path, write_run, run);
}
