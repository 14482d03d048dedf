/* cli.c: the command line shared by every client program.
 *
 * One table, client_options, says every option's name, kind of value,
 * limits, default, --help entry and place in struct options; option_table.c
 * makes the getopt_long table, the checks, the defaults and the help from
 * it. Each value is parsed strictly (no blank, sign or trailing junk, range
 * checked) as the getopt_long loop meets it, so that a bad value is refused
 * wherever it stands, even before a later --help or a later good value of
 * the same option; every mistake gets one line on err that names the
 * option and the value. getopt's own messages are turned off (opterr = 0)
 * so that all messages have the same shape. scripts/options.py holds the
 * Python programs to the same rules and words;
 * tests/integration/test_options.sh runs both through one table. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "option_table.h"
#include "run.h"
#include "workload.h"

#define PROGRAM_VERSION "0.1.0"
#define DEFAULT_URL "http://127.0.0.1:8080"
#define PORT_FAULT ": the port is not a number from 1 to " BOUND_TEXT(PORT_MAX)
#define HELP_WIDTH 19          /* "  -n, --count N       tasks to run": the help's column - 3 */
#define MODEL_OPTIONS_MAX 8

/* Where a value lands in struct options; a path's array size too. */
#define FIELD(name) .offset = offsetof(struct options, name)
#define PATH_FIELD(name) FIELD(name), .size = sizeof ((struct options *)NULL)->name

static int take_url_option(void *context, const char *text, char *why, size_t why_size);
static int take_path(void *context, const char *text, char *why, size_t why_size);
static int take_concurrency(void *context, const char *text, char *why, size_t why_size);
static int take_dishes(void *context, const char *text, char *why, size_t why_size);

/* Every option every model accepts, in --help's order; cli_parse adds the
 * model's own after them, and the closing ones last, so that another
 * model's options are unknown options here. */
static const struct option_spec client_options[] = {
    { .name = "url", .kind = OPTION_CUSTOM, .value_name = "BASE", .take = take_url_option,
      .help = "server base URL, http://HOST[:PORT][/PATH]: no query,\n"
              "fragment or user info (default: $MOCK_URL,\n"
              "else " DEFAULT_URL ")" },
    { .name = "path", .kind = OPTION_CUSTOM, .value_name = "TEMPLATE", .take = take_path,
      .help = "fetch, download: where a task's request goes under --url,\n"
              "{id} and {size} filled in (default: " FETCH_PATH_DEFAULT ",\n"
              "download: " DOWNLOAD_PATH_DEFAULT ")" },
    { .name = "verify", .kind = OPTION_CHOICE, .value_name = "MODE", .choices = verify_names,
      .initial = "content", FIELD(verify),
      .help = "fetch, download: what an answer must be: content (a 200\n"
              "with the mock server's bytes), id (a 200; fetch: a JSON\n"
              "object with the task's \"id\"), status (any 2xx)\n"
              "(default: {default})" },
    { .name = "count", .letter = 'n', .kind = OPTION_WHOLE, .value_name = "N",
      .min = 1, .max = COUNT_MAX, .initial = "100", FIELD(count),
      .help = "tasks to run, {range} (default: {default})" },
    { .name = "latency-ms", .kind = OPTION_WHOLE, .value_name = "L",
      .min = 0, .max = LATENCY_MAX_MS, FIELD(latency_ms),
      .help = "ask the server to wait L ms per answer, {range}\n"
              "(default: the server's own latency)" },
    /* Its help is the model's: cli_parse writes it. */
    { .name = "concurrency", .kind = OPTION_CUSTOM, .value_name = "C",
      .take = take_concurrency },
    /* The schedule is run_intended_start_ms's (run.h). */
    { .name = "rate", .kind = OPTION_DECIMAL, .value_name = "R",
      .min = 0, .above_min = true, .max = RATE_MAX, FIELD(rate),
      .help = "start R tasks a second, task i at i/R s, {range};\n"
              "still at most --concurrency at once (default: all at once)" },
    { .name = "retries", .kind = OPTION_WHOLE, .value_name = "R",
      .min = 0, .max = 100, .initial = "0", FIELD(retries),
      .help = "extra attempts after a failed one, {range} (default: {default})" },
    { .name = "backoff-ms", .kind = OPTION_WHOLE, .value_name = "B",
      .min = 0, .max = WAIT_MAX_MS, .initial = "100", FIELD(backoff_ms),
      .help = "wait B * 2^k ms before retry k+1, {range} (default: {default})" },
    { .name = "timeout-ms", .kind = OPTION_WHOLE, .value_name = "T",
      .min = 1, .max = WAIT_MAX_MS, .initial = "10000", FIELD(timeout_ms),
      .help = "per attempt, connect included, {range} (default: {default})" },
    { .name = "process-ms", .kind = OPTION_WHOLE, .value_name = "P",
      .min = 0, .max = WAIT_MAX_MS, .initial = "0", FIELD(process_ms),
      .help = "fetch: a pause per item, as for a call elsewhere,\n"
              "{range} (default: {default})" },
    { .name = "process-cpu-ms", .kind = OPTION_WHOLE, .value_name = "P",
      .min = 0, .max = WAIT_MAX_MS, .initial = "0", FIELD(process_cpu_ms),
      .help = "fetch: P ms of busy CPU per item, after it is checked,\n"
              "{range} (default: {default})" },
    /* How long a round takes is a measurement: docs/options.md gives it. */
    { .name = "rounds", .kind = OPTION_WHOLE, .value_name = "R",
      .min = 0, .max = 100000000, .initial = "8000", FIELD(rounds),
      .help = "cpu: rounds of hashing 64 KiB per task, {range}\n"
              "(default: {default})" },
    { .name = "size", .kind = OPTION_SIZE, .value_name = "BYTES",
      .min = 0, .max = SIZE_MAX_BYTES, .initial = "1M", FIELD(size_bytes),
      .help = "download, files: bytes per blob or file, with K, M or G\n"
              "(powers of 1024), {range} (default: {default})" },
    { .name = "dir", .kind = OPTION_FOLDER, .value_name = "DIR", PATH_FIELD(dir),
      .help = "download, files: the folder to write in\n"
              "(default: a fresh temporary folder, removed at the end)" },
    { .name = "keep", .kind = OPTION_FLAG, FIELD(keep),
      .help = "keep the written files (default: off)" },
    { .name = "fsync", .kind = OPTION_FLAG, FIELD(fsync),
      .help = "files: fsync each file after writing it (default: off)" },
    { .name = "time-scale", .kind = OPTION_DECIMAL, .value_name = "F",
      .min = 0, .above_min = true, .max = 1000, .initial = "1", FIELD(time_scale),
      .help = "cook: multiply every dish's time by F, {range}\n"
              "(default: {default})" },
    { .name = "dishes", .kind = OPTION_CUSTOM, .value_name = "LIST", .take = take_dishes,
      .initial = COOK_DISHES_DEFAULT,
      .help = "cook: \"NAME:SECONDS,...\"\n"
              "(default: \"{default}\")" },
    { .name = "trace", .kind = OPTION_FILE, .value_name = "FILE", PATH_FIELD(trace_path),
      .help = "write every task's record to FILE as CSV (default: none)" },
    { .name = "trace-events", .kind = OPTION_FILE, .value_name = "FILE",
      PATH_FIELD(trace_events_path),
      .help = "write the run to FILE in the Trace Event Format (JSON),\n"
              "for ui.perfetto.dev or chrome://tracing (default: none)" },
    { .name = "timeline", .kind = OPTION_FLAG, FIELD(timeline),
      .help = "after the run, a chart of every task on stderr, as wide\n"
              "as $COLUMNS, else the terminal, else 80 (default: off)" },
    { .name = "cache", .kind = OPTION_FILE, .value_name = "FILE", PATH_FIELD(cache_path),
      .help = "keep completed tasks' results in FILE; a rerun with the\n"
              "same workload options skips them (default: none)" },
    { .name = "json", .kind = OPTION_FLAG, FIELD(json),
      .help = "one JSON object on stdout instead of the table (default: off)" },
    { .name = "verbose", .letter = 'v', .kind = OPTION_FLAG, FIELD(verbose),
      .help = "a line on stderr for every task event (default: off)" },
    { .name = "quiet", .letter = 'q', .kind = OPTION_FLAG, FIELD(quiet),
      .help = "nothing for people on stdout; --json still prints (default: off)" },
};
#define CLIENT_OPTION_COUNT (sizeof client_options / sizeof client_options[0])

/* After the model's own options, last in --help. */
static const struct option_spec closing_options[] = {
    { .name = "help", .letter = 'h', .kind = OPTION_HELP,
      .help = "print this help and exit" },
    { .name = "version", .kind = OPTION_VERSION,
      .help = "print the version and library versions and exit" },
};
#define CLOSING_OPTION_COUNT (sizeof closing_options / sizeof closing_options[0])

#define OPTION_COUNT_MAX (CLIENT_OPTION_COUNT + MODEL_OPTIONS_MAX + CLOSING_OPTION_COUNT)

/* One cli_parse call's state: what this model accepts, where things go. */
struct parser {
    const struct model *model;
    struct options *opts;
    FILE *out, *err;
    const char *workload_text;  /* the positional argument, once seen */
    struct option_spec specs[OPTION_COUNT_MAX];  /* the shared, the model's, the closing */
    size_t spec_count;
    struct option long_options[OPTION_COUNT_MAX + 1];
    char short_options[3 * OPTION_COUNT_MAX + 3];
    char concurrency_help[256];          /* the model's words for --concurrency */
    char model_help[MODEL_OPTIONS_MAX][256]; /* a model option's help, its range and default */
};

/* ---- Messages ---- */

static enum cli_result usage_error(struct parser *p, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints "PROGRAM: what is wrong" on one line and says to stop (exit 2). */
static enum cli_result usage_error(struct parser *p, const char *format, ...)
{
    char line[512];
    va_list args;

    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    fprintf(p->err, "%s: %s\n", program_name(), line);
    return CLI_EXIT_USAGE;
}

/* ---- Help and version ---- */

/* Writes the help to out. It ends the program, so an error writing it is
 * reported on err; its exit code is then 2, the nearest one this
 * interface has for "nothing was run". */
static enum cli_result print_help(struct parser *p)
{
    const char *prog = program_name();
    FILE *out = p->out;

    fprintf(out, "Usage: %s WORKLOAD [options]\n%s: %s.\n\nWorkloads:\n",
            prog, prog, p->model->about);
    for (int w = 0; w < WORKLOAD_COUNT; w++)
        fprintf(out, "  %-*s %s\n", HELP_WIDTH, workload_name((enum workload)w),
                workload_about((enum workload)w));
    fprintf(out, "\nOptions (--opt VALUE and --opt=VALUE both work):\n");
    option_print_help(out, p->specs, p->spec_count, HELP_WIDTH);
    fprintf(out,
        "\n"
        "Exit status: 0 all tasks completed, 1 some failed, 2 usage error,\n"
        "3 could not start or an output asked for could not be written,\n"
        "128 + N stopped by signal N: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP.\n");
    if (ferror(out) || fflush(out) == EOF) {
        fprintf(p->err, "%s: writing the help: %s\n", prog, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

static enum cli_result print_version(struct parser *p)
{
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);

    fprintf(p->out, "%s " PROGRAM_VERSION " (libcurl %s, cJSON %s)\n", program_name(),
            curl != NULL ? curl->version : "unknown", cJSON_Version());
    if (ferror(p->out) || fflush(p->out) == EOF) {
        fprintf(p->err, "%s: writing the version: %s\n", program_name(), strerror(errno));
        return CLI_EXIT_USAGE;
    }
    return CLI_EXIT_OK;
}

/* ---- The values that need more than their row ---- */

/* Takes the positional argument: the workload, exactly once. */
static enum cli_result take_workload(struct parser *p, const char *text)
{
    char names[128];

    if (p->workload_text != NULL)
        return usage_error(p, "one workload only, but got '%s' and '%s'",
                           p->workload_text, text);
    if (workload_parse(text, &p->opts->workload) == 0) {
        p->workload_text = text;
        return CLI_RUN;
    }
    workload_list(names, sizeof names);
    return usage_error(p, "'%s' is not a workload (%s)", text, names);
}

/* Why the port, the text from start to end after a ':', is refused, or
 * NULL: decimal digits only, 1 to PORT_MAX. */
static const char *port_fault(const char *start, const char *end)
{
    long port = 0;

    if (start == end)
        return PORT_FAULT;
    for (const char *c = start; c < end; c++) {
        if (*c < '0' || *c > '9')
            return PORT_FAULT;
        port = port * 10 + (*c - '0');
        if (port > PORT_MAX)
            return PORT_FAULT;
    }
    return port == 0 ? PORT_FAULT : NULL;
}

/* Why text cannot be a base URL, or NULL when it can; the reason follows
 * the quoted URL in the message. A task's URL is the base URL and the
 * task's path joined as text (workload_url), so the base must end where a
 * path may go on: "http://" HOST [":" PORT] [PATH]. A query or a fragment
 * would swallow every task's path, sending all of them to one page; user
 * info would put a password in every message and summary that names the
 * server; libcurl refuses a blank or a control character, and a port out
 * of range, only once the run has begun. peers/python_asyncio's base_url
 * refuses the same, in the same words and order. */
static const char *base_url_fault(const char *text)
{
    const char *authority, *end, *port;

    if (strncmp(text, "http://", 7) != 0)
        return " is not an http:// URL";
    authority = text + 7;
    for (const char *c = text; *c != '\0'; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return " holds a blank or a control character";
    if (strchr(text, '?') != NULL)
        return " has a query ('?'): every task's path would be appended to it";
    if (strchr(text, '#') != NULL)
        return " has a fragment ('#'): every task's path would be appended to it";
    end = authority + strcspn(authority, "/");
    if (memchr(authority, '@', (size_t)(end - authority)) != NULL)
        return " has user info ('NAME@'), which is not taken";
    if (*authority == '[') {        /* an IPv6 address, [::1] */
        const char *close = memchr(authority, ']', (size_t)(end - authority));

        if (close == NULL || close == authority + 1)
            return " is not an http:// URL";
        port = close + 1;
        if (port < end && *port != ':')
            return PORT_FAULT;
    } else {
        port = memchr(authority, ':', (size_t)(end - authority));
        if (port == NULL)
            port = end;
        if (port == authority)      /* no host */
            return " is not an http:// URL";
    }
    return port < end ? port_fault(port + 1, end) : NULL;
}

/* Checks a base URL, from source ("--url" or "$MOCK_URL", for messages),
 * and stores it without trailing slashes. 0, or -1 with why. */
static int take_url(struct options *opts, const char *text, const char *source,
                    char *why, size_t why_size)
{
    const char *fault = base_url_fault(text);
    size_t len = strlen(text);

    while (len > 0 && text[len - 1] == '/')
        len--;
    if (fault != NULL) {
        snprintf(why, why_size, "%s: '%s'%s", source, text, fault);
        return -1;
    }
    if (len >= sizeof opts->url) {
        snprintf(why, why_size, "%s: the URL is longer than %zu bytes",
                 source, sizeof opts->url - 1);
        return -1;
    }
    memcpy(opts->url, text, len);
    opts->url[len] = '\0';
    return 0;
}

static int take_url_option(void *context, const char *text, char *why, size_t why_size)
{
    struct parser *p = context;

    return take_url(p->opts, text, "--url", why, why_size);
}

/* --concurrency: a whole number as any other, then the model's cap, which
 * it says in its own words. */
static int take_concurrency(void *context, const char *text, char *why, size_t why_size)
{
    static const struct option_spec whole = {
        .name = "concurrency", .kind = OPTION_WHOLE, .min = 1, .max = COUNT_MAX,
        FIELD(concurrency),
    };
    struct parser *p = context;
    long max = p->model->concurrency_max;

    if (option_take(&whole, p->opts, p, text, why, why_size) != 0)
        return -1;
    if (max > 0 && p->opts->concurrency > max) {
        snprintf(why, why_size, "--concurrency %ld: %s (%s %ld is accepted)",
                 p->opts->concurrency, p->model->concurrency_help,
                 max == 1 ? "only" : "at most", max);
        return -1;
    }
    return 0;
}

/* Stores --path after checking it (workload.c says what a template may hold). */
static int take_path(void *context, const char *text, char *why, size_t why_size)
{
    struct parser *p = context;
    char reason[PATH_TEMPLATE_MAX + 64];

    if (strlen(text) >= sizeof p->opts->path) {
        snprintf(why, why_size, "--path: the template is longer than %zu bytes",
                 sizeof p->opts->path - 1);
        return -1;
    }
    if (path_template_check(text, reason, sizeof reason) != 0) {
        snprintf(why, why_size, "--path: %s", reason);
        return -1;
    }
    memcpy(p->opts->path, text, strlen(text) + 1);
    return 0;
}

static int take_dishes(void *context, const char *text, char *why, size_t why_size)
{
    struct parser *p = context;
    char reason[256];
    int count = dish_list_parse(text, p->opts->dishes, DISHES_MAX, reason, sizeof reason);

    if (count < 0) {
        snprintf(why, why_size, "--dishes: %s", reason);
        return -1;
    }
    p->opts->dish_count = count;
    return 0;
}

/* ---- The parse ---- */

/* Fills p->specs with the options this model accepts: the shared ones,
 * the model's own, the closing ones; and the getopt_long tables from them.
 * A model with more than MODEL_OPTIONS_MAX is a bug: the program says so
 * and aborts. */
static void build_specs(struct parser *p)
{
    const struct model *m = p->model;
    size_t n = 0;

    for (size_t i = 0; i < CLIENT_OPTION_COUNT; i++) {
        p->specs[n] = client_options[i];
        if (p->specs[n].kind == OPTION_CUSTOM && p->specs[n].take == take_concurrency) {
            snprintf(p->concurrency_help, sizeof p->concurrency_help, "in %s: %s, 1..%ld",
                     program_name(), m->concurrency_help,
                     m->concurrency_max > 0 ? m->concurrency_max : COUNT_MAX);
            p->specs[n].help = p->concurrency_help;
        }
        n++;
    }
    for (int i = 0; m->options != NULL && m->options[i].name != NULL; i++) {
        const struct model_option *mo = &m->options[i];

        if (i == MODEL_OPTIONS_MAX) {
            fprintf(stderr, "%s: more than %d model options\n", program_name(),
                    MODEL_OPTIONS_MAX);
            abort();
        }
        if (mo->refusal != NULL)
            continue;   /* not offered: getopt refuses it, refused_option says why */
        snprintf(p->model_help[i], sizeof p->model_help[i], "%s%s (default: %s)", mo->help,
                 mo->value_name != NULL ? ", {range}" : "", mo->default_help);
        p->specs[n++] = (struct option_spec){
            .name = mo->name, .value_name = mo->value_name,
            .kind = mo->value_name != NULL ? OPTION_WHOLE : OPTION_FLAG,
            .min = mo->min, .max = mo->max, .help = p->model_help[i], .value = mo->value,
        };
    }
    for (size_t i = 0; i < CLOSING_OPTION_COUNT; i++)
        p->specs[n++] = closing_options[i];
    p->spec_count = n;
    /* The leading '-' makes getopt return each positional argument in
     * place (as option 1) instead of permuting argv, whatever
     * POSIXLY_CORRECT says; the ':' after it tells a missing value (':')
     * from an unknown option ('?'). */
    option_build_getopt(p->specs, n, "-:", p->long_options, p->short_options,
                        sizeof p->short_options);
}

/* Gives every option its default: the table's, then the model's own. A
 * default that does not parse is a bug the tests catch at once. */
static enum cli_result set_defaults(struct parser *p)
{
    char why[256];

    memset(p->opts, 0, sizeof *p->opts);
    if (option_set_defaults(p->specs, p->spec_count, p->opts, p, why, sizeof why) != 0)
        return usage_error(p, "a default is wrong: %s", why);
    for (const struct model_option *mo = p->model->options; mo != NULL && mo->name != NULL; mo++) {
        if (mo->refusal == NULL)
            *mo->value = mo->default_value;
    }
    return CLI_RUN;
}

/* The model's row for an option it does not offer, when arg (the word
 * getopt_long refused, as typed: "--offload" or "--offload=1") names one;
 * or NULL. */
static const struct model_option *refused_option(const struct model *m, const char *arg)
{
    if (strncmp(arg, "--", 2) != 0)
        return NULL;
    arg += 2;
    size_t len = strcspn(arg, "=");
    for (const struct model_option *mo = m->options; mo != NULL && mo->name != NULL; mo++) {
        if (mo->refusal != NULL && strlen(mo->name) == len && strncmp(mo->name, arg, len) == 0)
            return mo;
    }
    return NULL;
}

/* Applies what getopt_long returned for argv: the positional argument
 * (id 1), an option of the table, or a refusal. */
static enum cli_result apply_option(struct parser *p, int id, char **argv)
{
    char why[512];

    if (id == 1)
        return take_workload(p, optarg);
    switch (option_apply(p->specs, p->spec_count, p->long_options, id, argv, p->opts, p,
                         why, sizeof why)) {
    case OPTION_STORED: return CLI_RUN;
    case OPTION_ASKS_HELP: return print_help(p);
    case OPTION_ASKS_VERSION: return print_version(p);
    case OPTION_REFUSED: break;
    }
    const struct model_option *mo = id == '?' ? refused_option(p->model, argv[optind - 1]) : NULL;
    if (mo != NULL)
        return usage_error(p, "--%s: not offered by %s: %s", mo->name, p->model->name,
                           mo->refusal);
    return usage_error(p, "%s", why);
}

enum cli_result cli_parse(int argc, char **argv, const struct model *model,
                          struct options *opts, FILE *out, FILE *err)
{
    struct parser p = { .model = model, .opts = opts, .out = out, .err = err };
    enum cli_result result;
    char why[512];
    int id;

    build_specs(&p);
    result = set_defaults(&p);
    optind = 0;     /* 0, not 1: makes glibc forget any earlier parse */
    opterr = 0;
    while (result == CLI_RUN
           && (id = getopt_long(argc, argv, p.short_options, p.long_options, NULL)) != -1)
        result = apply_option(&p, id, argv);
    /* Whatever follows "--" is positional too. */
    for (; result == CLI_RUN && optind < argc; optind++)
        result = take_workload(&p, argv[optind]);
    if (result != CLI_RUN)
        return result;
    if (p.workload_text == NULL) {
        char names[128];

        workload_list(names, sizeof names);
        return usage_error(&p, "no workload given (%s); see --help", names);
    }
    if (opts->path[0] == '\0')   /* known only now: it depends on the workload */
        snprintf(opts->path, sizeof opts->path, "%s", workload_default_path(opts->workload));
    if (opts->url[0] == '\0') {  /* no --url (it is never empty): $MOCK_URL, read only now */
        const char *env_url = getenv("MOCK_URL");

        if (take_url(opts, env_url != NULL && env_url[0] != '\0' ? env_url : DEFAULT_URL,
                     "$MOCK_URL", why, sizeof why) != 0)
            return usage_error(&p, "%s", why);
    }
    return CLI_RUN;
}
