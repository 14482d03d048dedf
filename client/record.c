/* record.c: what happened to each task, the verbose log and the trace file.
 *
 * The models report every step of a task through these functions, which
 * stamp the times and write the --verbose line, so every model's program
 * measures and logs in exactly the same way. A record belongs to the one
 * thread running its task; the log lines are whole fprintf calls, which
 * stdio locks, so lines from several threads never mix. */
#include "record.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "fsutil.h"
#include "run.h"

#define BACKOFF_MAX_MS WAIT_MAX_MS  /* the longest wait any option sets (bounds.h) */
#define PROGRESS_EVERY_NS 1000000000u  /* at most one progress line a second */

static const char *const state_names[] = {
    [TASK_PENDING] = "pending",
    [TASK_RUNNING] = "running",
    [TASK_COMPLETED] = "completed",
    [TASK_FAILED] = "failed",
};

static const char *const cause_names[CAUSE_COUNT] = {
    [CAUSE_NONE] = "none",
    [CAUSE_CONNECT] = "connect",
    [CAUSE_TIMEOUT] = "timeout",
    [CAUSE_STATUS] = "status",
    [CAUSE_RESET] = "reset",
    [CAUSE_TRUNCATED] = "truncated",
    [CAUSE_BAD_JSON] = "bad_json",
    [CAUSE_MISMATCH] = "mismatch",
    [CAUSE_IO] = "io",
    [CAUSE_CANCELLED] = "cancelled",
};

const char *task_state_name(enum task_state state)
{
    if ((size_t)state >= sizeof state_names / sizeof state_names[0])
        return "unknown";
    return state_names[state];
}

const char *fail_cause_name(enum fail_cause cause)
{
    if ((size_t)cause >= CAUSE_COUNT)
        return "unknown";
    return cause_names[cause];
}

const char *record_state_name(const struct task_record *rec)
{
    return rec->cached ? "cached" : task_state_name(rec->state);
}

static void log_event(const struct run *run, const struct task_record *rec,
                      const char *format, ...) __attribute__((format(printf, 3, 4)));

/* Under --verbose, writes "[  12.345 ms] task 7: EVENT" to stderr in one
 * fprintf. A failure to write the log is not worth stopping a run for. */
static void log_event(const struct run *run, const struct task_record *rec,
                      const char *format, ...)
{
    char event[RECORD_ERROR_MAX + 64];
    va_list args;

    if (!run->opts->verbose)
        return;
    va_start(args, format);
    vsnprintf(event, sizeof event, format, args);
    va_end(args);
    fprintf(stderr, "[%8.3f ms] task %ld: %s\n",
            clock_elapsed_ms(run->start_ns), rec->id, event);
}

/* ---- Progress for people ---- */

/* Tasks that have ended, and when the next progress line may be printed.
 * Atomic because tasks end on any thread of the pool; there is no progress
 * thread, so the libuv model stays one thread. One run per process. */
static atomic_long tasks_ended, tasks_failed;
static atomic_uint_fast64_t progress_due_ns;

/* Called as each task ends. On a terminal, at most once a second, writes
 * "sync: 37 of 100 tasks done, 2 failed, 7.4 s" to stderr (done counts the
 * tasks taken from the cache). Silent under
 * --quiet, under --verbose (which logs every event), when stderr is not a
 * terminal (scripts read the summary), and for the last task (the summary
 * follows at once). */
static void note_task_ended(const struct run *run, bool failed)
{
    long ended = atomic_fetch_add(&tasks_ended, 1) + 1;
    long nfailed = failed ? atomic_fetch_add(&tasks_failed, 1) + 1 : atomic_load(&tasks_failed);
    uint64_t now_ns = clock_now_ns();
    uint_fast64_t seen = atomic_load(&progress_due_ns);   /* 0: no line yet */
    uint64_t due_ns = seen != 0 ? seen : run->start_ns + PROGRESS_EVERY_NS;

    if (now_ns < due_ns || (size_t)ended + run->cached == run->count || run->opts->quiet ||
        run->opts->verbose || !isatty(STDERR_FILENO))
        return;
    /* Of the threads that find the line due, the one whose exchange
     * succeeds prints it. */
    if (!atomic_compare_exchange_strong(&progress_due_ns, &seen, now_ns + PROGRESS_EVERY_NS))
        return;
    fprintf(stderr, "%s: %ld of %zu tasks done, %ld failed, %.1f s\n", program_name(),
            ended + (long)run->cached, run->count, nfailed,
            clock_elapsed_ms(run->start_ns) / 1000);
}

bool record_is_done(const struct task_record *rec)
{
    return rec->state == TASK_COMPLETED || rec->state == TASK_FAILED;
}

void record_take_cached(struct run *run, struct task_record *rec,
                        uint64_t bytes, uint64_t checksum)
{
    /* No log line and no progress: the run has not begun (start_ns is not
     * set yet); the summary counts these as cached. */
    rec->state = TASK_COMPLETED;
    rec->cached = true;
    rec->bytes = bytes;
    rec->checksum = checksum;
    rec->cause = CAUSE_NONE;
    rec->error[0] = '\0';
    run->cached++;
}

/* ---- Spans: the steps the charts draw ---- */

/* Begins a span of kind at now_ms, or counts it when the record is full. */
static void span_begin(struct task_record *rec, enum span_kind kind, double now_ms)
{
    if (rec->span_count == RECORD_SPANS_MAX) {
        rec->spans_dropped++;
        return;
    }
    rec->span_kinds[rec->span_count] = (unsigned char)kind;
    rec->spans[rec->span_count++] = (struct record_span){ (float)now_ms, -1.0f };
}

/* Ends, at now_ms, every span still under way whose kind is in the mask
 * (1 << kind): an attempt's end ends its processing too. An attempt ended
 * by failure becomes SPAN_ATTEMPT_FAILED. */
static void spans_end(struct task_record *rec, unsigned kinds, bool failed, double now_ms)
{
    for (int i = 0; i < rec->span_count; i++) {
        if (rec->spans[i].end_ms >= 0 || !(kinds & (1u << rec->span_kinds[i])))
            continue;
        rec->spans[i].end_ms = (float)now_ms;
        if (failed && rec->span_kinds[i] == SPAN_ATTEMPT)
            rec->span_kinds[i] = SPAN_ATTEMPT_FAILED;
    }
}

#define SPANS_ALL ((1u << SPAN_ATTEMPT) | (1u << SPAN_BACKOFF) | (1u << SPAN_PROCESS))

void record_process_begin(struct run *run, struct task_record *rec)
{
    if (run->opts->process_ms > 0 || run->opts->process_cpu_ms > 0) {
        span_begin(rec, SPAN_PROCESS, clock_elapsed_ms(run->start_ns));
        log_event(run, rec, "processing");
    }
}

void record_process_end(struct run *run, struct task_record *rec)
{
    if (run->opts->process_ms > 0 || run->opts->process_cpu_ms > 0)
        spans_end(rec, 1u << SPAN_PROCESS, false, clock_elapsed_ms(run->start_ns));
}

/* ---- A task's life ---- */

void record_attempt(struct run *run, struct task_record *rec)
{
    double now_ms = clock_elapsed_ms(run->start_ns);

    spans_end(rec, 1u << SPAN_BACKOFF, false, now_ms);
    span_begin(rec, SPAN_ATTEMPT, now_ms);
    if (rec->attempts == 0)
        rec->start_ms = now_ms;
    rec->attempt_start_ms = now_ms;
    rec->attempts++;
    rec->state = TASK_RUNNING;
    /* The status and the cause describe the latest attempt only. */
    rec->http_status = 0;
    rec->cause = CAUSE_NONE;
    rec->error[0] = '\0';
    log_event(run, rec, "start (attempt %d)", rec->attempts);
}

void record_complete(struct run *run, struct task_record *rec,
                     uint64_t bytes, uint64_t checksum)
{
    rec->end_ms = clock_elapsed_ms(run->start_ns);
    spans_end(rec, SPANS_ALL, false, rec->end_ms);
    rec->state = TASK_COMPLETED;
    rec->bytes = bytes;
    rec->checksum = checksum;
    rec->cause = CAUSE_NONE;
    rec->error[0] = '\0';
    log_event(run, rec, "completed, %" PRIu64 " bytes", bytes);
    note_task_ended(run, false);
}

void record_attempt_failed(struct run *run, struct task_record *rec,
                           enum fail_cause cause, const char *why, ...)
{
    va_list args;

    /* Ends the attempt, or a backoff that Ctrl-C cut short. */
    spans_end(rec, SPANS_ALL, true, clock_elapsed_ms(run->start_ns));
    rec->cause = cause;
    va_start(args, why);
    vsnprintf(rec->error, sizeof rec->error, why, args);
    va_end(args);
}

int record_should_retry(const struct run *run, const struct task_record *rec)
{
    if (rec->attempts > run->opts->retries || run_cancelled())
        return 0;
    if (rec->cause == CAUSE_CANCELLED)
        return 0;
    /* A 4xx says the request itself is wrong: asking again cannot help. */
    if (rec->cause == CAUSE_STATUS && rec->http_status >= 400 && rec->http_status < 500)
        return 0;
    return 1;
}

long backoff_delay_ms(long backoff_ms, int attempt)
{
    long delay_ms = backoff_ms < BACKOFF_MAX_MS ? backoff_ms : BACKOFF_MAX_MS;

    if (delay_ms <= 0)
        return 0;
    /* Doubling stops at the cap, so a huge attempt number costs nothing
     * and the product never overflows. */
    for (int i = 0; i < attempt && delay_ms < BACKOFF_MAX_MS; i++)
        delay_ms = delay_ms > BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : delay_ms * 2;
    return delay_ms;
}

long record_backoff_ms(const struct run *run, struct task_record *rec)
{
    long delay_ms = backoff_delay_ms(run->opts->backoff_ms, rec->attempts - 1);

    span_begin(rec, SPAN_BACKOFF, clock_elapsed_ms(run->start_ns));
    log_event(run, rec, "retry in %ld ms after %s: %s",
              delay_ms, fail_cause_name(rec->cause), rec->error);
    return delay_ms;
}

void record_give_up(struct run *run, struct task_record *rec)
{
    rec->end_ms = clock_elapsed_ms(run->start_ns);
    spans_end(rec, SPANS_ALL, true, rec->end_ms);
    rec->state = TASK_FAILED;
    rec->checksum = 0;
    log_event(run, rec, "failed (%s): %s", fail_cause_name(rec->cause), rec->error);
    note_task_ended(run, true);
}

void record_cancel(struct run *run, struct task_record *rec)
{
    double now_ms = clock_elapsed_ms(run->start_ns);

    /* A task that never started gets all three times equal to now, so it
     * counts for nothing in the durations. */
    if (rec->attempts == 0) {
        rec->start_ms = now_ms;
        rec->attempt_start_ms = now_ms;
    }
    rec->end_ms = now_ms;
    spans_end(rec, SPANS_ALL, true, now_ms);
    rec->state = TASK_FAILED;
    rec->checksum = 0;
    rec->cause = CAUSE_CANCELLED;
    snprintf(rec->error, sizeof rec->error, "cancelled before it %s",
             rec->attempts == 0 ? "started" : "finished");
    log_event(run, rec, "cancelled");
    note_task_ended(run, true);
}

/* ---- The trace ---- */

/* Writes text as one CSV field: in quotes, each quote doubled. */
static void write_csv_text(FILE *file, const char *text)
{
    putc('"', file);
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"')
            putc('"', file);
        putc(*p, file);
    }
    putc('"', file);
}

static void write_csv_row(FILE *file, const struct task_record *rec)
{
    fprintf(file, "%ld,%s,%.3f,%.3f,%.3f,%d,%ld,%" PRIu64 ",%016" PRIx64 ",%s,",
            rec->id, record_state_name(rec), rec->start_ms,
            rec->attempt_start_ms, rec->end_ms, rec->attempts, rec->http_status,
            rec->bytes, rec->checksum, fail_cause_name(rec->cause));
    write_csv_text(file, rec->error);
    putc('\n', file);
}

/* The records to write, for file_write_output. */
struct csv_rows {
    const struct task_record *records;
    size_t count;
};

/* Writes the whole trace into an open file; stdio remembers any write
 * error, which file_write_output checks. */
static void write_csv(FILE *file, const void *arg)
{
    const struct csv_rows *rows = arg;

    fputs("id,state,start_ms,attempt_start_ms,end_ms,attempts,http_status,"
          "bytes,checksum,cause,error\n", file);
    for (size_t i = 0; i < rows->count; i++)
        write_csv_row(file, &rows->records[i]);
}

int record_write_csv(const char *path, const struct task_record *records, size_t count)
{
    struct csv_rows rows = { records, count };

    return file_write_output(path, write_csv, &rows);
}
