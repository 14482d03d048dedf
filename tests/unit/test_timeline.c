/* test_timeline.c: unit tests of the views of the records: the text chart
 * (client/timeline.c) and the Trace Event Format (client/trace_events.c).
 *
 * Records are made by hand, with times chosen so that every column of the
 * chart is known, and the chart is read back as text; the trace is parsed
 * with cJSON and its events checked against the records. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "options.h"
#include "record.h"
#include "run.h"
#include "timeline.h"
#include "trace_events.h"

static const struct model one_thread = {
    .name = "sync", .about = "runs one task at a time on one thread",
};
static const struct model pooled = {
    .name = "async_threads", .about = "runs the tasks on a pool of threads",
    .thread_kind = "pool thread",
};

static struct options opts;
static struct task_record records[100];
static struct run run;

/* A run of count records, each completed from start_ms to end_ms, with one
 * attempt span. */
static void make_run(const struct model *model, size_t count)
{
    memset(&opts, 0, sizeof opts);
    opts.workload = WORKLOAD_FETCH;
    memset(records, 0, sizeof records);
    run = (struct run){ .opts = &opts, .model = model, .records = records, .count = count };
}

static void set_task(size_t i, double start_ms, double end_ms)
{
    struct task_record *rec = &records[i];

    rec->id = (long)i + 1;
    rec->state = TASK_COMPLETED;
    rec->attempts = 1;
    rec->start_ms = rec->attempt_start_ms = start_ms;
    rec->end_ms = end_ms;
    rec->span_count = 1;
    rec->span_kinds[0] = SPAN_ATTEMPT;
    rec->spans[0] = (struct record_span){ (float)start_ms, (float)end_ms };
}

static void add_span(struct task_record *rec, enum span_kind kind, double start_ms, double end_ms)
{
    rec->span_kinds[rec->span_count] = (unsigned char)kind;
    rec->spans[rec->span_count++] = (struct record_span){ (float)start_ms, (float)end_ms };
}

/* The chart as text, width columns wide; the caller frees it. */
static char *chart(int width)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    assert_non_null(out);
    assert_int_equal(timeline_print(out, &run, width), 0);
    assert_int_equal(fclose(out), 0);
    return text;
}

/* Line n (from 0) of text, without its newline, into line. */
static void line_of(const char *text, int n, char *line, size_t size)
{
    for (int i = 0; i < n; i++) {
        text = strchr(text, '\n');
        assert_non_null(text);
        text++;
    }
    size_t len = strcspn(text, "\n");
    assert_true(len < size);
    memcpy(line, text, len);
    line[len] = '\0';
}

/* The bar of a row line: between its first '|' and its last. */
static void bar_of(const char *line, char *bar)
{
    const char *open = strchr(line, '|'), *close = strrchr(line, '|');

    assert_non_null(open);
    assert_true(close > open);
    memcpy(bar, open + 1, (size_t)(close - open - 1));
    bar[close - open - 1] = '\0';
}

/* Three tasks one after another, 0-30, 30-50, 50-60 ms, 60 columns of bar:
 * a column is 1 ms, and each bar starts in the column where the last one
 * ended. */
static void test_staircase(void **state)
{
    char line[256], bar[256];

    (void)state;
    make_run(&one_thread, 3);
    set_task(0, 0, 30);
    set_task(1, 30, 50);
    set_task(2, 50, 60);
    char *text = chart(64);   /* label "1", " |", 60 columns, "|" */

    line_of(text, 0, line, sizeof line);
    assert_non_null(strstr(line, "sync fetch: 3 tasks, one row each, over 60 ms; a column is 1 ms"));
    line_of(text, 1, line, sizeof line);
    assert_int_equal(strlen(line), 64);
    bar_of(line, bar);
    assert_int_equal(strlen(bar), 60);
    assert_int_equal(strspn(bar, "="), 30);
    assert_int_equal(bar[30], '#');
    line_of(text, 2, line, sizeof line);
    bar_of(line, bar);
    assert_int_equal(strspn(bar, " "), 30);
    assert_int_equal(strspn(bar + 30, "="), 20);
    assert_int_equal(bar[50], '#');
    line_of(text, 3, line, sizeof line);
    bar_of(line, bar);
    assert_int_equal(strspn(bar, " "), 50);
    assert_string_equal(bar + 50, "=========#");
    /* The axis: a '+' in the column of every 10 ms, labelled in ms; the
     * last label, 60 ms, at the right edge, ends the line. */
    line_of(text, 4, line, sizeof line);
    assert_string_equal(line, "  +----------+---------+---------+---------+---------+---------+");
    line_of(text, 5, line, sizeof line);
    assert_string_equal(line, "  0ms        10ms      20ms      30ms      40ms      50ms   60ms");
    /* The legend, 65 columns, folds at its marks to fit 64. */
    line_of(text, 6, line, sizeof line);
    assert_string_equal(line, "= running  ~ processing  . backoff  x failed attempt");
    line_of(text, 7, line, sizeof line);
    assert_string_equal(line, "# completed");
    free(text);
}

/* Three tasks at once: a wall, every bar from column 0. Seconds on the axis
 * past a second. */
static void test_wall(void **state)
{
    char line[256], bar[256];

    (void)state;
    make_run(&one_thread, 3);
    set_task(0, 0, 3000);
    set_task(1, 0.2, 2000);
    set_task(2, 0.4, 1000);
    char *text = chart(64);

    /* The heading, 65 columns, folds between its clauses. */
    line_of(text, 0, line, sizeof line);
    assert_string_equal(line, "sync fetch: 3 tasks, one row each, over 3.00 s");
    line_of(text, 1, line, sizeof line);
    assert_string_equal(line, "  a column is 50 ms");
    /* A column is 50 ms: the bars end in columns 59 (the last), 40 and 20. */
    static const int ends[] = { 59, 40, 20 };
    for (int r = 1; r <= 3; r++) {
        line_of(text, r + 1, line, sizeof line);
        bar_of(line, bar);
        assert_int_equal(strspn(bar, "="), ends[r - 1]);
        assert_int_equal(bar[ends[r - 1]], '#');
    }
    line_of(text, 6, line, sizeof line);
    assert_string_equal(line, "  0s         0.5s      1s        1.5s      2s        2.5s     3s");
    free(text);
}

/* A retry: a failed attempt 0-10 ms ('x'), a backoff 10-40 ('.'), then an
 * attempt 40-60 with processing 50-60 ('~'), completed ('#'). */
static void test_retry_marks(void **state)
{
    char line[256], bar[256];
    struct task_record *rec = &records[0];

    (void)state;
    make_run(&one_thread, 1);
    set_task(0, 0, 60);
    rec->attempts = 2;
    rec->attempt_start_ms = 40;
    rec->span_count = 0;
    add_span(rec, SPAN_ATTEMPT_FAILED, 0, 10);
    add_span(rec, SPAN_BACKOFF, 10, 40);
    add_span(rec, SPAN_ATTEMPT, 40, 60);
    add_span(rec, SPAN_PROCESS, 50, 60);
    char *text = chart(64);

    line_of(text, 1, line, sizeof line);   /* the heading's second line */
    assert_string_equal(line, "  1 retried, 0 failed");
    line_of(text, 2, line, sizeof line);
    bar_of(line, bar);
    assert_string_equal(bar, "==========x.............................==========~~~~~~~~~#");
    free(text);

    rec->state = TASK_FAILED;   /* the last attempt failed too */
    rec->span_kinds[2] = SPAN_ATTEMPT_FAILED;
    text = chart(64);
    line_of(text, 2, line, sizeof line);
    bar_of(line, bar);
    assert_int_equal(bar[59], 'x');
    free(text);
}

/* 100 tasks: 3 to a row, 34 rows labelled "1-3" ... "100-100", and the
 * heading says so. A failure in a group is not hidden by its neighbours. */
static void test_grouped(void **state)
{
    char line[256], bar[256];

    (void)state;
    make_run(&one_thread, 100);
    for (size_t i = 0; i < 100; i++)
        set_task(i, (double)i, (double)i + 1);
    records[4].state = TASK_FAILED;
    records[4].span_kinds[0] = SPAN_ATTEMPT_FAILED;
    char *text = chart(80);

    line_of(text, 0, line, sizeof line);
    assert_non_null(strstr(line, "sync fetch: 100 tasks, over 100 ms"));
    /* 82 columns: folded to fit 80. */
    line_of(text, 1, line, sizeof line);
    assert_string_equal(line, "grouped 3 to a row: a row a-b holds tasks a to b,");
    line_of(text, 2, line, sizeof line);
    assert_string_equal(line, "  their bars drawn over each other");
    line_of(text, 3, line, sizeof line);
    assert_int_equal(strncmp(line, "  1-3 |", 7), 0);
    assert_int_equal(strlen(line), 80);
    line_of(text, 4, line, sizeof line);
    assert_int_equal(strncmp(line, "  4-6 |", 7), 0);
    bar_of(line, bar);
    assert_non_null(strchr(bar, 'x'));   /* task 5 failed, between two completed */
    line_of(text, 36, line, sizeof line);
    assert_int_equal(strncmp(line, "  100 |", 7), 0);
    line_of(text, 37, line, sizeof line);
    assert_int_equal(line[6], '+');   /* the axis follows the 34 rows */
    free(text);
}

/* cook's rows carry the dishes' names, a '|' in one made '?', one too
 * long cut to 24 characters. */
static void test_dish_labels(void **state)
{
    char line[256];

    (void)state;
    make_run(&one_thread, 3);
    opts.workload = WORKLOAD_COOK;
    opts.dish_count = 3;
    snprintf(opts.dishes[0].name, DISH_NAME_MAX, "Green Pepper with Meat");
    snprintf(opts.dishes[1].name, DISH_NAME_MAX, "Soup|Bread");
    snprintf(opts.dishes[2].name, DISH_NAME_MAX, "A dish with a name far too long");
    set_task(0, 0, 30);
    set_task(1, 0, 20);
    set_task(2, 0, 10);
    char *text = chart(80);

    line_of(text, 1, line, sizeof line);
    assert_int_equal(strncmp(line, "  Green Pepper with Meat |", 26), 0);
    line_of(text, 2, line, sizeof line);
    assert_int_equal(strncmp(line, "              Soup?Bread |", 26), 0);
    line_of(text, 3, line, sizeof line);
    assert_int_equal(strncmp(line, "A dish with a name far t |", 26), 0);
    free(text);
}

/* Every line of text is at most width columns; n lines at least. */
static void check_lines_fit(const char *text, int width, int n)
{
    int lines = 0;

    for (const char *line = text; *line != '\0'; lines++) {
        size_t len = strcspn(line, "\n");

        if ((int)len > width)
            print_error("width %d: line %d is %zu columns: '%.*s'\n", width, lines, len,
                        (int)len, line);
        assert_true((int)len <= width);
        line += len + (line[len] == '\n');
    }
    assert_true(lines >= n);
}

/* Whatever the run, every line the chart prints fits the width it was
 * given, down to TIMELINE_WIDTH_MIN: the heading, the grouping line, the
 * rows, the axis and the legend, which still names every mark. */
static void test_lines_fit(void **state)
{
    static const int widths[] = { TIMELINE_WIDTH_MIN, TIMELINE_WIDTH_MIN + 1, 47, 55, 64, 66,
                                  80, 120 };
    static const char *const marks[] = { "= running", "~ processing", ". backoff",
                                         "x failed attempt", "# completed" };

    (void)state;
    for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++) {
        int width = widths[w];

        /* The longest heading: a long model name, grouped rows, a long
         * run, retries and failures. */
        make_run(&pooled, 100);
        opts.workload = WORKLOAD_DOWNLOAD;
        for (size_t i = 0; i < 100; i++)
            set_task(i, (double)i * 12345.6, (double)i * 12345.6 + 99999.9);
        records[7].attempts = 2;
        records[9].state = TASK_FAILED;
        records[9].span_kinds[0] = SPAN_ATTEMPT_FAILED;
        char *text = chart(width);
        check_lines_fit(text, width, 100 / 3 + 5);
        for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++)
            assert_non_null(strstr(text, marks[k]));
        assert_non_null(strstr(text, "1 retried, 1 failed"));
        assert_non_null(strstr(text, "grouped 3 to a row"));
        free(text);

        /* The widest labels: dishes' names cut to 24 characters. */
        make_run(&one_thread, 2);
        opts.workload = WORKLOAD_COOK;
        opts.dish_count = 2;
        snprintf(opts.dishes[0].name, DISH_NAME_MAX, "A dish with a name far too long");
        snprintf(opts.dishes[1].name, DISH_NAME_MAX, "Soup");
        set_task(0, 0, 3000);
        set_task(1, 3000, 4000);
        text = chart(width);
        check_lines_fit(text, width, 6);
        free(text);
    }
}

static void test_width(void **state)
{
    (void)state;
    assert_int_equal(setenv("COLUMNS", "120", 1), 0);
    assert_int_equal(timeline_width(-1), 120);
    assert_int_equal(setenv("COLUMNS", "10", 1), 0);
    assert_int_equal(timeline_width(-1), TIMELINE_WIDTH_MIN);
    assert_int_equal(setenv("COLUMNS", "99999", 1), 0);
    assert_int_equal(timeline_width(-1), TIMELINE_WIDTH_MAX);
    assert_int_equal(setenv("COLUMNS", "wide", 1), 0);
    assert_int_equal(timeline_width(-1), 80);   /* not a terminal either */
    assert_int_equal(unsetenv("COLUMNS"), 0);
    assert_int_equal(timeline_width(-1), 80);
}

/* ---- The Trace Event Format ---- */

/* The trace as parsed JSON; the caller deletes it. */
static cJSON *trace(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    assert_non_null(out);
    trace_events_write(out, &run);
    assert_int_equal(fclose(out), 0);
    cJSON *root = cJSON_Parse(text);
    if (root == NULL)
        print_error("not JSON: %s\n", text);
    assert_non_null(root);
    free(text);
    return root;
}

/* The n-th event (from 0) of tid with phase ph; NULL when none. */
static const cJSON *event_of(const cJSON *root, long tid, const char *ph, int n)
{
    const cJSON *event;

    cJSON_ArrayForEach(event, cJSON_GetObjectItem(root, "traceEvents")) {
        const cJSON *t = cJSON_GetObjectItem(event, "tid");
        if (t != NULL && (long)t->valuedouble == tid
            && strcmp(cJSON_GetObjectItem(event, "ph")->valuestring, ph) == 0 && n-- == 0)
            return event;
    }
    return NULL;
}

static double number(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItem(object, key);

    assert_non_null(item);
    assert_true(cJSON_IsNumber(item));
    return item->valuedouble;
}

static const char *text_of(const cJSON *object, const char *key)
{
    const cJSON *item = cJSON_GetObjectItem(object, key);

    assert_non_null(item);
    assert_true(cJSON_IsString(item));
    return item->valuestring;
}

/* A track per task, named; the steps of a retry in µs; the thread in the
 * args and the name in a pool model. */
static void test_trace_events(void **state)
{
    struct task_record *rec = &records[1];

    (void)state;
    make_run(&pooled, 2);
    set_task(0, 0.5, 200.25);
    records[0].thread = 2;
    set_task(1, 1, 60);
    rec->thread = 1;
    rec->attempts = 2;
    rec->attempt_start_ms = 40;
    rec->span_count = 0;
    add_span(rec, SPAN_ATTEMPT_FAILED, 1, 10);
    add_span(rec, SPAN_BACKOFF, 10, 40);
    add_span(rec, SPAN_ATTEMPT, 40, 60);
    add_span(rec, SPAN_PROCESS, 50, 60);
    cJSON *root = trace();

    const cJSON *name = event_of(root, 1, "M", 0);
    assert_non_null(name);
    assert_string_equal(text_of(name, "name"), "thread_name");
    assert_string_equal(text_of(cJSON_GetObjectItem(name, "args"), "name"), "task 1 (pool thread 2)");
    const cJSON *x = event_of(root, 1, "X", 0);
    assert_string_equal(text_of(x, "name"), "attempt 1");
    assert_true(number(x, "ts") == 500);
    assert_true(number(x, "dur") == 199750);
    assert_true(number(x, "pid") == COUNT_MAX + 1);
    assert_true(number(cJSON_GetObjectItem(x, "args"), "thread") == 2);
    assert_string_equal(text_of(cJSON_GetObjectItem(x, "args"), "state"), "completed");
    assert_null(event_of(root, 1, "X", 1));

    static const char *const names[] = {
        "attempt 1", "backoff before attempt 2", "attempt 2", "processing",
    };
    static const double times[][2] = { {1000, 9000}, {10000, 30000}, {40000, 20000}, {50000, 10000} };
    for (int i = 0; i < 4; i++) {
        x = event_of(root, 2, "X", i);
        assert_non_null(x);
        assert_string_equal(text_of(x, "name"), names[i]);
        assert_true(number(x, "ts") == times[i][0]);
        assert_true(number(x, "dur") == times[i][1]);
        assert_true(number(cJSON_GetObjectItem(x, "args"), "thread") == 1);
    }
    assert_string_equal(text_of(cJSON_GetObjectItem(event_of(root, 2, "X", 0), "args"), "result"),
                        "failed");
    assert_null(event_of(root, 2, "X", 4));
    /* The process is named for the model and workload. */
    const cJSON *process = event_of(root, 0, "M", 0);
    assert_non_null(process);
    assert_string_equal(text_of(process, "name"), "process_name");
    assert_non_null(strstr(text_of(cJSON_GetObjectItem(process, "args"), "name"),
                           "async_threads fetch: runs the tasks on a pool of threads"));
    cJSON_Delete(root);
}

/* Dropped spans: one event for the stretch they covered, then the last
 * attempt from attempt_start_ms; a task never started, and one taken from
 * the cache: a mark each, no span, each saying which; a model of one
 * thread: no thread in the track's name; text escaped. */
static void test_trace_events_edges(void **state)
{
    struct task_record *rec = &records[0];

    (void)state;
    make_run(&one_thread, 3);
    set_task(0, 0, 100);
    rec->state = TASK_FAILED;
    rec->attempts = 11;
    rec->attempt_start_ms = 90;
    rec->span_count = 0;
    for (int i = 0; i < RECORD_SPANS_MAX; i++)
        add_span(rec, i % 2 ? SPAN_BACKOFF : SPAN_ATTEMPT_FAILED, i * 5, i * 5 + 5);
    rec->spans_dropped = 13;
    snprintf(rec->error, sizeof rec->error, "HTTP \"500\"\n");
    records[1] = (struct task_record){ .id = 2, .state = TASK_FAILED, .start_ms = 7, .end_ms = 7,
                                       .cause = CAUSE_CANCELLED };
    records[2] = (struct task_record){ .id = 3, .state = TASK_COMPLETED, .cached = true };
    cJSON *root = trace();

    assert_string_equal(text_of(cJSON_GetObjectItem(event_of(root, 1, "M", 0), "args"), "name"),
                        "task 1");
    const cJSON *gap = event_of(root, 1, "X", RECORD_SPANS_MAX);
    assert_string_equal(text_of(gap, "name"), "13 more steps, not kept");
    assert_true(number(gap, "ts") == 40000);
    assert_true(number(gap, "dur") == 50000);
    const cJSON *last = event_of(root, 1, "X", RECORD_SPANS_MAX + 1);
    assert_string_equal(text_of(last, "name"), "attempt 11");
    assert_true(number(last, "ts") == 90000);
    assert_true(number(last, "dur") == 10000);
    assert_string_equal(text_of(cJSON_GetObjectItem(last, "args"), "error"), "HTTP \"500\"\n");
    assert_null(event_of(root, 2, "X", 0));
    const cJSON *mark = event_of(root, 2, "i", 0);
    assert_non_null(mark);
    assert_true(number(mark, "ts") == 7000);
    assert_string_equal(text_of(mark, "name"), "cancelled before it started");
    /* A task taken from the cache never ran here, and was not cancelled. */
    assert_null(event_of(root, 3, "X", 0));
    mark = event_of(root, 3, "i", 0);
    assert_non_null(mark);
    assert_string_equal(text_of(mark, "name"), "taken from the cache");
    cJSON_Delete(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_staircase),
        cmocka_unit_test(test_wall),
        cmocka_unit_test(test_retry_marks),
        cmocka_unit_test(test_grouped),
        cmocka_unit_test(test_dish_labels),
        cmocka_unit_test(test_lines_fit),
        cmocka_unit_test(test_width),
        cmocka_unit_test(test_trace_events),
        cmocka_unit_test(test_trace_events_edges),
    };

    program_set_name("test_timeline");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
