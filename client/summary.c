/* summary.c: the run's result, for people (a table) and scripts (JSON).
 *
 * Everything is computed from the records after the run, plus getrusage()
 * for the process's CPU time and memory, so every model is summarised by
 * the same arithmetic. The JSON keys are a stable interface for scripts:
 * add keys, never rename or remove one. */
#include "summary.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "clock.h"
#include "run.h"
#include "workload.h"

#define LABEL_WIDTH 20

/* ---- Computing ---- */

double percentile(const double *sorted, size_t n, double p)
{
    double exact;
    size_t rank;

    if (n == 0)
        return 0.0;
    /* Nearest rank: the smallest value with at least p% of values at or
     * below it, i.e. rank ceil(p/100 * n), counted from 1. ceil() is done
     * by hand so that client/ needs no libm. */
    exact = p * (double)n / 100.0;
    rank = exact <= 0 ? 1 : (size_t)exact;
    if ((double)rank < exact)
        rank++;
    if (rank > n)
        rank = n;
    return sorted[rank - 1];
}

/* qsort's comparison for doubles, without the overflow of a subtraction. */
static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The tasks that ran (attempted and finished): the ones the latencies
 * are taken over. */
static bool record_ran(const struct task_record *rec)
{
    return rec->attempts > 0 && (rec->state == TASK_COMPLETED || rec->state == TASK_FAILED);
}

/* What a latency is measured between: a task's duration (start to end),
 * its latency from its intended start (intended start to end), how late it
 * started (intended start to start). */
enum span_of { FROM_START, FROM_INTENDED, START_LATE };

static double latency_of(const struct task_record *rec, enum span_of span)
{
    switch (span) {
    case FROM_INTENDED:
        return rec->end_ms - rec->intended_ms;
    case START_LATE:
        return rec->start_ms - rec->intended_ms;
    case FROM_START:
    default:
        return rec->end_ms - rec->start_ms;
    }
}

/* Sorts one latency of every task that ran into values (n left in *n). */
static void sorted_latencies(const struct run *run, enum span_of span, double *values, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < run->count; i++)
        if (record_ran(&run->records[i]))
            values[(*n)++] = latency_of(&run->records[i], span);
    qsort(values, *n, sizeof *values, compare_doubles);
}

/* Fills the latency percentiles from the tasks that ran. Needs one double
 * per task; without the memory it says so and leaves them 0, since the
 * rest of the summary is still worth printing. */
static void compute_durations(const struct run *run, struct summary *sum)
{
    double *values;
    size_t n;

    if (run->count == 0)
        return;
    values = malloc(run->count * sizeof *values);
    if (values == NULL) {
        fprintf(stderr, "%s: cannot allocate %zu durations: %s\n",
                program_name(), run->count, strerror(errno));
        return;
    }
    sorted_latencies(run, FROM_START, values, &n);
    sum->p50_ms = percentile(values, n, 50);
    sum->p90_ms = percentile(values, n, 90);
    sum->p99_ms = percentile(values, n, 99);
    sum->max_ms = percentile(values, n, 100);
    sorted_latencies(run, FROM_INTENDED, values, &n);
    sum->from_intended_p50_ms = percentile(values, n, 50);
    sum->from_intended_p99_ms = percentile(values, n, 99);
    sum->from_intended_max_ms = percentile(values, n, 100);
    sorted_latencies(run, START_LATE, values, &n);
    sum->start_late_p50_ms = percentile(values, n, 50);
    sum->start_late_p99_ms = percentile(values, n, 99);
    sum->start_late_max_ms = percentile(values, n, 100);
    free(values);
}

/* The process's CPU time so far, every thread's, ended ones included;
 * and its peak resident memory. 0, or -1 with a message. */
static int process_usage(double *user_ms, double *sys_ms, long *max_rss_kb)
{
    struct rusage usage;

    if (getrusage(RUSAGE_SELF, &usage) != 0) {
        fprintf(stderr, "%s: getrusage: %s\n", program_name(), strerror(errno));
        return -1;
    }
    *user_ms = (double)usage.ru_utime.tv_sec * 1e3 + (double)usage.ru_utime.tv_usec / 1e3;
    *sys_ms = (double)usage.ru_stime.tv_sec * 1e3 + (double)usage.ru_stime.tv_usec / 1e3;
    *max_rss_kb = usage.ru_maxrss;   /* kilobytes on Linux */
    return 0;
}

void summary_mark_start(struct run *run)
{
    long max_rss_kb;

    run->start_ns = clock_now_ns();
    if (process_usage(&run->start_user_ms, &run->start_sys_ms, &max_rss_kb) != 0)
        run->start_user_ms = run->start_sys_ms = 0;
}

static void compute_usage(const struct run *run, struct summary *sum)
{
    if (process_usage(&sum->user_ms, &sum->sys_ms, &sum->max_rss_kb) != 0)
        return;
    sum->user_ms -= run->start_user_ms;
    sum->sys_ms -= run->start_sys_ms;
}

void summary_compute(const struct run *run, struct summary *sum)
{
    memset(sum, 0, sizeof *sum);
    sum->wall_ms = clock_elapsed_ms(run->start_ns);
    sum->count = (long)run->count;
    for (size_t i = 0; i < run->count; i++) {
        const struct task_record *rec = &run->records[i];
        if (rec->attempts > 1)
            sum->retries += rec->attempts - 1;
        if (rec->state == TASK_COMPLETED) {
            sum->ok++;
            sum->cached += rec->cached;
            sum->bytes += rec->bytes;
        } else {
            /* Pending or running at the end is a failure too: a model
             * must finish every record, and one that did not is a bug
             * that the count should show, not hide. */
            sum->failed++;
            if ((size_t)rec->cause < CAUSE_COUNT)
                sum->failures[rec->cause]++;
        }
    }
    compute_durations(run, sum);
    compute_usage(run, sum);
    sum->checksum = checksum_run(run->records, run->count);
    sum->cancelled = run_cancelled();
}

/* ---- For people ---- */

static void row(FILE *out, const char *label, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* One line of the table: the label in a fixed-width column, then the value. */
static void row(FILE *out, const char *label, const char *format, ...)
{
    char value[256];
    va_list args;

    va_start(args, format);
    vsnprintf(value, sizeof value, format, args);
    va_end(args);
    fprintf(out, "  %-*s %s\n", LABEL_WIDTH, label, value);
}

static const char *curl_version_text(void)
{
    const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);

    return info != NULL ? info->version : "unknown";
}

/* The model's facts, "pool_threads" labelled "pool threads". */
static void print_model_facts(FILE *out, const struct run *run)
{
    row(out, "concurrency", "%ld", run->concurrency);
    for (size_t i = 0; i < run->fact_count; i++) {
        char label[LABEL_WIDTH + 1];

        snprintf(label, sizeof label, "%s", run->facts[i].key);
        for (char *p = label; *p != '\0'; p++)
            if (*p == '_')
                *p = ' ';
        row(out, label, "%.6g", run->facts[i].value);
    }
}

/* --rate's latencies, one list for the table and for scripts: each task's
 * latency from its actual start (the table has them already, as "task
 * p50" ...: no label), from its intended start, and how late it started. */
struct rate_latency {
    const char *label;   /* the table's row, or NULL */
    const char *key;     /* the JSON key */
    double ms;
};

enum { RATE_LATENCIES = 9 };

static void rate_latencies(const struct summary *sum, struct rate_latency l[RATE_LATENCIES])
{
    const struct rate_latency all[RATE_LATENCIES] = {
        { NULL, "latency_from_start_p50_ms", sum->p50_ms },
        { NULL, "latency_from_start_p99_ms", sum->p99_ms },
        { NULL, "latency_from_start_max_ms", sum->max_ms },
        { "from intended p50", "latency_from_intended_p50_ms", sum->from_intended_p50_ms },
        { "from intended p99", "latency_from_intended_p99_ms", sum->from_intended_p99_ms },
        { "from intended max", "latency_from_intended_max_ms", sum->from_intended_max_ms },
        { "start late p50", "start_late_p50_ms", sum->start_late_p50_ms },
        { "start late p99", "start_late_p99_ms", sum->start_late_p99_ms },
        { "start late max", "start_late_max_ms", sum->start_late_max_ms },
    };

    memcpy(l, all, sizeof all);
}

/* --rate's rows: the rate, then its latencies the table has no row for. */
static void print_rate_rows(FILE *out, const struct run *run, const struct summary *sum)
{
    struct rate_latency l[RATE_LATENCIES];

    rate_latencies(sum, l);
    row(out, "rate", "%.6g tasks/s", run->opts->rate);
    for (size_t i = 0; i < RATE_LATENCIES; i++)
        if (l[i].label != NULL)
            row(out, l[i].label, "%.3f ms", l[i].ms);
}

/* After a summary is printed: 0, or -1 with errno set when a write to out
 * failed (stdio remembers it) or the flush does. */
static int finish_output(FILE *out)
{
    if (fflush(out) != EOF && !ferror(out))
        return 0;
    if (errno == 0)
        errno = EIO;
    return -1;
}

int summary_print_human(FILE *out, const struct run *run, const struct summary *sum)
{
    char label[32];

    errno = 0;
    row(out, "model", "%s", run->model->name);
    row(out, "workload", "%s", workload_name(run->opts->workload));
    row(out, "tasks", "%ld", sum->count);
    row(out, "completed", "%ld", sum->ok);
    if (run->opts->cache_path[0] != '\0')
        row(out, "  from the cache", "%ld", sum->cached);
    row(out, "failed", "%ld", sum->failed);
    for (int c = CAUSE_NONE + 1; c < CAUSE_COUNT; c++) {
        if (sum->failures[c] == 0)
            continue;
        snprintf(label, sizeof label, "  %s", fail_cause_name((enum fail_cause)c));
        row(out, label, "%ld", sum->failures[c]);
    }
    row(out, "retries", "%ld", sum->retries);
    row(out, "bytes", "%" PRIu64, sum->bytes);
    row(out, "wall time", "%.3f ms (%.3f s)", sum->wall_ms, sum->wall_ms / 1000.0);
    row(out, "cpu user", "%.3f ms", sum->user_ms);
    row(out, "cpu sys", "%.3f ms", sum->sys_ms);
    row(out, "peak rss", "%ld kB", sum->max_rss_kb);
    row(out, "task p50", "%.3f ms", sum->p50_ms);
    row(out, "task p90", "%.3f ms", sum->p90_ms);
    row(out, "task p99", "%.3f ms", sum->p99_ms);
    row(out, "task max", "%.3f ms", sum->max_ms);
    if (run->opts->rate > 0)
        print_rate_rows(out, run, sum);
    print_model_facts(out, run);
    if (sum->cancelled)
        row(out, "cancelled", "yes");
    row(out, "checksum", "%016" PRIx64, sum->checksum);
    row(out, "libcurl", "%s", curl_version_text());
    row(out, "cJSON", "%s", cJSON_Version());
    for (size_t i = 0; i < run->library_count; i++)
        row(out, run->libraries[i].name, "%s", run->libraries[i].version);
    return finish_output(out);
}

/* ---- For scripts ---- */

/* Adds key: value to obj. 0, or -1 when cJSON could not allocate. */
/* A byte count as an exact integer: a JSON number through cJSON is a
 * double, exact only up to 2^53 (8 PiB, which 1,000,000 tasks of 16 GiB
 * would pass). */
static int add_count(cJSON *obj, const char *key, uint64_t value)
{
    char text[24];

    snprintf(text, sizeof text, "%" PRIu64, value);
    return cJSON_AddRawToObject(obj, key, text) != NULL ? 0 : -1;
}

static int add_number(cJSON *obj, const char *key, double value)
{
    return cJSON_AddNumberToObject(obj, key, value) != NULL ? 0 : -1;
}

static int add_failures(cJSON *root, const struct summary *sum)
{
    cJSON *failures = cJSON_AddObjectToObject(root, "failures");

    if (failures == NULL)
        return -1;
    for (int c = CAUSE_NONE + 1; c < CAUSE_COUNT; c++)
        if (add_number(failures, fail_cause_name((enum fail_cause)c),
                       (double)sum->failures[c]) != 0)
            return -1;
    return 0;
}

static int add_versions(cJSON *root, const struct run *run)
{
    cJSON *versions = cJSON_AddObjectToObject(root, "versions");

    if (versions == NULL
        || cJSON_AddStringToObject(versions, "libcurl", curl_version_text()) == NULL
        || cJSON_AddStringToObject(versions, "cjson", cJSON_Version()) == NULL)
        return -1;
    for (size_t i = 0; i < run->library_count; i++)
        if (cJSON_AddStringToObject(versions, run->libraries[i].name,
                                    run->libraries[i].version) == NULL)
            return -1;
    return 0;
}

/* Adds the counts and times. */
static int add_results(cJSON *root, const struct summary *sum)
{
    return add_number(root, "count", (double)sum->count)
        || add_number(root, "ok", (double)sum->ok)
        || add_number(root, "failed", (double)sum->failed)
        || add_number(root, "cached", (double)sum->cached)
        || add_failures(root, sum)
        || add_number(root, "retries", (double)sum->retries)
        || add_count(root, "bytes", sum->bytes)
        || add_number(root, "wall_ms", sum->wall_ms)
        || add_number(root, "user_ms", sum->user_ms)
        || add_number(root, "sys_ms", sum->sys_ms)
        || add_number(root, "max_rss_kb", (double)sum->max_rss_kb)
        || add_number(root, "p50_ms", sum->p50_ms)
        || add_number(root, "p90_ms", sum->p90_ms)
        || add_number(root, "p99_ms", sum->p99_ms)
        || add_number(root, "max_ms", sum->max_ms) ? -1 : 0;
}

/* --rate only: the rate and every one of its latencies. */
static int add_rate_results(cJSON *root, const struct run *run, const struct summary *sum)
{
    struct rate_latency l[RATE_LATENCIES];

    rate_latencies(sum, l);
    if (add_number(root, "rate", run->opts->rate) != 0)
        return -1;
    for (size_t i = 0; i < RATE_LATENCIES; i++)
        if (add_number(root, l[i].key, l[i].ms) != 0)
            return -1;
    return 0;
}

/* Adds what was asked and what the model reported. */
static int add_settings(cJSON *root, const struct run *run)
{
    const struct options *opts = run->opts;

    if (add_number(root, "latency_ms", (double)opts->latency_ms)
        || add_number(root, "concurrency", (double)run->concurrency)
        || add_number(root, "size_bytes", (double)opts->size_bytes))
        return -1;
    /* What a checksum covers depends on it: only runs of one mode compare. */
    if ((opts->workload == WORKLOAD_FETCH || opts->workload == WORKLOAD_DOWNLOAD)
        && cJSON_AddStringToObject(root, "verify", verify_name(opts->verify)) == NULL)
        return -1;
    for (size_t i = 0; i < run->fact_count; i++)
        if (add_number(root, run->facts[i].key, run->facts[i].value) != 0)
            return -1;
    return 0;
}

/* The whole summary as a cJSON tree, or NULL when out of memory. */
static cJSON *summary_json(const struct run *run, const struct summary *sum)
{
    cJSON *root = cJSON_CreateObject();
    char checksum[17];

    snprintf(checksum, sizeof checksum, "%016" PRIx64, sum->checksum);
    if (root == NULL
        || cJSON_AddStringToObject(root, "model", run->model->name) == NULL
        || cJSON_AddStringToObject(root, "workload", workload_name(run->opts->workload)) == NULL
        || add_results(root, sum) != 0
        || (run->opts->rate > 0 && add_rate_results(root, run, sum) != 0)
        || add_settings(root, run) != 0
        || cJSON_AddBoolToObject(root, "cancelled", sum->cancelled != 0) == NULL
        || cJSON_AddStringToObject(root, "checksum", checksum) == NULL
        || add_versions(root, run) != 0) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

int summary_print_json(FILE *out, const struct run *run, const struct summary *sum)
{
    cJSON *root = summary_json(run, sum);
    char *text;
    int rc;

    /* cJSON says only that it failed: an allocation. */
    if (root == NULL || (text = cJSON_PrintUnformatted(root)) == NULL) {
        cJSON_Delete(root);
        errno = ENOMEM;
        return -1;
    }
    cJSON_Delete(root);
    errno = 0;
    fprintf(out, "%s\n", text);
    rc = finish_output(out);
    cJSON_free(text);
    return rc;
}
