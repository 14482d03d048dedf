/* test_summary.c: unit tests of the run summary (client/summary.c).
 *
 * The arithmetic over a small set of records, the JSON object read back
 * with cJSON, the rows of the table people read, and a summary that its
 * stream does not take, said to the caller. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "options.h"
#include "record.h"
#include "run.h"
#include "summary.h"
#include "workload.h"

/* The model the summary names: the summary reads only its name. */
static const struct model summarised = { .name = "test_summary" };

/* Four tasks: two completed (one after two retries), one timed out after
 * a retry, one cancelled before it started. */
static struct task_record records[4];
static struct options opts;
static struct run run;

static int make_run(void **state)
{
    (void)state;
    memset(&opts, 0, sizeof opts);
    opts.workload = WORKLOAD_DOWNLOAD;
    opts.latency_ms = 5;
    opts.size_bytes = 2048;
    memset(&run, 0, sizeof run);
    run.opts = &opts;
    run.model = &summarised;
    run.records = records;
    run.count = 4;
    run.start_ns = clock_now_ns();
    records[0] = (struct task_record){ .id = 1, .state = TASK_COMPLETED, .start_ms = 0,
        .end_ms = 10, .attempts = 1, .bytes = 100, .checksum = 11 };
    records[1] = (struct task_record){ .id = 2, .state = TASK_COMPLETED, .start_ms = 5,
        .end_ms = 25, .attempts = 3, .bytes = 50, .checksum = 22 };
    records[2] = (struct task_record){ .id = 3, .state = TASK_FAILED, .start_ms = 1,
        .end_ms = 31, .attempts = 2, .bytes = 7, .cause = CAUSE_TIMEOUT };
    records[3] = (struct task_record){ .id = 4, .state = TASK_FAILED, .start_ms = 40,
        .end_ms = 40, .attempts = 0, .cause = CAUSE_CANCELLED };
    return 0;
}

static void test_compute(void **state)
{
    struct summary sum;

    (void)state;
    assert_int_equal(clock_sleep_ms(2, 0, NULL, NULL), 0);
    summary_compute(&run, &sum);
    assert_int_equal(sum.count, 4);
    assert_int_equal(sum.ok, 2);
    assert_int_equal(sum.failed, 2);
    assert_int_equal(sum.failures[CAUSE_TIMEOUT], 1);
    assert_int_equal(sum.failures[CAUSE_CANCELLED], 1);
    assert_int_equal(sum.failures[CAUSE_CONNECT], 0);
    assert_int_equal(sum.failures[CAUSE_NONE], 0);
    assert_int_equal(sum.retries, 3);
    assert_int_equal(sum.bytes, 150);               /* completed tasks only */
    assert_true(sum.wall_ms >= 2.0);
    assert_true(sum.user_ms >= 0 && sum.sys_ms >= 0);
    assert_true(sum.max_rss_kb > 0);
    /* Durations of the three that ran: 10, 20, 30. */
    assert_true(sum.p50_ms == 20);
    assert_true(sum.p90_ms == 30);
    assert_true(sum.p99_ms == 30);
    assert_true(sum.max_ms == 30);
    assert_int_equal(sum.checksum, checksum_run(records, 4));
    assert_int_equal(sum.cancelled, 0);
}

/* --rate 100 on the same records: intended at 0, 10, 20, 30 ms. Task 1
 * starts on time; task 2 at 5 ms, before its 10 (a record no model makes:
 * the sums take it as it stands); task 3 at 39 ms, 19 ms late; task 4 never
 * started and counts in none. */
static void test_compute_from_intended(void **state)
{
    struct summary sum;

    (void)state;
    opts.rate = 100;
    for (size_t i = 0; i < 4; i++)
        records[i].intended_ms = run_intended_start_ms(&run, i);
    records[2].start_ms = 39;                   /* 19 ms after its 20 */
    records[2].end_ms = 49;
    summary_compute(&run, &sum);
    /* Durations 10, 20, 10; from intended 10, 15, 29; late 0, -5, 19. */
    assert_true(sum.p50_ms == 10 && sum.max_ms == 20);
    assert_true(sum.from_intended_p50_ms == 15);
    assert_true(sum.from_intended_p99_ms == 29 && sum.from_intended_max_ms == 29);
    assert_true(sum.start_late_p50_ms == 0);
    assert_true(sum.start_late_p99_ms == 19 && sum.start_late_max_ms == 19);
}

static void test_compute_empty(void **state)
{
    struct summary sum;

    (void)state;
    run.count = 0;
    summary_compute(&run, &sum);
    assert_int_equal(sum.count, 0);
    assert_int_equal(sum.ok + sum.failed, 0);
    assert_true(sum.p50_ms == 0 && sum.max_ms == 0);
}

/* One known value of percentile(): p of the n sorted values is expected. */
struct percentile_case {
    double p, expected;
    size_t n;
    const double *sorted;
};

#define PERCENTILE_CASE(p, expected, ...)                                   \
    { (p), (expected), sizeof((const double[]){ __VA_ARGS__ }) / sizeof(double), \
      (const double[]){ __VA_ARGS__ } },
static const struct percentile_case percentile_cases[] = {
#include "percentile_cases.h"
};
#undef PERCENTILE_CASE

/* The nearest-rank percentile against the cases that tests/python/test_peer.py
 * also holds peers/python_asyncio to; and no values at all give 0. */
static void test_percentile(void **state)
{
    size_t count = sizeof percentile_cases / sizeof percentile_cases[0];

    (void)state;
    assert_true(count >= 20);
    for (size_t i = 0; i < count; i++) {
        const struct percentile_case *c = &percentile_cases[i];
        double got = percentile(c->sorted, c->n, c->p);

        if (got != c->expected)
            print_error("case %zu: p%g of %zu values: got %g, expected %g\n",
                        i + 1, c->p, c->n, got, c->expected);
        assert_true(got == c->expected);
    }
    assert_true(percentile(NULL, 0, 50) == 0.0);
}

/* Prints with print into a memory buffer; returns it (caller frees). */
static char *capture(int (*print)(FILE *, const struct run *, const struct summary *),
                     const struct summary *sum)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    assert_non_null(out);
    assert_int_equal(print(out, &run, sum), 0);
    assert_int_equal(fclose(out), 0);
    return text;
}

static double number(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

    if (!cJSON_IsNumber(item))
        print_error("no number \"%s\"\n", key);
    assert_true(cJSON_IsNumber(item));
    return item->valuedouble;
}

static const char *string(const cJSON *obj, const char *key)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);

    assert_true(cJSON_IsString(item));
    return item->valuestring;
}

static void test_json(void **state)
{
    struct summary sum;
    char checksum[17];
    char *text;
    cJSON *root, *failures, *versions;

    (void)state;
    run.concurrency = 8;
    run.fact_count = 0;
    run.library_count = 0;
    run_add_fact(&run, "pool_threads", 100);
    run_add_fact(&run, "stack_kb", 256);
    run_add_library(&run, "libuv", "1.44.2");
    summary_compute(&run, &sum);
    text = capture(summary_print_json, &sum);
    /* One line, ending in a newline. */
    assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
    root = cJSON_Parse(text);
    assert_non_null(root);
    assert_string_equal(string(root, "model"), "test_summary");
    assert_string_equal(string(root, "workload"), "download");
    assert_true(number(root, "count") == 4);
    assert_true(number(root, "ok") == 2);
    assert_true(number(root, "failed") == 2);
    assert_true(number(root, "retries") == 3);
    assert_true(number(root, "bytes") == 150);
    assert_true(number(root, "wall_ms") >= 0);
    assert_true(number(root, "user_ms") >= 0);
    assert_true(number(root, "sys_ms") >= 0);
    assert_true(number(root, "max_rss_kb") > 0);
    assert_true(number(root, "p50_ms") == 20);
    assert_true(number(root, "p90_ms") == 30);
    assert_true(number(root, "p99_ms") == 30);
    assert_true(number(root, "max_ms") == 30);
    assert_true(number(root, "latency_ms") == 5);
    assert_true(number(root, "concurrency") == 8);
    assert_true(number(root, "pool_threads") == 100);   /* the model's facts, by key */
    assert_true(number(root, "stack_kb") == 256);
    assert_true(number(root, "size_bytes") == 2048);
    assert_string_equal(string(root, "verify"), "content");   /* fetch and download only */
    assert_true(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(root, "cancelled")));
    snprintf(checksum, sizeof checksum, "%016" PRIx64, sum.checksum);
    assert_string_equal(string(root, "checksum"), checksum);

    failures = cJSON_GetObjectItemCaseSensitive(root, "failures");
    assert_true(cJSON_IsObject(failures));
    assert_int_equal(cJSON_GetArraySize(failures), CAUSE_COUNT - 1);   /* every cause */
    assert_true(number(failures, "timeout") == 1);
    assert_true(number(failures, "cancelled") == 1);
    assert_true(number(failures, "connect") == 0);
    assert_true(number(failures, "bad_json") == 0);

    versions = cJSON_GetObjectItemCaseSensitive(root, "versions");
    assert_true(cJSON_IsObject(versions));
    assert_int_equal(strncmp(string(versions, "libcurl"), "7.", 2), 0);
    assert_string_equal(string(versions, "cjson"), cJSON_Version());
    assert_string_equal(string(versions, "libuv"), "1.44.2");
    cJSON_Delete(root);
    free(text);

    /* Without facts or libraries, no such keys: absent, not zero. */
    run.fact_count = 0;
    run.library_count = 0;
    text = capture(summary_print_json, &sum);
    root = cJSON_Parse(text);
    assert_non_null(root);
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "pool_threads"));
    versions = cJSON_GetObjectItemCaseSensitive(root, "versions");
    assert_null(cJSON_GetObjectItemCaseSensitive(versions, "libuv"));
    cJSON_Delete(root);
    free(text);
}

/* The value column of the row labelled label, or NULL. */
static const char *row_value(const char *text, const char *label)
{
    char key[64];
    const char *line;

    snprintf(key, sizeof key, "\n  %s ", label);
    line = strstr(text, key);
    if (line == NULL && strncmp(text, key + 1, strlen(key + 1)) == 0)
        line = text - 1;
    if (line == NULL)
        return NULL;
    line += strlen(key);
    while (*line == ' ')
        line++;
    return line;
}

static void test_human(void **state)
{
    struct summary sum;
    char checksum[17];
    char *text;

    (void)state;
    run.concurrency = 8;
    run.fact_count = 0;
    run.library_count = 0;
    run_add_fact(&run, "uv_threadpool", 4);
    summary_compute(&run, &sum);
    text = capture(summary_print_human, &sum);
    assert_int_equal(strncmp(row_value(text, "model"), "test_summary\n", 13), 0);
    assert_int_equal(strncmp(row_value(text, "workload"), "download\n", 9), 0);
    assert_int_equal(strncmp(row_value(text, "tasks"), "4\n", 2), 0);
    assert_int_equal(strncmp(row_value(text, "completed"), "2\n", 2), 0);
    assert_int_equal(strncmp(row_value(text, "failed"), "2\n", 2), 0);
    assert_int_equal(strncmp(row_value(text, "  timeout"), "1\n", 2), 0);
    assert_int_equal(strncmp(row_value(text, "  cancelled"), "1\n", 2), 0);
    assert_null(row_value(text, "  connect"));     /* zero causes are left out */
    assert_int_equal(strncmp(row_value(text, "retries"), "3\n", 2), 0);
    assert_int_equal(strncmp(row_value(text, "bytes"), "150\n", 4), 0);
    assert_non_null(strstr(row_value(text, "wall time"), " ms ("));
    assert_int_equal(strncmp(row_value(text, "task p50"), "20.000 ms\n", 10), 0);
    assert_int_equal(strncmp(row_value(text, "task max"), "30.000 ms\n", 10), 0);
    assert_int_equal(strncmp(row_value(text, "concurrency"), "8\n", 2), 0);
    assert_int_equal(strncmp(row_value(text, "uv threadpool"), "4\n", 2), 0);
    assert_null(row_value(text, "pool threads"));
    assert_null(row_value(text, "libuv"));
    assert_non_null(row_value(text, "libcurl"));
    assert_non_null(row_value(text, "cJSON"));
    snprintf(checksum, sizeof checksum, "%016" PRIx64, sum.checksum);
    assert_int_equal(strncmp(row_value(text, "checksum"), checksum, 16), 0);
    /* Fixed width: every value starts in the same column, after two
     * spaces, a label 20 wide and a space. */
    for (const char *line = text; *line != '\0'; line = strchr(line, '\n') + 1)
        assert_true(line[23] != ' ' && line[22] == ' ');
    free(text);
}

/* --rate's fields in both forms, each from its own member: nine distinct
 * latencies, so that a key or a row given another's value is seen. Without
 * --rate neither form has them. */
static void test_rate_fields(void **state)
{
    static const struct { const char *key, *label; double ms; } want[] = {
        { "latency_from_start_p50_ms", "task p50", 1 },
        { "latency_from_start_p99_ms", "task p99", 2 },
        { "latency_from_start_max_ms", "task max", 3 },
        { "latency_from_intended_p50_ms", "from intended p50", 4 },
        { "latency_from_intended_p99_ms", "from intended p99", 5 },
        { "latency_from_intended_max_ms", "from intended max", 6 },
        { "start_late_p50_ms", "start late p50", 7 },
        { "start_late_p99_ms", "start late p99", 8 },
        { "start_late_max_ms", "start late max", 9 },
    };
    struct summary sum;
    char value[32];
    char *text;
    cJSON *root;

    (void)state;
    summary_compute(&run, &sum);
    sum.p50_ms = 1;
    sum.p99_ms = 2;
    sum.max_ms = 3;
    sum.from_intended_p50_ms = 4;
    sum.from_intended_p99_ms = 5;
    sum.from_intended_max_ms = 6;
    sum.start_late_p50_ms = 7;
    sum.start_late_p99_ms = 8;
    sum.start_late_max_ms = 9;
    opts.rate = 100;
    text = capture(summary_print_json, &sum);
    root = cJSON_Parse(text);
    assert_non_null(root);
    assert_true(number(root, "rate") == 100);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        assert_true(number(root, want[i].key) == want[i].ms);
    cJSON_Delete(root);
    free(text);
    text = capture(summary_print_human, &sum);
    assert_int_equal(strncmp(row_value(text, "rate"), "100 tasks/s\n", 12), 0);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        snprintf(value, sizeof value, "%.3f ms\n", want[i].ms);
        assert_non_null(row_value(text, want[i].label));
        assert_int_equal(strncmp(row_value(text, want[i].label), value, strlen(value)), 0);
    }
    free(text);

    opts.rate = 0;
    text = capture(summary_print_json, &sum);
    root = cJSON_Parse(text);
    assert_non_null(root);
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "rate"));
    assert_null(cJSON_GetObjectItemCaseSensitive(root, "start_late_max_ms"));
    cJSON_Delete(root);
    free(text);
    text = capture(summary_print_human, &sum);
    assert_null(row_value(text, "rate"));
    assert_null(row_value(text, "from intended p50"));
    free(text);
}

/* A stream that takes nothing: open for reading only, as a closed stdout
 * is reopened. Both forms fail with EBADF, and say so to the caller. */
static void test_unwritable(void **state)
{
    char path[] = "/tmp/test_summary-XXXXXX";
    int fd = mkstemp(path);
    FILE *read_only;
    struct summary sum;

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(close(fd), 0);
    read_only = fopen(path, "r");
    assert_non_null(read_only);
    assert_int_equal(unlink(path), 0);
    summary_compute(&run, &sum);
    errno = 0;
    assert_int_equal(summary_print_json(read_only, &run, &sum), -1);
    assert_int_equal(errno, EBADF);
    clearerr(read_only);
    errno = 0;
    assert_int_equal(summary_print_human(read_only, &run, &sum), -1);
    assert_int_equal(errno, EBADF);
    assert_int_equal(fclose(read_only), 0);
}

int main(void)
{
    program_set_name("test_summary");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_compute, make_run),
        cmocka_unit_test_setup(test_compute_from_intended, make_run),
        cmocka_unit_test_setup(test_compute_empty, make_run),
        cmocka_unit_test(test_percentile),
        cmocka_unit_test_setup(test_json, make_run),
        cmocka_unit_test_setup(test_human, make_run),
        cmocka_unit_test_setup(test_rate_fields, make_run),
        cmocka_unit_test_setup(test_unwritable, make_run),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
