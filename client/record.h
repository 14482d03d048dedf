/* record.h: what happened to each task, and the trace file.
 *
 * Every model fills the same records the same way, through these functions,
 * so the summary, the trace and the verbose log cannot differ between
 * models. A record is written by one thread at a time (the one running its
 * task), so records need no locks. */
#ifndef RECORD_H
#define RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct run;

enum task_state { TASK_PENDING, TASK_RUNNING, TASK_COMPLETED, TASK_FAILED };

/* Why a task failed. Counted by cause in the summary. */
enum fail_cause {
    CAUSE_NONE,
    CAUSE_CONNECT,    /* could not connect, resolve or send */
    CAUSE_TIMEOUT,    /* no complete answer within --timeout-ms */
    CAUSE_STATUS,     /* an HTTP status other than 200 */
    CAUSE_RESET,      /* the connection closed with no (complete) response */
    CAUSE_TRUNCATED,  /* a body shorter than its Content-Length */
    CAUSE_BAD_JSON,   /* the item's body is not the JSON expected */
    CAUSE_MISMATCH,   /* wrong id, size or bytes */
    CAUSE_IO,         /* a local operation failed: a file's, or memory */
    CAUSE_CANCELLED,  /* stopped by Ctrl-C, SIGTERM or SIGHUP */
    CAUSE_COUNT
};

#define RECORD_ERROR_MAX 160

/* The steps of a task that the charts draw (--timeline, --trace-events).
 * A record keeps its first RECORD_SPANS_MAX spans: three attempts, each
 * with its processing, and the two backoffs between them. Past that the
 * spans are counted in spans_dropped and not kept, so that a record stays
 * small (a million of them may exist); the last attempt can still be drawn
 * from attempt_start_ms and end_ms. */
#define RECORD_SPANS_MAX 8

enum span_kind {
    SPAN_ATTEMPT,          /* an attempt that succeeded, or has not ended */
    SPAN_ATTEMPT_FAILED,   /* an attempt that failed */
    SPAN_BACKOFF,          /* the wait before a retry */
    SPAN_PROCESS,          /* fetch: processing the checked item, inside its attempt */
};

/* One step, in ms since the run's start. A float keeps a record small and
 * is within a microsecond for the first quarter hour of a run, within
 * 0.25 ms after an hour. */
struct record_span {
    float start_ms;
    float end_ms;          /* < 0 while the step is under way */
};

struct task_record {
    long id;                   /* 1..count; the task's item, blob, file or dish */
    enum task_state state;
    double intended_ms;        /* when it was meant to start (--rate; run.h), ms since
                                * run start: 0 without --rate. start_ms >= it */
    double start_ms;           /* first attempt began, ms since run start */
    double attempt_start_ms;   /* last attempt began (retries make it > start_ms) */
    double end_ms;             /* completed or finally failed */
    int attempts;              /* attempts made, 1 + retries used */
    long http_status;          /* last HTTP status seen; 0 if none */
    uint64_t bytes;            /* payload bytes of the successful attempt */
    uint64_t checksum;         /* the task's result (workload.h); 0 unless completed */
    enum fail_cause cause;     /* the last attempt's failure; CAUSE_NONE if completed */
    int thread;                /* which thread ran it, set by the model: 1..T a thread of
                                * the pool (model->thread_kind says so); 0 the one thread
                                * that runs every task (sync's, or a loop's) */
    int spans_dropped;         /* spans past RECORD_SPANS_MAX, not kept */
    unsigned char span_count;  /* spans[0..span_count) are kept, in the order begun */
    unsigned char span_kinds[RECORD_SPANS_MAX];   /* enum span_kind of each */
    struct record_span spans[RECORD_SPANS_MAX];
    bool cached;               /* completed by an earlier run (--cache): never started */
    char error[RECORD_ERROR_MAX];
};

/* True when the record already has its result, before any model has run
 * it: a task taken from the cache. Every model skips such a record, in the
 * one loop where it starts tasks (sync's loop, the pool's submission, the
 * window's fill). */
bool record_is_done(const struct task_record *rec);

/* The task's result comes from the cache (cache.c), before the run starts:
 * completed, with the bytes and checksum an earlier run recorded, no
 * attempt, all times 0; counted in run->cached. */
void record_take_cached(struct run *run, struct task_record *rec,
                        uint64_t bytes, uint64_t checksum);

/* Every function below that changes a record also stamps its spans: an
 * attempt from record_attempt to its success or failure, a backoff from
 * record_backoff_ms to the next attempt (or the task's end), processing
 * from record_process_begin to record_process_end (or the attempt's end). */

/* Marks an attempt as begun: running, attempts + 1, times stamped. */
void record_attempt(struct run *run, struct task_record *rec);

/* The attempt succeeded: completed, with its bytes and result checksum. */
void record_complete(struct run *run, struct task_record *rec,
                     uint64_t bytes, uint64_t checksum);

/* The attempt failed for cause; why is printf-style. The task stays running
 * (state TASK_RUNNING) so the caller can decide on a retry with
 * record_should_retry(); it calls record_give_up() when it will not. */
void record_attempt_failed(struct run *run, struct task_record *rec,
                           enum fail_cause cause, const char *why, ...)
    __attribute__((format(printf, 4, 5)));

/* True when the failed attempt may be retried: retries are left, the run
 * is not cancelled, and the cause is transient (not cancelled, not a 4xx). */
int record_should_retry(const struct run *run, const struct task_record *rec);

/* How long to wait before the next attempt: backoff_ms * 2^(attempts - 1).
 * Call it once per retry, when record_should_retry() said yes: under
 * --verbose it logs "retry in N ms after CAUSE: why". The backoff's span
 * begins here. (record_attempt_failed
 * logs nothing; the retry or record_give_up that follows does.) */
long record_backoff_ms(const struct run *run, struct task_record *rec);

/* fetch: the checked item's processing begins (under --verbose it logs
 * "processing"), and ends. Neither does anything when the run has none to
 * do (--process-ms and --process-cpu-ms both 0): there is no step to draw. */
void record_process_begin(struct run *run, struct task_record *rec);
void record_process_end(struct run *run, struct task_record *rec);

/* Gives up: the task is failed with its last attempt's cause and error. */
void record_give_up(struct run *run, struct task_record *rec);

/* A task that never got to start because the run was cancelled. */
void record_cancel(struct run *run, struct task_record *rec);

/* backoff_ms * 2^attempt, saturating at one hour. attempt counts from 0. */
long backoff_delay_ms(long backoff_ms, int attempt);

const char *task_state_name(enum task_state state);
/* The state as the trace writes it: "cached" for a record taken from the
 * cache, else task_state_name(). */
const char *record_state_name(const struct task_record *rec);
const char *fail_cause_name(enum fail_cause cause); /* "timeout", ... */

/* Writes every record as CSV with a header line to path, through a temporary
 * file renamed into place, so a reader never sees half a trace. 0 or -1
 * (with errno set). */
int record_write_csv(const char *path, const struct task_record *records, size_t count);

#endif
