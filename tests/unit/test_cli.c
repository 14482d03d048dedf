/* test_cli.c: unit tests of the command line (client/cli.c).
 *
 * Every option in both spellings, every refusal with the message it must
 * print, the per-model limits (the number and size parser has its own
 * tests, test_units.c; the dish parser test_workload.c). Messages are captured with
 * open_memstream and checked as text, since they are part of the interface
 * people see. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "options.h"
#include "run.h"
#include "workload.h"

/* ---- Test models ---- */

static int no_workload(struct run *run)
{
    (void)run;
    return 0;
}

/* A model like sync: capped at one task at a time, with no option of its
 * own. main() names the program after it, as client_main would. */
static const struct model sync_like = {
    .name = "sync",
    .about = "runs one task at a time on one thread",
    .concurrency_help = "always 1: this model runs one task at a time",
    .concurrency_max = 1,
    .run = no_workload,
};

/* Where open_model's own options go. */
static long open_pool_size, open_stack_kb;

static const struct model_option open_options[] = {
    { .name = "uv-threadpool", .value_name = "N", .help = "libuv's thread pool size",
      .default_help = "libuv's, 4", .min = 1, .max = 1024, .default_value = 0,
      .value = &open_pool_size },
    { .name = "stack-kb", .value_name = "K", .help = "each worker's stack in KiB",
      .default_help = "256", .min = 64, .max = 65536, .default_value = 256,
      .value = &open_stack_kb },
    { .name = NULL },
};

/* A model with no cap and two options of its own. */
static const struct model open_model = {
    .name = "open",
    .about = "runs every task at once",
    .concurrency_help = "how many tasks may be in flight",
    .concurrency_max = 0,
    .options = open_options,
    .run = no_workload,
};

/* ---- Running cli_parse with captured output ---- */

struct capture {
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
};

static void capture_free(struct capture *cap)
{
    free(cap->out);
    free(cap->err);
    memset(cap, 0, sizeof *cap);
}

#define ARGS_MAX 64

/* Runs cli_parse on "sync" + args (NULL-terminated); out and err end up in
 * *cap, which the caller frees with capture_free. */
static enum cli_result parse_args(const struct model *m, struct options *opts,
                                  struct capture *cap, const char *const *args)
{
    char *argv[ARGS_MAX + 2];
    int argc = 0;
    FILE *out, *err;
    enum cli_result result;

    argv[argc++] = strdup("sync");
    for (; *args != NULL; args++) {
        assert_true(argc <= ARGS_MAX);
        argv[argc++] = strdup(*args);
    }
    argv[argc] = NULL;
    for (int i = 0; i < argc; i++)
        assert_non_null(argv[i]);
    out = open_memstream(&cap->out, &cap->out_len);
    err = open_memstream(&cap->err, &cap->err_len);
    assert_non_null(out);
    assert_non_null(err);
    result = cli_parse(argc, argv, m, opts, out, err);
    assert_int_equal(fclose(out), 0);
    assert_int_equal(fclose(err), 0);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return result;
}

#define PARSE(m, opts, cap, ...) \
    parse_args((m), (opts), (cap), (const char *const[]){__VA_ARGS__, NULL})

/* cli_parse is told to read $MOCK_URL: each test starts without it. */
static int clear_env(void **state)
{
    (void)state;
    return unsetenv("MOCK_URL");
}

/* ---- Accepted command lines ---- */

static void test_defaults(void **state)
{
    struct options o;
    struct capture cap = {0};

    (void)state;
    assert_int_equal(PARSE(&sync_like, &o, &cap, "fetch"), CLI_RUN);
    assert_int_equal(cap.out_len, 0);
    assert_int_equal(cap.err_len, 0);
    assert_int_equal(o.workload, WORKLOAD_FETCH);
    assert_string_equal(o.url, "http://127.0.0.1:8080");
    assert_string_equal(o.path, "/items/{id}");
    assert_int_equal(o.verify, VERIFY_CONTENT);
    assert_int_equal(o.count, 100);
    assert_int_equal(o.latency_ms, -1);
    assert_int_equal(o.concurrency, 0);
    assert_int_equal(o.retries, 0);
    assert_int_equal(o.backoff_ms, 100);
    assert_int_equal(o.timeout_ms, 10000);
    assert_int_equal(o.process_ms, 0);
    assert_int_equal(o.size_bytes, 1024 * 1024);
    assert_string_equal(o.dir, "");
    assert_false(o.keep);
    assert_false(o.fsync);
    assert_true(o.time_scale == 1.0);
    assert_int_equal(o.dish_count, 3);
    assert_string_equal(o.dishes[0].name, "Green Pepper with Meat");
    assert_true(o.dishes[0].seconds == 3.0);
    assert_string_equal(o.dishes[1].name, "Tomato and Eggs");
    assert_true(o.dishes[1].seconds == 2.0);
    assert_string_equal(o.dishes[2].name, "Garlic Lettuce");
    assert_true(o.dishes[2].seconds == 1.0);
    assert_string_equal(o.trace_path, "");
    assert_string_equal(o.trace_events_path, "");
    assert_false(o.timeline);
    assert_string_equal(o.cache_path, "");
    assert_false(o.json);
    assert_false(o.verbose);
    assert_false(o.quiet);
    capture_free(&cap);
    /* The default path is the workload's. */
    assert_int_equal(PARSE(&sync_like, &o, &cap, "download"), CLI_RUN);
    assert_string_equal(o.path, "/blobs/{id}?size={size}");
    capture_free(&cap);
    assert_int_equal(PARSE(&sync_like, &o, &cap, "files"), CLI_RUN);
    assert_string_equal(o.path, "");
    capture_free(&cap);
    /* A model's own options start at their defaults. */
    open_pool_size = open_stack_kb = -1;
    assert_int_equal(PARSE(&open_model, &o, &cap, "fetch"), CLI_RUN);
    assert_int_equal(open_pool_size, 0);
    assert_int_equal(open_stack_kb, 256);
    capture_free(&cap);
}

/* The values every-option tests give, checked once. */
static void check_every_option(const struct options *o)
{
    assert_int_equal(o->workload, WORKLOAD_DOWNLOAD);
    assert_string_equal(o->url, "http://example.test:9");
    assert_string_equal(o->path, "/b/{id}?n={size}");
    assert_int_equal(o->verify, VERIFY_STATUS);
    assert_int_equal(o->count, 7);
    assert_int_equal(o->latency_ms, 5);
    assert_int_equal(o->concurrency, 12);
    assert_int_equal(o->retries, 3);
    assert_int_equal(o->backoff_ms, 50);
    assert_int_equal(o->timeout_ms, 250);
    assert_int_equal(o->process_ms, 4);
    assert_int_equal(o->size_bytes, 2048);
    assert_string_equal(o->dir, "/tmp/some dir");
    assert_true(o->keep);
    assert_true(o->fsync);
    assert_true(o->time_scale == 0.5);
    assert_int_equal(o->dish_count, 2);
    assert_string_equal(o->dishes[0].name, "A");
    assert_string_equal(o->dishes[1].name, "B b");
    assert_true(o->dishes[1].seconds == 2.5);
    assert_string_equal(o->trace_path, "/tmp/t.csv");
    assert_string_equal(o->trace_events_path, "/tmp/t.json");
    assert_true(o->timeline);
    assert_string_equal(o->cache_path, "/tmp/c.cache");
    assert_true(o->json);
    assert_true(o->verbose);
    assert_true(o->quiet);
    assert_int_equal(open_pool_size, 8);
    assert_int_equal(open_stack_kb, 64);
}

static void test_every_option_separate_value(void **state)
{
    struct options o;
    struct capture cap = {0};

    (void)state;
    assert_int_equal(PARSE(&open_model, &o, &cap,
        "--url", "http://example.test:9/", "--count", "7", "--latency-ms", "5",
        "--path", "/b/{id}?n={size}", "--verify", "status",
        "--concurrency", "12", "--retries", "3", "--backoff-ms", "50",
        "--timeout-ms", "250", "--process-ms", "4", "--size", "2K",
        "--dir", "/tmp/some dir", "--keep", "--fsync", "--time-scale", "0.5",
        "--dishes", "A:1,B b:2.5", "--trace", "/tmp/t.csv",
        "--trace-events", "/tmp/t.json", "--timeline", "--cache", "/tmp/c.cache", "--json",
        "--verbose", "--quiet", "--uv-threadpool", "8", "--stack-kb", "64",
        "download"), CLI_RUN);
    assert_int_equal(cap.err_len, 0);
    check_every_option(&o);
    capture_free(&cap);
}

static void test_every_option_equals_value(void **state)
{
    struct options o;
    struct capture cap = {0};

    (void)state;
    assert_int_equal(PARSE(&open_model, &o, &cap, "download",
        "--url=http://example.test:9", "--count=7", "--latency-ms=5",
        "--path=/b/{id}?n={size}", "--verify=status",
        "--concurrency=12", "--retries=3", "--backoff-ms=50",
        "--timeout-ms=250", "--process-ms=4", "--size=2048",
        "--dir=/tmp/some dir", "--keep", "--fsync", "--time-scale=0.5",
        "--dishes=A:1, B b : 2.5", "--trace=/tmp/t.csv",
        "--trace-events=/tmp/t.json", "--timeline", "--cache=/tmp/c.cache", "--json",
        "--verbose", "--quiet", "--uv-threadpool=8", "--stack-kb=64"), CLI_RUN);
    assert_int_equal(cap.err_len, 0);
    check_every_option(&o);
    capture_free(&cap);
}

static void test_short_options(void **state)
{
    struct options o;
    struct capture cap = {0};

    (void)state;
    assert_int_equal(PARSE(&sync_like, &o, &cap, "-n", "9", "-v", "-q", "cook", "--ret=2"), CLI_RUN);
    assert_int_equal(o.retries, 2);   /* a unique prefix is enough */
    assert_int_equal(o.count, 9);
    assert_true(o.verbose);
    assert_true(o.quiet);
    assert_int_equal(o.workload, WORKLOAD_COOK);
    capture_free(&cap);
    assert_int_equal(PARSE(&sync_like, &o, &cap, "files", "-n42", "-vq"), CLI_RUN);
    assert_int_equal(o.count, 42);
    assert_true(o.verbose && o.quiet);
    assert_int_equal(o.workload, WORKLOAD_FILES);
    capture_free(&cap);
}

static void test_workload_names(void **state)
{
    static const char *const names[] = {"fetch", "download", "files", "cook"};
    struct options o;
    struct capture cap = {0};

    (void)state;
    for (int w = 0; w < 4; w++) {
        assert_int_equal(PARSE(&sync_like, &o, &cap, "--json", names[w], "-n", "3"), CLI_RUN);
        assert_int_equal(o.workload, w);
        assert_string_equal(workload_name((enum workload)w), names[w]);
        capture_free(&cap);
    }
    /* After "--", a positional argument is still the workload. */
    assert_int_equal(PARSE(&sync_like, &o, &cap, "--json", "--", "cook"), CLI_RUN);
    assert_int_equal(o.workload, WORKLOAD_COOK);
    capture_free(&cap);
}

static void test_bounds_accepted(void **state)
{
    struct options o;
    struct capture cap = {0};

    (void)state;
    assert_int_equal(PARSE(&open_model, &o, &cap, "fetch", "--count", "1000000",
        "--latency-ms", "0", "--retries", "100", "--backoff-ms", "0",
        "--timeout-ms", "3600000", "--size", "16G", "--time-scale", "1000",
        "--uv-threadpool", "1024", "--stack-kb", "64"), CLI_RUN);
    assert_int_equal(o.count, COUNT_MAX);
    assert_int_equal(o.latency_ms, 0);
    assert_int_equal(o.retries, 100);
    assert_int_equal(o.backoff_ms, 0);
    assert_int_equal(o.timeout_ms, 3600000);
    assert_int_equal(o.size_bytes, 16ULL << 30);
    assert_true(o.time_scale == 1000.0);
    assert_int_equal(open_pool_size, 1024);
    assert_int_equal(open_stack_kb, 64);
    capture_free(&cap);
    assert_int_equal(PARSE(&open_model, &o, &cap, "fetch", "--size", "0",
                           "--time-scale", "0.001"), CLI_RUN);
    assert_int_equal(o.size_bytes, 0);
    capture_free(&cap);
}

/* ---- Refused command lines ---- */

struct bad_case {
    const struct model *model;   /* NULL: the program's model */
    const char *args[6];
    const char *message;         /* must appear in the one line on err */
};

static char long_path[PATH_MAX + 10];

static const struct bad_case bad_cases[] = {
    {NULL, {"fetch", "--count", "abc"}, "sync: --count: 'abc' is not a whole number from 1 to 1000000"},
    {NULL, {"fetch", "--count", "0"}, "--count: '0' is not a whole number"},
    {NULL, {"fetch", "--count", "1000001"}, "--count: '1000001'"},
    {NULL, {"fetch", "--count", "12x"}, "--count: '12x'"},
    {NULL, {"fetch", "--count", " 5"}, "--count: ' 5'"},
    {NULL, {"fetch", "--count", "+5"}, "--count: '+5'"},
    {NULL, {"fetch", "--count="}, "--count: ''"},
    {NULL, {"fetch", "--count", "99999999999999999999999"}, "--count: '99999999999999999999999'"},
    {NULL, {"fetch", "-n", "x"}, "--count: 'x'"},
    {NULL, {"fetch", "--latency-ms", "-1"}, "--latency-ms: '-1' is not a whole number from 0 to 600000"},
    {NULL, {"fetch", "--latency-ms", "600001"}, "--latency-ms: '600001'"},
    {NULL, {"fetch", "--concurrency", "0"}, "--concurrency: '0' is not a whole number from 1"},
    {NULL, {"fetch", "--concurrency", "4"},
     "sync: --concurrency 4: always 1: this model runs one task at a time (only 1 is accepted)"},
    {NULL, {"fetch", "--retries", "101"}, "--retries: '101' is not a whole number from 0 to 100"},
    {NULL, {"fetch", "--backoff-ms", "-1"}, "--backoff-ms: '-1'"},
    {NULL, {"fetch", "--backoff-ms", "3600001"}, "--backoff-ms: '3600001'"},
    {NULL, {"fetch", "--timeout-ms", "0"}, "--timeout-ms: '0' is not a whole number from 1 to 3600000"},
    {NULL, {"fetch", "--process-ms", "3600001"}, "--process-ms: '3600001'"},
    {NULL, {"fetch", "--size", "1T"}, "--size: '1T' is not a byte count from 0 to 16G"},
    {NULL, {"fetch", "--size", "17G"}, "--size: '17G'"},
    {NULL, {"fetch", "--size", "16385M"}, "--size: '16385M'"},
    {NULL, {"fetch", "--size", "-1"}, "--size: '-1'"},
    {NULL, {"fetch", "--size", "1.5M"}, "--size: '1.5M'"},
    {NULL, {"fetch", "--size", ""}, "--size: ''"},
    {NULL, {"fetch", "--time-scale", "0"}, "--time-scale: '0' is not a number above 0 and at most 1000"},
    {NULL, {"fetch", "--time-scale", "-2"}, "--time-scale: '-2'"},
    {NULL, {"fetch", "--time-scale", "1000.5"}, "--time-scale: '1000.5'"},
    {NULL, {"fetch", "--time-scale", "fast"}, "--time-scale: 'fast'"},
    {NULL, {"fetch", "--time-scale", "nan"}, "--time-scale: 'nan'"},
    {NULL, {"fetch", "--time-scale", "inf"}, "--time-scale: 'inf'"},
    {NULL, {"fetch", "--time-scale", "1x"}, "--time-scale: '1x'"},
    {NULL, {"fetch", "--time-scale", "1e2"}, "--time-scale: '1e2'"},
    {NULL, {"fetch", "--time-scale", "0x10"}, "--time-scale: '0x10'"},
    {NULL, {"fetch", "--time-scale", ".5"}, "--time-scale: '.5'"},
    {NULL, {"fetch", "--time-scale", "1."}, "--time-scale: '1.'"},
    {NULL, {"fetch", "--dishes", "Soup:-0"}, "--dishes: 'Soup:-0': the time is not"},
    {NULL, {"fetch", "--dishes", "Soup:1e1"}, "--dishes: 'Soup:1e1': the time is not"},
    {NULL, {"fetch", "--dir", ""}, "--dir: the folder's name is empty"},
    {NULL, {"fetch", "--trace", ""}, "--trace: the file name is empty"},
    {NULL, {"fetch", "--trace-events", ""}, "--trace-events: the file name is empty"},
    {NULL, {"fetch", "--help=1"}, "--help: takes no value"},
    {NULL, {"fetch", "--verbose=1"}, "--verbose: takes no value"},
    {NULL, {"fetch", "--json", "-xq"}, "unknown option '-x'"},
    {NULL, {"fetch", "--url", "http://h:0", "--url", "http://h:1"},
     "--url: 'http://h:0': the port is not a number from 1 to 65535"},
    {NULL, {"fetch", "--count", "0", "--help"}, "--count: '0' is not a whole number"},
    {NULL, {"fetch", "--dishes", ""}, "--dishes: the list of dishes is empty"},
    {NULL, {"fetch", "--dishes", "Soup"}, "--dishes: 'Soup' has no ':SECONDS'"},
    {NULL, {"fetch", "--dishes", "Soup:-1"}, "--dishes: 'Soup:-1': the time is not"},
    {NULL, {"fetch", "--url", "https://example.test"}, "--url: 'https://example.test' is not an http:// URL"},
    {NULL, {"fetch", "--url", "example.test:80"}, "--url: 'example.test:80'"},
    {NULL, {"fetch", "--url", "http://"}, "--url: 'http://'"},
    {NULL, {"fetch", "--url", "http:///"}, "--url: 'http:///'"},
    /* A base URL that a task's path cannot be appended to as text. */
    {NULL, {"fetch", "--url", "http://h:1/?x"},
     "--url: 'http://h:1/?x' has a query ('?'): every task's path would be appended to it"},
    {NULL, {"fetch", "--url", "http://h:1?x"}, "--url: 'http://h:1?x' has a query"},
    {NULL, {"fetch", "--url", "http://h:1/api?v=1/"}, "--url: 'http://h:1/api?v=1/' has a query"},
    {NULL, {"fetch", "--url", "http://h:1/?"}, "--url: 'http://h:1/?' has a query"},
    {NULL, {"fetch", "--url", "http://h:1/#x"},
     "--url: 'http://h:1/#x' has a fragment ('#'): every task's path would be appended to it"},
    {NULL, {"fetch", "--url", "http://h:1#"}, "--url: 'http://h:1#' has a fragment"},
    {NULL, {"fetch", "--url", "http://u@h:1"},
     "--url: 'http://u@h:1' has user info ('NAME@'), which is not taken"},
    {NULL, {"fetch", "--url", "http://u:pw@h:1/api"}, "--url: 'http://u:pw@h:1/api' has user info"},
    {NULL, {"fetch", "--url", "http://@h"}, "--url: 'http://@h' has user info"},
    {NULL, {"fetch", "--url", "http://h:1/a b"},
     "--url: 'http://h:1/a b' holds a blank or a control character"},
    {NULL, {"fetch", "--url", "http://h:1/a\tb"}, "holds a blank or a control character"},
    {NULL, {"fetch", "--url", "http://h:1/\x7f"}, "holds a blank or a control character"},
    {NULL, {"fetch", "--url", "http://h:0"},
     "--url: 'http://h:0': the port is not a number from 1 to 65535"},
    {NULL, {"fetch", "--url", "http://h:65536"}, "the port is not a number from 1 to 65535"},
    {NULL, {"fetch", "--url", "http://h:x/"}, "the port is not a number from 1 to 65535"},
    {NULL, {"fetch", "--url", "http://h:/"}, "the port is not a number from 1 to 65535"},
    {NULL, {"fetch", "--url", "http://h:+80"}, "the port is not a number from 1 to 65535"},
    {NULL, {"fetch", "--url", "http://[::1]x"}, "the port is not a number from 1 to 65535"},
    {NULL, {"fetch", "--url", "http://:80"}, "--url: 'http://:80' is not an http:// URL"},
    {NULL, {"fetch", "--url", "http://[::1"}, "--url: 'http://[::1' is not an http:// URL"},
    {NULL, {"fetch", "--url", "http://[]:80"}, "--url: 'http://[]:80' is not an http:// URL"},
    {NULL, {"fetch", "--verify", "bytes"}, "sync: --verify: 'bytes' is not content, id or status"},
    {NULL, {"fetch", "--verify", ""}, "--verify: '' is not content, id or status"},
    {NULL, {"fetch", "--verify", "ID"}, "--verify: 'ID'"},
    {NULL, {"fetch", "--verify"}, "--verify: needs a value"},
    {NULL, {"fetch", "--path", "items/{id}"}, "sync: --path: 'items/{id}' does not start with '/'"},
    {NULL, {"fetch", "--path", ""}, "--path: '' does not start with '/'"},
    {NULL, {"fetch", "--path", "/items/{ID}"}, "--path: '/items/{ID}': a brace that is not {id} or {size}"},
    {NULL, {"fetch", "--path", "/items/{id"}, "--path: '/items/{id': a brace"},
    {NULL, {"fetch", "--path", "/a b"}, "--path: '/a b' holds a blank, a control character or '#'"},
    {NULL, {"fetch", "--path", long_path}, "--path: the template is longer than 255 bytes"},
    {NULL, {"fetch", "--dir", long_path}, "--dir: the path is longer than 4095 bytes"},
    {NULL, {"fetch", "--trace", long_path}, "--trace: the path is longer than 4095 bytes"},
    {NULL, {"fetch", "--trace-events", long_path}, "--trace-events: the path is longer than 4095 bytes"},
    {NULL, {"fetch", "--trace-events"}, "--trace-events: needs a value"},
    {NULL, {"fetch", "--timeline=yes"}, "--timeline: takes no value"},
    {NULL, {"fetch", "--tim"}, "ambiguous option '--tim'"},
    {NULL, {"fetch", "--cache", long_path}, "--cache: the path is longer than 4095 bytes"},
    {NULL, {"fetch", "--cache", ""}, "--cache: the file name is empty"},
    {NULL, {"fetch", "--cache"}, "--cache: needs a value"},
    {NULL, {"fetch", "--bogus"}, "unknown option '--bogus'"},
    {NULL, {"fetch", "--t", "3"}, "ambiguous option '--t'"},
    {NULL, {"fetch", "--time=3"}, "ambiguous option '--time'"},
    {NULL, {"fetch", "--bogus=3"}, "unknown option '--bogus'"},
    {NULL, {"fetch", "-x"}, "unknown option '-x'"},
    {NULL, {"fetch", "--keep=yes"}, "--keep: takes no value"},
    {NULL, {"fetch", "--json=1"}, "--json: takes no value"},
    {NULL, {"fetch", "--count"}, "--count: needs a value"},
    {NULL, {"fetch", "-n"}, "--count: needs a value"},
    {NULL, {"fetch", "--url"}, "--url: needs a value"},
    {NULL, {"--json"}, "no workload given (fetch, download, files, cook, cpu)"},
    {NULL, {"bake"}, "'bake' is not a workload (fetch, download, files, cook, cpu)"},
    {NULL, {"fetch", "cook"}, "one workload only, but got 'fetch' and 'cook'"},
    {NULL, {"fetch", "--", "cook"}, "one workload only"},
    {NULL, {"fetch", "--uv-threadpool", "4"}, "unknown option '--uv-threadpool'"},
    {NULL, {"fetch", "--stack-kb=64"}, "unknown option '--stack-kb'"},
    {&open_model, {"fetch", "--uv-threadpool", "0"}, "--uv-threadpool: '0' is not a whole number from 1 to 1024"},
    {&open_model, {"fetch", "--uv-threadpool", "1025"}, "--uv-threadpool: '1025'"},
    {&open_model, {"fetch", "--stack-kb", "63"}, "--stack-kb: '63' is not a whole number from 64 to 65536"},
    {&open_model, {"fetch", "--stack-kb", "65537"}, "--stack-kb: '65537'"},
    {&open_model, {"fetch", "--concurrency", "1000001"}, "--concurrency: '1000001'"},
};

/* Each bad command line: exit code 2, nothing on out, exactly one line on
 * err that starts with the program's name and holds the expected text. */
static void test_bad_inputs(void **state)
{
    (void)state;
    memset(long_path, 'd', sizeof long_path - 1);
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const struct bad_case *c = &bad_cases[i];
        struct options o;
        struct capture cap = {0};
        enum cli_result result = parse_args(c->model != NULL ? c->model : &sync_like, &o, &cap,
                                            c->args);

        if (result != CLI_EXIT_USAGE || strstr(cap.err, c->message) == NULL)
            print_error("case %zu (%s %s): got %d, err '%s', wanted '%s'\n", i,
                        c->args[0], c->args[1] ? c->args[1] : "", result, cap.err, c->message);
        assert_int_equal(result, CLI_EXIT_USAGE);
        assert_non_null(strstr(cap.err, c->message));
        assert_int_equal(strncmp(cap.err, "sync: ", 6), 0);
        assert_ptr_equal(strchr(cap.err, '\n'), cap.err + cap.err_len - 1);
        assert_int_equal(cap.out_len, 0);
        capture_free(&cap);
    }
}

/* A refused call must not spoil the next one (getopt's state is reset). */
static void test_repeated_calls(void **state)
{
    struct options o;
    struct capture cap = {0};

    (void)state;
    assert_int_equal(PARSE(&sync_like, &o, &cap, "fetch", "-vq", "--bogus"), CLI_EXIT_USAGE);
    capture_free(&cap);
    assert_int_equal(PARSE(&sync_like, &o, &cap, "download", "-n", "5"), CLI_RUN);
    assert_int_equal(o.count, 5);
    assert_false(o.verbose);
    assert_int_equal(o.workload, WORKLOAD_DOWNLOAD);
    capture_free(&cap);
}

/* ---- Help, version, model limits, $MOCK_URL ---- */

static void test_help(void **state)
{
    static const char *const expected[] = {
        "Usage: sync WORKLOAD [options]", "runs one task at a time on one thread",
        "always 1: this model runs one task at a time",
        "--url BASE", "$MOCK_URL", "http://127.0.0.1:8080", "-n, --count N", "(default: 100)",
        "--path TEMPLATE", "/items/{id}", "/blobs/{id}?size={size}", "--verify MODE",
        "(default: content)", "status (any 2xx)",
        "--latency-ms", "--concurrency C     in sync: always 1", "--retries",
        "--backoff-ms", "(default: 100)", "--timeout-ms", "(default: 10000)",
        "--process-ms", "--size BYTES", "(default: 1M)", "--dir DIR", "--keep", "--fsync",
        "--time-scale", "(default: 1)", "--dishes",
        "Green Pepper with Meat:3,Tomato and Eggs:2,Garlic Lettuce:1", "--trace FILE",
        "--trace-events FILE", "ui.perfetto.dev", "--timeline", "$COLUMNS",
        "--cache FILE",
        "--json", "-v, --verbose", "-q, --quiet", "-h, --help", "--version",
        "0 all tasks completed", "1 some failed", "2 usage error", "3 could not start",
        "128 + N stopped by signal N: 130 Ctrl-C", "143 SIGTERM, 129 SIGHUP",
    };
    struct options o;
    struct capture cap = {0};

    (void)state;
    assert_int_equal(PARSE(&sync_like, &o, &cap, "--help"), CLI_EXIT_OK);
    assert_int_equal(cap.err_len, 0);
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        if (strstr(cap.out, expected[i]) == NULL)
            print_error("help lacks '%s'\n", expected[i]);
        assert_non_null(strstr(cap.out, expected[i]));
    }
    assert_null(strstr(cap.out, "--uv-threadpool"));
    assert_null(strstr(cap.out, "--stack-kb"));
    capture_free(&cap);

    assert_int_equal(PARSE(&open_model, &o, &cap, "fetch", "-h"), CLI_EXIT_OK);
    assert_non_null(strstr(cap.out, "--uv-threadpool N   libuv's thread pool size, 1..1024 "
                                    "(default: libuv's, 4)"));
    assert_non_null(strstr(cap.out, "--stack-kb K        each worker's stack in KiB, "
                                    "64..65536 (default: 256)"));
    assert_non_null(strstr(cap.out, "how many tasks may be in flight"));
    capture_free(&cap);
}

static void test_version(void **state)
{
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    char expected[256];
    struct options o;
    struct capture cap = {0};

    (void)state;
    snprintf(expected, sizeof expected, "sync 0.1.0 (libcurl %s, cJSON %s)\n",
             curl->version, cJSON_Version());
    assert_int_equal(PARSE(&sync_like, &o, &cap, "--version"), CLI_EXIT_OK);
    assert_string_equal(cap.out, expected);
    assert_int_equal(strncmp(cap.out, "sync 0.1.0 (libcurl 7.", 22), 0);
    assert_int_equal(cap.err_len, 0);
    capture_free(&cap);
}

static void test_model_limits(void **state)
{
    struct options o;
    struct capture cap = {0};

    (void)state;
    assert_int_equal(PARSE(&sync_like, &o, &cap, "fetch", "--concurrency", "1"), CLI_RUN);
    assert_int_equal(o.concurrency, 1);
    capture_free(&cap);
    assert_int_equal(PARSE(&sync_like, &o, &cap, "fetch", "--concurrency", "2"), CLI_EXIT_USAGE);
    assert_non_null(strstr(cap.err, "(only 1 is accepted)"));
    capture_free(&cap);

    struct model capped = open_model;
    capped.concurrency_max = 64;
    assert_int_equal(PARSE(&capped, &o, &cap, "fetch", "--concurrency=64"), CLI_RUN);
    assert_int_equal(o.concurrency, 64);
    capture_free(&cap);
    assert_int_equal(PARSE(&capped, &o, &cap, "fetch", "--concurrency=65"), CLI_EXIT_USAGE);
    assert_non_null(strstr(cap.err, "--concurrency 65: how many tasks may be in flight "
                                    "(at most 64 is accepted)"));
    capture_free(&cap);

    assert_int_equal(PARSE(&open_model, &o, &cap, "fetch", "--concurrency", "100000"), CLI_RUN);
    assert_int_equal(o.concurrency, 100000);
    capture_free(&cap);

    /* A model's own option is known only where the model lists it. */
    capped.options = &open_options[1];
    assert_int_equal(PARSE(&capped, &o, &cap, "fetch", "--stack-kb", "96"), CLI_RUN);
    assert_int_equal(open_stack_kb, 96);
    capture_free(&cap);
    assert_int_equal(PARSE(&capped, &o, &cap, "fetch", "--uv-threadpool", "2"), CLI_EXIT_USAGE);
    assert_non_null(strstr(cap.err, "unknown option '--uv-threadpool'"));
    capture_free(&cap);
    assert_int_equal(PARSE(&sync_like, &o, &cap, "fetch", "--stack-kb", "96"), CLI_EXIT_USAGE);
    assert_non_null(strstr(cap.err, "unknown option '--stack-kb'"));
    capture_free(&cap);
}

/* An option the model does not offer, by design, is refused with its
 * reason, in any spelling getopt would take for it, and is not in --help;
 * a word that only begins like it stays unknown. */
static void test_option_not_offered(void **state)
{
    static const struct model_option refusing_options[] = {
        { .name = "stack-kb", .value_name = "K", .help = "each worker's stack in KiB",
          .default_help = "256", .min = 64, .max = 65536, .default_value = 256,
          .value = &open_stack_kb },
        { .name = "offload", .refusal = "it has nothing to offload to" },
        { .name = NULL },
    };
    static const char *const refused[][2] = {
        { "--offload", NULL }, { "--offload=1", NULL }, { "--offload", "--json" },
    };
    struct model refusing = open_model;
    struct options o;
    struct capture cap = {0};

    (void)state;
    refusing.options = refusing_options;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_int_equal(PARSE(&refusing, &o, &cap, "fetch", refused[i][0], refused[i][1]),
                         CLI_EXIT_USAGE);
        assert_string_equal(cap.err, "sync: --offload: not offered by open: "
                                     "it has nothing to offload to\n");
        capture_free(&cap);
    }
    assert_int_equal(PARSE(&refusing, &o, &cap, "fetch", "--offloads"), CLI_EXIT_USAGE);
    assert_non_null(strstr(cap.err, "unknown option '--offloads'"));
    capture_free(&cap);
    assert_int_equal(PARSE(&refusing, &o, &cap, "fetch", "--stack-kb", "96"), CLI_RUN);
    assert_int_equal(open_stack_kb, 96);
    capture_free(&cap);
    assert_int_equal(PARSE(&refusing, &o, &cap, "--help"), CLI_EXIT_OK);
    assert_null(strstr(cap.out, "--offload"));
    capture_free(&cap);
}

static void test_mock_url(void **state)
{
    struct options o;
    struct capture cap = {0};

    (void)state;
    assert_int_equal(setenv("MOCK_URL", "http://10.0.0.1:9000///", 1), 0);
    assert_int_equal(PARSE(&sync_like, &o, &cap, "fetch"), CLI_RUN);
    assert_string_equal(o.url, "http://10.0.0.1:9000");
    capture_free(&cap);

    assert_int_equal(PARSE(&sync_like, &o, &cap, "fetch", "--url", "http://other:1/"), CLI_RUN);
    assert_string_equal(o.url, "http://other:1");
    capture_free(&cap);

    assert_int_equal(setenv("MOCK_URL", "nope", 1), 0);
    assert_int_equal(PARSE(&sync_like, &o, &cap, "fetch"), CLI_EXIT_USAGE);
    assert_non_null(strstr(cap.err, "sync: $MOCK_URL: 'nope' is not an http:// URL"));
    capture_free(&cap);
    /* A bad $MOCK_URL does not matter once --url says otherwise. */
    assert_int_equal(PARSE(&sync_like, &o, &cap, "fetch", "--url=http://ok:2"), CLI_RUN);
    assert_string_equal(o.url, "http://ok:2");
    capture_free(&cap);

    assert_int_equal(setenv("MOCK_URL", "", 1), 0);
    assert_int_equal(PARSE(&sync_like, &o, &cap, "fetch"), CLI_RUN);
    assert_string_equal(o.url, "http://127.0.0.1:8080");
    capture_free(&cap);
}

/* Base URLs a task's path can be appended to, as they are kept: without
 * trailing slashes, a path kept whole ('@' in it is no user info). */
static void test_good_urls(void **state)
{
    static const struct {
        const char *text, *kept;
    } cases[] = {
        {"http://h", "http://h"},
        {"http://h:1/", "http://h:1"},
        {"http://h:65535", "http://h:65535"},
        {"http://h:08080", "http://h:08080"},
        {"http://127.0.0.1:8000/api/v1//", "http://127.0.0.1:8000/api/v1"},
        {"http://h/users/@me", "http://h/users/@me"},
        {"http://h/a%20b", "http://h/a%20b"},
        {"http://[::1]:8080/", "http://[::1]:8080"},
        {"http://[::1]", "http://[::1]"},
    };
    struct options o;
    struct capture cap = {0};

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        enum cli_result result = PARSE(&sync_like, &o, &cap, "fetch", "--url", cases[i].text);

        if (result != CLI_RUN || strcmp(o.url, cases[i].kept) != 0)
            print_error("'%s': got %d, url '%s', err '%s'\n", cases[i].text, result, o.url,
                        cap.err != NULL ? cap.err : "");
        assert_int_equal(result, CLI_RUN);
        assert_string_equal(o.url, cases[i].kept);
        assert_int_equal(cap.err_len, 0);
        capture_free(&cap);
    }
}

/* $MOCK_URL is held to the same rules as --url, and named in the message. */
static void test_mock_url_refused(void **state)
{
    struct options o;
    struct capture cap = {0};

    (void)state;
    assert_int_equal(setenv("MOCK_URL", "http://h:1/?x", 1), 0);
    assert_int_equal(PARSE(&sync_like, &o, &cap, "fetch"), CLI_EXIT_USAGE);
    assert_non_null(strstr(cap.err, "sync: $MOCK_URL: 'http://h:1/?x' has a query"));
    capture_free(&cap);
}

int main(void)
{
    program_set_name(sync_like.name);   /* as client_main does */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_defaults, clear_env),
        cmocka_unit_test_setup(test_every_option_separate_value, clear_env),
        cmocka_unit_test_setup(test_every_option_equals_value, clear_env),
        cmocka_unit_test_setup(test_short_options, clear_env),
        cmocka_unit_test_setup(test_workload_names, clear_env),
        cmocka_unit_test_setup(test_bounds_accepted, clear_env),
        cmocka_unit_test_setup(test_bad_inputs, clear_env),
        cmocka_unit_test_setup(test_repeated_calls, clear_env),
        cmocka_unit_test_setup(test_help, clear_env),
        cmocka_unit_test_setup(test_version, clear_env),
        cmocka_unit_test_setup(test_model_limits, clear_env),
        cmocka_unit_test_setup(test_option_not_offered, clear_env),
        cmocka_unit_test_teardown(test_mock_url, clear_env),
        cmocka_unit_test_setup(test_good_urls, clear_env),
        cmocka_unit_test_teardown(test_mock_url_refused, clear_env),
    };

    return cmocka_run_group_tests(tests, clear_env, NULL);
}
