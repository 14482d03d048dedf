/* test_record.c: unit tests of task records (client/record.c), the run
 * checksum (client/workload.c) and percentiles (client/summary.c).
 *
 * The retry policy, the state machine with its time stamps, the verbose
 * log's lines, and the trace CSV read back field by field. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "options.h"
#include "record.h"
#include "run.h"
#include "summary.h"
#include "task.h"
#include "workload.h"

/* A run with default-like options and one record per id; start is now. */
static void make_run(struct run *run, struct options *opts,
                     struct task_record *records, size_t count)
{
    memset(opts, 0, sizeof *opts);
    opts->count = (long)count;
    opts->retries = 2;
    opts->backoff_ms = 100;
    opts->latency_ms = -1;
    memset(run, 0, sizeof *run);
    run->opts = opts;
    run->records = records;
    run->count = count;
    run->start_ns = clock_now_ns();
    memset(records, 0, count * sizeof *records);
    for (size_t i = 0; i < count; i++)
        records[i].id = (long)i + 1;
}

/* ---- Backoff ---- */

static void test_backoff_schedule(void **state)
{
    (void)state;
    assert_int_equal(backoff_delay_ms(100, 0), 100);
    assert_int_equal(backoff_delay_ms(100, 1), 200);
    assert_int_equal(backoff_delay_ms(100, 2), 400);
    assert_int_equal(backoff_delay_ms(100, 5), 3200);
    assert_int_equal(backoff_delay_ms(1, 20), 1048576);
    /* Saturation at one hour, however large the attempt or the base. */
    assert_int_equal(backoff_delay_ms(100, 15), 3276800);
    assert_int_equal(backoff_delay_ms(100, 16), 3600000);
    assert_int_equal(backoff_delay_ms(100, 62), 3600000);
    assert_int_equal(backoff_delay_ms(100, 64), 3600000);
    assert_int_equal(backoff_delay_ms(100, 1000000), 3600000);
    assert_int_equal(backoff_delay_ms(3600000, 0), 3600000);
    assert_int_equal(backoff_delay_ms(3600000, 3), 3600000);
    assert_int_equal(backoff_delay_ms(2000000, 1), 3600000);
    /* No backoff means none, ever. */
    assert_int_equal(backoff_delay_ms(0, 0), 0);
    assert_int_equal(backoff_delay_ms(0, 50), 0);
}

static void test_record_backoff_follows_attempts(void **state)
{
    struct options opts;
    struct run run;
    struct task_record rec;

    (void)state;
    make_run(&run, &opts, &rec, 1);
    opts.backoff_ms = 50;
    rec.attempts = 1;
    assert_int_equal(record_backoff_ms(&run, &rec), 50);
    rec.attempts = 2;
    assert_int_equal(record_backoff_ms(&run, &rec), 100);
    rec.attempts = 4;
    assert_int_equal(record_backoff_ms(&run, &rec), 400);
    opts.backoff_ms = 0;
    assert_int_equal(record_backoff_ms(&run, &rec), 0);
}

/* ---- Retry rules ---- */

/* One failed attempt of rec with cause and status, as a model records it. */
static void fail_attempt(struct run *run, struct task_record *rec,
                         enum fail_cause cause, long status)
{
    record_attempt(run, rec);
    rec->http_status = status;
    record_attempt_failed(run, rec, cause, "cause %d", (int)cause);
}

static void test_should_retry_rules(void **state)
{
    struct options opts;
    struct run run;
    struct task_record rec;

    (void)state;
    make_run(&run, &opts, &rec, 1);
    opts.retries = 2;

    /* Retries left: attempts 1 and 2 may be retried, attempt 3 may not. */
    fail_attempt(&run, &rec, CAUSE_TIMEOUT, 0);
    assert_true(record_should_retry(&run, &rec));
    fail_attempt(&run, &rec, CAUSE_RESET, 0);
    assert_true(record_should_retry(&run, &rec));
    fail_attempt(&run, &rec, CAUSE_TIMEOUT, 0);
    assert_int_equal(rec.attempts, 3);
    assert_false(record_should_retry(&run, &rec));

    /* No retries at all. */
    make_run(&run, &opts, &rec, 1);
    opts.retries = 0;
    fail_attempt(&run, &rec, CAUSE_CONNECT, 0);
    assert_false(record_should_retry(&run, &rec));

    /* 4xx: the request is wrong, asking again cannot help; 5xx may pass. */
    static const long statuses[] = {400, 404, 429, 499};
    for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++) {
        make_run(&run, &opts, &rec, 1);
        fail_attempt(&run, &rec, CAUSE_STATUS, statuses[i]);
        assert_false(record_should_retry(&run, &rec));
    }
    static const long transient[] = {500, 502, 503, 399, 301};
    for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++) {
        make_run(&run, &opts, &rec, 1);
        fail_attempt(&run, &rec, CAUSE_STATUS, transient[i]);
        assert_true(record_should_retry(&run, &rec));
    }

    /* A cancelled task is never retried. */
    make_run(&run, &opts, &rec, 1);
    fail_attempt(&run, &rec, CAUSE_CANCELLED, 0);
    assert_false(record_should_retry(&run, &rec));

    /* Every other cause is transient. */
    for (int c = CAUSE_CONNECT; c < CAUSE_COUNT; c++) {
        if (c == CAUSE_CANCELLED || c == CAUSE_STATUS)
            continue;
        make_run(&run, &opts, &rec, 1);
        fail_attempt(&run, &rec, (enum fail_cause)c, 0);
        assert_true(record_should_retry(&run, &rec));
    }
}

/* ---- States and times ---- */

static void test_state_transitions(void **state)
{
    struct options opts;
    struct run run;
    struct task_record rec;
    double first_start;

    (void)state;
    make_run(&run, &opts, &rec, 1);
    assert_int_equal(rec.state, TASK_PENDING);

    record_attempt(&run, &rec);
    assert_int_equal(rec.state, TASK_RUNNING);
    assert_int_equal(rec.attempts, 1);
    assert_true(rec.start_ms >= 0);
    assert_true(rec.attempt_start_ms == rec.start_ms);
    first_start = rec.start_ms;

    rec.http_status = 503;
    record_attempt_failed(&run, &rec, CAUSE_STATUS, "HTTP %d from %s", 503, "server");
    assert_int_equal(rec.state, TASK_RUNNING);   /* the caller decides */
    assert_int_equal(rec.cause, CAUSE_STATUS);
    assert_string_equal(rec.error, "HTTP 503 from server");

    assert_int_equal(clock_sleep_ms(3, 0, NULL, NULL), 0);
    record_attempt(&run, &rec);
    assert_int_equal(rec.attempts, 2);
    assert_true(rec.start_ms == first_start);    /* the first attempt's */
    assert_true(rec.attempt_start_ms >= first_start + 3.0);
    assert_int_equal(rec.cause, CAUSE_NONE);     /* a new attempt, a clean slate */
    assert_string_equal(rec.error, "");
    assert_int_equal(rec.http_status, 0);

    assert_int_equal(clock_sleep_ms(2, 0, NULL, NULL), 0);
    rec.http_status = 200;
    record_complete(&run, &rec, 312, 0xabcdef);
    assert_int_equal(rec.state, TASK_COMPLETED);
    assert_int_equal(rec.bytes, 312);
    assert_int_equal(rec.checksum, 0xabcdef);
    assert_int_equal(rec.cause, CAUSE_NONE);
    assert_true(rec.end_ms >= rec.attempt_start_ms + 2.0);
    assert_int_equal(rec.http_status, 200);
}

static void test_give_up_and_cancel(void **state)
{
    struct options opts;
    struct run run;
    struct task_record recs[2];

    (void)state;
    make_run(&run, &opts, recs, 2);
    record_attempt(&run, &recs[0]);
    record_attempt_failed(&run, &recs[0], CAUSE_TIMEOUT, "Operation timed out after %d ms", 200);
    record_give_up(&run, &recs[0]);
    assert_int_equal(recs[0].state, TASK_FAILED);
    assert_int_equal(recs[0].cause, CAUSE_TIMEOUT);
    assert_string_equal(recs[0].error, "Operation timed out after 200 ms");
    assert_true(recs[0].end_ms >= recs[0].start_ms);
    assert_int_equal(recs[0].checksum, 0);

    /* A task that never started. */
    assert_int_equal(clock_sleep_ms(2, 0, NULL, NULL), 0);
    record_cancel(&run, &recs[1]);
    assert_int_equal(recs[1].state, TASK_FAILED);
    assert_int_equal(recs[1].cause, CAUSE_CANCELLED);
    assert_int_equal(recs[1].attempts, 0);
    assert_true(recs[1].start_ms >= 2.0);
    assert_true(recs[1].end_ms == recs[1].start_ms);
    assert_true(strlen(recs[1].error) > 0);
}

/* ---- Spans: the steps the charts draw ---- */

/* The span i of rec: its kind, and both ends set and in order. */
static void check_span(const struct task_record *rec, int i, enum span_kind kind)
{
    assert_true(i < rec->span_count);
    assert_int_equal(rec->span_kinds[i], kind);
    assert_true(rec->spans[i].start_ms >= 0);
    assert_true(rec->spans[i].end_ms >= rec->spans[i].start_ms);
}

/* Two attempts, the first failed and the second processed: attempt,
 * backoff, attempt, processing inside it; each span meets the next. */
static void test_spans_of_a_retry(void **state)
{
    struct options opts;
    struct run run;
    struct task_record rec;

    (void)state;
    make_run(&run, &opts, &rec, 1);
    opts.process_ms = 1;
    record_attempt(&run, &rec);
    record_attempt_failed(&run, &rec, CAUSE_STATUS, "HTTP 500");
    assert_true(record_should_retry(&run, &rec));
    assert_int_equal(record_backoff_ms(&run, &rec), 100);
    assert_int_equal(clock_sleep_ms(2, 0, NULL, NULL), 0);
    record_attempt(&run, &rec);
    record_process_begin(&run, &rec);
    assert_int_equal(clock_sleep_ms(2, 0, NULL, NULL), 0);
    record_process_end(&run, &rec);
    record_complete(&run, &rec, 10, 1);

    assert_int_equal(rec.span_count, 4);
    assert_int_equal(rec.spans_dropped, 0);
    check_span(&rec, 0, SPAN_ATTEMPT_FAILED);
    check_span(&rec, 1, SPAN_BACKOFF);
    check_span(&rec, 2, SPAN_ATTEMPT);
    check_span(&rec, 3, SPAN_PROCESS);
    assert_true(rec.spans[0].start_ms == (float)rec.start_ms);
    assert_true(rec.spans[1].start_ms >= rec.spans[0].end_ms);
    assert_true(rec.spans[1].end_ms - rec.spans[1].start_ms >= 2.0f);
    assert_true(rec.spans[2].start_ms == (float)rec.attempt_start_ms);
    assert_true(rec.spans[2].end_ms == (float)rec.end_ms);
    assert_true(rec.spans[3].start_ms >= rec.spans[2].start_ms);
    assert_true(rec.spans[3].end_ms - rec.spans[3].start_ms >= 2.0f);
    assert_true(rec.spans[3].end_ms <= rec.spans[2].end_ms);
}

/* No processing asked for: no processing span. A give-up and a cancel end
 * whatever is under way: the attempt and its processing, or the backoff. */
static void test_spans_ended_by_failure(void **state)
{
    struct options opts;
    struct run run;
    struct task_record recs[3];

    (void)state;
    make_run(&run, &opts, recs, 3);
    record_attempt(&run, &recs[0]);
    record_process_begin(&run, &recs[0]);
    record_process_end(&run, &recs[0]);
    record_complete(&run, &recs[0], 1, 1);
    assert_int_equal(recs[0].span_count, 1);
    check_span(&recs[0], 0, SPAN_ATTEMPT);

    opts.process_cpu_ms = 5;
    record_attempt(&run, &recs[1]);
    record_process_begin(&run, &recs[1]);
    record_attempt_failed(&run, &recs[1], CAUSE_CANCELLED, "cancelled while processing");
    record_give_up(&run, &recs[1]);
    assert_int_equal(recs[1].span_count, 2);
    check_span(&recs[1], 0, SPAN_ATTEMPT_FAILED);
    check_span(&recs[1], 1, SPAN_PROCESS);
    assert_true(recs[1].spans[1].end_ms == recs[1].spans[0].end_ms);

    /* Ctrl-C during a backoff. */
    record_attempt(&run, &recs[2]);
    record_attempt_failed(&run, &recs[2], CAUSE_RESET, "reset");
    (void)record_backoff_ms(&run, &recs[2]);
    record_cancel(&run, &recs[2]);
    assert_int_equal(recs[2].span_count, 2);
    check_span(&recs[2], 0, SPAN_ATTEMPT_FAILED);
    check_span(&recs[2], 1, SPAN_BACKOFF);
    assert_true(recs[2].spans[1].end_ms == (float)recs[2].end_ms);
}

/* Past RECORD_SPANS_MAX spans are counted, not kept; the last attempt's
 * times stay in attempt_start_ms and end_ms. */
static void test_spans_bounded(void **state)
{
    struct options opts;
    struct run run;
    struct task_record rec;

    (void)state;
    make_run(&run, &opts, &rec, 1);
    opts.retries = 10;
    for (int i = 0; i < 10; i++) {
        record_attempt(&run, &rec);
        record_attempt_failed(&run, &rec, CAUSE_TIMEOUT, "timeout");
        (void)record_backoff_ms(&run, &rec);
    }
    record_attempt(&run, &rec);
    record_complete(&run, &rec, 1, 1);
    assert_int_equal(rec.attempts, 11);
    assert_int_equal(rec.span_count, RECORD_SPANS_MAX);
    assert_int_equal(rec.spans_dropped, 21 - RECORD_SPANS_MAX);
    for (int i = 0; i < RECORD_SPANS_MAX; i++)
        check_span(&rec, i, i % 2 == 0 ? SPAN_ATTEMPT_FAILED : SPAN_BACKOFF);
}

static void test_error_truncated(void **state)
{
    struct options opts;
    struct run run;
    struct task_record rec;
    char why[RECORD_ERROR_MAX * 2];

    (void)state;
    make_run(&run, &opts, &rec, 1);
    memset(why, 'e', sizeof why - 1);
    why[sizeof why - 1] = '\0';
    record_attempt(&run, &rec);
    record_attempt_failed(&run, &rec, CAUSE_IO, "%s", why);
    assert_int_equal(strlen(rec.error), RECORD_ERROR_MAX - 1);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(task_state_name(TASK_PENDING), "pending");
    assert_string_equal(task_state_name(TASK_RUNNING), "running");
    assert_string_equal(task_state_name(TASK_COMPLETED), "completed");
    assert_string_equal(task_state_name(TASK_FAILED), "failed");
    assert_string_equal(fail_cause_name(CAUSE_TIMEOUT), "timeout");
    assert_string_equal(fail_cause_name(CAUSE_BAD_JSON), "bad_json");
    assert_string_equal(fail_cause_name((enum fail_cause)CAUSE_COUNT), "unknown");
    /* Every cause has its own name. */
    for (int a = 0; a < CAUSE_COUNT; a++)
        for (int b = a + 1; b < CAUSE_COUNT; b++)
            assert_string_not_equal(fail_cause_name((enum fail_cause)a),
                                    fail_cause_name((enum fail_cause)b));
}

/* ---- The verbose log ---- */

/* Runs a short story of events with --verbose and returns what went to
 * stderr (the caller frees it). stderr is pointed at a temporary file for
 * the duration; no assertion runs until it is back. */
static char *verbose_story(void)
{
    struct options opts;
    struct run run;
    struct task_record rec;
    FILE *log = tmpfile();
    int saved = dup(STDERR_FILENO);
    char *text;
    long len;

    assert_non_null(log);
    assert_true(saved >= 0);
    make_run(&run, &opts, &rec, 1);
    rec.id = 7;
    opts.verbose = true;
    opts.backoff_ms = 200;
    fflush(stderr);
    assert_true(dup2(fileno(log), STDERR_FILENO) >= 0);
    record_attempt(&run, &rec);
    record_attempt_failed(&run, &rec, CAUSE_TIMEOUT, "Operation timed out after 200 ms");
    (void)record_backoff_ms(&run, &rec);
    record_attempt(&run, &rec);
    record_complete(&run, &rec, 312, 1);
    record_attempt(&run, &rec);
    record_attempt_failed(&run, &rec, CAUSE_STATUS, "HTTP 404");
    record_give_up(&run, &rec);
    fflush(stderr);
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);

    assert_int_equal(fseek(log, 0, SEEK_END), 0);
    len = ftell(log);
    assert_true(len > 0);
    rewind(log);
    text = calloc(1, (size_t)len + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)len, log), (size_t)len);
    fclose(log);
    return text;
}

static void test_verbose_log(void **state)
{
    static const char *const events[] = {
        "] task 7: start (attempt 1)\n",
        "] task 7: retry in 200 ms after timeout: Operation timed out after 200 ms\n",
        "] task 7: start (attempt 2)\n",
        "] task 7: completed, 312 bytes\n",
        "] task 7: start (attempt 3)\n",
        "] task 7: failed (status): HTTP 404\n",
    };
    char *text = verbose_story();
    char *line = text;

    (void)state;
    for (size_t i = 0; i < sizeof events / sizeof events[0]; i++) {
        char *end = strchr(line, '\n');
        double ms;
        assert_non_null(end);
        /* "[  12.345 ms" : a fixed-width time with 3 decimals. */
        assert_int_equal(line[0], '[');
        assert_int_equal(sscanf(line, "[%lf ms]", &ms), 1);
        assert_true(ms >= 0 && ms < 10000);
        assert_memory_equal(line + 9, " ms", 3);
        assert_int_equal(line[5], '.');
        assert_memory_equal(line + 12, events[i], strlen(events[i]));
        line = end + 1;
    }
    assert_string_equal(line, "");   /* nothing more */
    free(text);
}

/* ---- The trace CSV ---- */

/* Splits one CSV line into at most max fields in place (quotes undone).
 * Returns the field count. */
static int csv_split(char *line, char **fields, int max)
{
    int n = 0;
    char *out = line, *in = line;

    while (n < max) {
        fields[n++] = out;
        if (*in == '"') {
            for (in++; !(in[0] == '"' && in[1] != '"'); in++) {
                if (in[0] == '"')
                    in++;   /* "" stands for one quote */
                *out++ = *in;
            }
            in++;
        } else {
            while (*in != ',' && *in != '\0')
                *out++ = *in++;
        }
        if (*in != ',') {
            *out = '\0';
            break;
        }
        *out++ = '\0';
        in++;
    }
    return n;
}

/* Reads the whole file at path into a NUL-terminated heap buffer. */
static char *read_all(const char *path)
{
    FILE *file = fopen(path, "r");
    char *text = calloc(1, 65536);
    size_t len;

    assert_non_null(file);
    assert_non_null(text);
    len = fread(text, 1, 65535, file);
    assert_true(len < 65535);
    fclose(file);
    return text;
}

static void test_csv_roundtrip(void **state)
{
    struct options opts;
    struct run run;
    struct task_record recs[2];
    char dir[] = "/tmp/test_record-XXXXXX";
    char path[256];
    char *fields[16];

    (void)state;
    make_run(&run, &opts, recs, 2);
    recs[0] = (struct task_record){
        .id = 1, .state = TASK_COMPLETED, .start_ms = 1.25, .attempt_start_ms = 2.5,
        .end_ms = 10.0625, .attempts = 2, .http_status = 200, .bytes = 312,
        .checksum = 0x00ab, .cause = CAUSE_NONE,
    };
    recs[1] = (struct task_record){
        .id = 2, .state = TASK_FAILED, .start_ms = 0, .attempt_start_ms = 0,
        .end_ms = 200.5, .attempts = 1, .http_status = 0, .bytes = 0,
        .checksum = 0, .cause = CAUSE_TIMEOUT,
    };
    snprintf(recs[1].error, sizeof recs[1].error, "said \"no\", then, closed");

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/trace.csv", dir);
    assert_int_equal(record_write_csv(path, recs, 2), 0);

    char *text = read_all(path);
    char *row1 = strchr(text, '\n') + 1;
    char *row2 = strchr(row1, '\n') + 1;
    row1[-1] = row2[-1] = '\0';
    assert_string_equal(text, "id,state,start_ms,attempt_start_ms,end_ms,attempts,"
                              "http_status,bytes,checksum,cause,error");
    assert_string_equal(row1, "1,completed,1.250,2.500,10.062,2,200,312,00000000000000ab,none,\"\"");
    assert_int_equal(row2[strlen(row2) - 1], '\n');
    row2[strlen(row2) - 1] = '\0';
    assert_int_equal(csv_split(row2, fields, 16), 11);
    assert_string_equal(fields[0], "2");
    assert_string_equal(fields[1], "failed");
    assert_string_equal(fields[4], "200.500");
    assert_string_equal(fields[8], "0000000000000000");
    assert_string_equal(fields[9], "timeout");
    assert_string_equal(fields[10], "said \"no\", then, closed");
    free(text);

    /* The temporary file was renamed away: the folder empties with the trace. */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_csv_failure(void **state)
{
    struct task_record rec = { .id = 1 };

    (void)state;
    errno = 0;
    assert_int_equal(record_write_csv("/nonexistent-dir/trace.csv", &rec, 1), -1);
    assert_int_equal(errno, ENOENT);
}

/* ---- The run checksum ---- */

static void test_checksum_run(void **state)
{
    struct task_record a[3] = {0}, b[3] = {0};
    uint64_t base;

    (void)state;
    for (int i = 0; i < 3; i++) {
        a[i].id = i + 1;
        a[i].state = TASK_COMPLETED;
        a[i].checksum = 0x1111u * (uint64_t)(i + 1);
        a[i].start_ms = i;       /* times are not part of the result */
    }
    memcpy(b, a, sizeof a);
    b[1].end_ms = 99;
    b[2].attempts = 4;
    base = checksum_run(a, 3);
    assert_int_equal(base, checksum_run(b, 3));

    b[1].checksum ^= 1;
    assert_int_not_equal(base, checksum_run(b, 3));
    b[1].checksum ^= 1;
    b[2].state = TASK_FAILED;
    assert_int_not_equal(base, checksum_run(b, 3));
    b[2].state = TASK_COMPLETED;
    b[0].id = 9;
    assert_int_not_equal(base, checksum_run(b, 3));
    b[0].id = 1;
    assert_int_equal(base, checksum_run(b, 3));

    /* Order and count matter. */
    assert_int_not_equal(base, checksum_run(a, 2));
    b[0] = a[1];
    b[1] = a[0];
    assert_int_not_equal(base, checksum_run(b, 3));
    assert_int_equal(checksum_run(NULL, 0), checksum_run(a, 0));
}

/* Many records cross checksum_run's internal chunk boundary. */
static void test_checksum_run_many(void **state)
{
    enum { N = 1000 };
    struct task_record *recs = calloc(N, sizeof *recs);
    uint64_t base;

    (void)state;
    assert_non_null(recs);
    for (int i = 0; i < N; i++) {
        recs[i].id = i + 1;
        recs[i].state = TASK_COMPLETED;
        recs[i].checksum = (uint64_t)i * 0x9e3779b97f4a7c15u;
    }
    base = checksum_run(recs, N);
    recs[N - 1].checksum++;
    assert_int_not_equal(base, checksum_run(recs, N));
    recs[N - 1].checksum--;
    recs[300].state = TASK_FAILED;
    assert_int_not_equal(base, checksum_run(recs, N));
    free(recs);
}

/* ---- Percentiles ---- */

static void test_percentile(void **state)
{
    static const double ten[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    static const double four[] = {10, 20, 30, 40};
    static const double one[] = {42};

    (void)state;
    assert_true(percentile(NULL, 0, 50) == 0.0);
    assert_true(percentile(one, 1, 0) == 42);
    assert_true(percentile(one, 1, 50) == 42);
    assert_true(percentile(one, 1, 100) == 42);

    assert_true(percentile(ten, 10, 0) == 1);
    assert_true(percentile(ten, 10, 10) == 1);
    assert_true(percentile(ten, 10, 11) == 2);
    assert_true(percentile(ten, 10, 50) == 5);
    assert_true(percentile(ten, 10, 90) == 9);
    assert_true(percentile(ten, 10, 99) == 10);
    assert_true(percentile(ten, 10, 100) == 10);

    /* Nearest rank: ceil(p/100 * n), no interpolation. */
    assert_true(percentile(four, 4, 25) == 10);
    assert_true(percentile(four, 4, 26) == 20);
    assert_true(percentile(four, 4, 50) == 20);
    assert_true(percentile(four, 4, 75) == 30);
    assert_true(percentile(four, 4, 76) == 40);
}

/* ---- Cancellation: last, since it cannot be undone ---- */

static void test_should_retry_cancelled(void **state)
{
    struct options opts;
    struct run run;
    struct task_record rec;

    (void)state;
    make_run(&run, &opts, &rec, 1);
    fail_attempt(&run, &rec, CAUSE_TIMEOUT, 0);
    assert_true(record_should_retry(&run, &rec));
    run_cancel();
    assert_false(record_should_retry(&run, &rec));
    /* A blocking task's sleep sees the cancellation and returns at once. */
    uint64_t start_ns = clock_now_ns();
    assert_int_equal(blocking_waits.sleep_ms(NULL, 1000), -ECANCELED);
    assert_true(clock_elapsed_ms(start_ns) < 500.0);
}

int main(void)
{
    program_set_name("test_record");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff_schedule),
        cmocka_unit_test(test_record_backoff_follows_attempts),
        cmocka_unit_test(test_should_retry_rules),
        cmocka_unit_test(test_state_transitions),
        cmocka_unit_test(test_give_up_and_cancel),
        cmocka_unit_test(test_spans_of_a_retry),
        cmocka_unit_test(test_spans_ended_by_failure),
        cmocka_unit_test(test_spans_bounded),
        cmocka_unit_test(test_error_truncated),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_verbose_log),
        cmocka_unit_test(test_csv_roundtrip),
        cmocka_unit_test(test_csv_failure),
        cmocka_unit_test(test_checksum_run),
        cmocka_unit_test(test_checksum_run_many),
        cmocka_unit_test(test_percentile),
        cmocka_unit_test(test_should_retry_cancelled),   /* keep last */
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
