/* cli.c: the command line shared by every client program.
 *
 * One getopt_long loop fills struct options; every value is parsed
 * strictly (no blank, sign or trailing junk, range checked: whole numbers,
 * sizes and decimals by units.c) as the loop meets it, so that a bad value
 * is refused wherever it stands, even before a later --help or a later good
 * value of the same option; every mistake gets one line on err that names
 * the option and the value. getopt's own messages are turned off
 * (opterr = 0) so that all messages have the same shape.
 * scripts/options.py holds the Python programs to the same rules and words;
 * tests/integration/test_options.sh runs both through one table. */
#include "options.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "option_refusal.h"
#include "run.h"
#include "units.h"
#include "workload.h"

#define PROGRAM_VERSION "0.1.0"
#define DEFAULT_URL "http://127.0.0.1:8080"
#define DEFAULT_DISHES "Green Pepper with Meat:3,Tomato and Eggs:2,Garlic Lettuce:1"
#define DISH_SECONDS_MAX 86400.0          /* a day on the stove is plenty */
#define SIZE_MAX_BYTES (16ULL << 30)      /* --size: up to 16G */
#define ROUNDS_DEFAULT 8000               /* --rounds (its time: docs/options.md) */
#define TEXT_OF(x) #x
#define TEXT(x) TEXT_OF(x)                /* TEXT(ROUNDS_DEFAULT) is "8000" */

/* Long-only options get values above any char, so that one switch handles
 * short and long options alike. */
enum option_id {
    OPT_COUNT = 'n',
    OPT_VERBOSE = 'v',
    OPT_QUIET = 'q',
    OPT_HELP = 'h',
    OPT_URL = 256,
    OPT_PATH,
    OPT_VERIFY,
    OPT_LATENCY_MS,
    OPT_CONCURRENCY,
    OPT_RETRIES,
    OPT_BACKOFF_MS,
    OPT_TIMEOUT_MS,
    OPT_PROCESS_MS,
    OPT_PROCESS_CPU_MS,
    OPT_ROUNDS,
    OPT_SIZE,
    OPT_DIR,
    OPT_KEEP,
    OPT_FSYNC,
    OPT_TIME_SCALE,
    OPT_DISHES,
    OPT_TRACE,
    OPT_TRACE_EVENTS,
    OPT_TIMELINE,
    OPT_CACHE,
    OPT_JSON,
    OPT_VERSION,
    OPT_MODEL_FIRST,   /* the model's own options: OPT_MODEL_FIRST + index */
};

#define MODEL_OPTIONS_MAX 8

/* Every option every model accepts; build_long_options() adds the model's
 * own, so that another model's are unknown options here. */
static const struct option shared_options[] = {
    {"url", required_argument, NULL, OPT_URL},
    {"path", required_argument, NULL, OPT_PATH},
    {"verify", required_argument, NULL, OPT_VERIFY},
    {"count", required_argument, NULL, OPT_COUNT},
    {"latency-ms", required_argument, NULL, OPT_LATENCY_MS},
    {"concurrency", required_argument, NULL, OPT_CONCURRENCY},
    {"retries", required_argument, NULL, OPT_RETRIES},
    {"backoff-ms", required_argument, NULL, OPT_BACKOFF_MS},
    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT_MS},
    {"process-ms", required_argument, NULL, OPT_PROCESS_MS},
    {"process-cpu-ms", required_argument, NULL, OPT_PROCESS_CPU_MS},
    {"rounds", required_argument, NULL, OPT_ROUNDS},
    {"size", required_argument, NULL, OPT_SIZE},
    {"dir", required_argument, NULL, OPT_DIR},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"fsync", no_argument, NULL, OPT_FSYNC},
    {"time-scale", required_argument, NULL, OPT_TIME_SCALE},
    {"dishes", required_argument, NULL, OPT_DISHES},
    {"trace", required_argument, NULL, OPT_TRACE},
    {"trace-events", required_argument, NULL, OPT_TRACE_EVENTS},
    {"timeline", no_argument, NULL, OPT_TIMELINE},
    {"cache", required_argument, NULL, OPT_CACHE},
    {"json", no_argument, NULL, OPT_JSON},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
};
#define SHARED_OPTION_COUNT (sizeof shared_options / sizeof shared_options[0])

/* The leading '-' makes getopt return each positional argument in place
 * (as option 1) instead of permuting argv, whatever POSIXLY_CORRECT says;
 * the ':' after it tells a missing value (':') from an unknown option ('?'). */
static const char short_options[] = "-:n:vqh";

static const char *const workload_names[] = {
    [WORKLOAD_FETCH] = "fetch",
    [WORKLOAD_DOWNLOAD] = "download",
    [WORKLOAD_FILES] = "files",
    [WORKLOAD_COOK] = "cook",
    [WORKLOAD_CPU] = "cpu",
};
#define WORKLOAD_COUNT (sizeof workload_names / sizeof workload_names[0])

static const char *const verify_names[] = {
    [VERIFY_CONTENT] = "content",
    [VERIFY_ID] = "id",
    [VERIFY_STATUS] = "status",
};
#define VERIFY_COUNT (sizeof verify_names / sizeof verify_names[0])

/* One cli_parse call's state: where things go and what was seen so far. */
struct parser {
    const struct model *model;
    struct options *opts;
    FILE *out, *err;
    const char *workload_text;  /* the positional argument, once seen */
    bool url_given;             /* --url was seen: $MOCK_URL is not read */
    const struct option *long_options;  /* the ones this model accepts */
    int concurrency_given;
};

const char *workload_name(enum workload workload)
{
    if ((size_t)workload >= WORKLOAD_COUNT)
        return "unknown";
    return workload_names[workload];
}

const char *verify_name(enum verify verify)
{
    if ((size_t)verify >= VERIFY_COUNT)
        return "unknown";
    return verify_names[verify];
}

/* ---- Value parsers ---- */

/* Copies [start, end) without its leading and trailing blanks into buf.
 * Returns the length, or -1 when it does not fit in size - 1 bytes. */
static int copy_trimmed(const char *start, const char *end, char *buf, size_t size)
{
    size_t len;

    while (start < end && isspace((unsigned char)*start))
        start++;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    len = (size_t)(end - start);
    if (len >= size)
        return -1;
    memcpy(buf, start, len);
    buf[len] = '\0';
    return (int)len;
}

/* Parses one "NAME:SECONDS" item, [start, end), into *dish. The last ':'
 * splits, so a name may hold a ':' itself. 0, or -1 with why filled. */
static int dish_parse(const char *start, const char *end, struct dish *dish,
                      char *why, size_t why_size)
{
    const char *colon = NULL;
    char seconds_text[64];
    int item_len = (int)(end - start);

    for (const char *p = start; p < end; p++)
        if (*p == ':')
            colon = p;
    if (colon == NULL) {
        snprintf(why, why_size, "'%.*s' has no ':SECONDS'", item_len, start);
        return -1;
    }
    int name_len = copy_trimmed(start, colon, dish->name, sizeof dish->name);
    if (name_len < 0) {
        snprintf(why, why_size, "the name in '%.*s' is longer than %d bytes",
                 item_len, start, DISH_NAME_MAX - 1);
        return -1;
    }
    if (name_len == 0) {
        snprintf(why, why_size, "'%.*s' has no name", item_len, start);
        return -1;
    }
    /* Blanks around a list's separators are the list's; the time itself
     * is a plain decimal (units.h), so it is never below 0. */
    if (copy_trimmed(colon + 1, end, seconds_text, sizeof seconds_text) < 0
        || units_parse_decimal(seconds_text, DISH_SECONDS_MAX, &dish->seconds) != 0) {
        snprintf(why, why_size, "'%.*s': the time is not a number of seconds from 0 to %.0f",
                 item_len, start, DISH_SECONDS_MAX);
        return -1;
    }
    return 0;
}

int dish_list_parse(const char *text, struct dish *dishes, int max_dishes,
                    char *why, size_t why_size)
{
    const char *start = text;
    int count = 0;

    if (text[strspn(text, " \t")] == '\0') {
        snprintf(why, why_size, "the list of dishes is empty");
        return -1;
    }
    for (;;) {
        const char *end = strchr(start, ',');
        if (end == NULL)
            end = start + strlen(start);
        if (count == max_dishes) {
            snprintf(why, why_size, "more than %d dishes", max_dishes);
            return -1;
        }
        if (dish_parse(start, end, &dishes[count], why, why_size) != 0)
            return -1;
        count++;
        if (*end == '\0')
            return count;
        start = end + 1;
    }
}

/* ---- Messages ---- */

/* "count" for OPT_COUNT: messages name every option by its long name. */
static const char *option_name(const struct parser *p, int id)
{
    return option_long_name(p->long_options, id);
}

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

static enum cli_result bad_number(struct parser *p, int id, const char *text,
                                  long min, long max)
{
    return usage_error(p, "--%s: '%s' is not a whole number from %ld to %ld",
                       option_name(p, id), text, min, max);
}

/* Stores a whole-number option's value, or reports it. */
static enum cli_result set_long(struct parser *p, int id, const char *text,
                                long min, long max, long *field)
{
    if (units_parse_long(text, min, max, field) != 0)
        return bad_number(p, id, text, min, max);
    return CLI_RUN;
}

/* Stores a path option's value, or reports one empty or too long. An empty
 * value would read as the option's absence (no trace, a fresh temporary
 * folder): say so rather than run without what was asked for. */
static enum cli_result set_path(struct parser *p, int id, const char *text,
                                char *field, size_t size)
{
    if (text[0] == '\0')
        return usage_error(p, "--%s: the %s name is empty", option_name(p, id),
                           id == OPT_DIR ? "folder's" : "file");
    if (strlen(text) >= size)
        return usage_error(p, "--%s: the path is longer than %zu bytes",
                           option_name(p, id), size - 1);
    memcpy(field, text, strlen(text) + 1);
    return CLI_RUN;
}

/* ---- Help and version ---- */

/* Writes the help to out. It ends the program, so an error writing it is
 * reported on err; its exit code is then 2, the nearest one this
 * interface has for "nothing was run". */
static enum cli_result print_help(struct parser *p)
{
    const char *prog = program_name();
    const struct model *m = p->model;
    FILE *out = p->out;

    fprintf(out,
        "Usage: %s WORKLOAD [options]\n"
        "%s: %s.\n"
        "\n"
        "Workloads:\n"
        "  fetch               GET N small JSON items and check each one\n"
        "  download            download N blobs into files and check their bytes\n"
        "  files               write N files, read each back and check it\n"
        "  cook                prepare each dish of --dishes (--count does not apply)\n"
        "  cpu                 compute N tasks of --rounds rounds each; nothing to wait for\n"
        "\n"
        "Options (--opt VALUE and --opt=VALUE both work):\n"
        "  --url BASE          server base URL, http://HOST[:PORT][/PATH]: no query,\n"
        "                      fragment or user info (default: $MOCK_URL,\n"
        "                      else " DEFAULT_URL ")\n"
        "  --path TEMPLATE     fetch, download: where a task's request goes under --url,\n"
        "                      {id} and {size} filled in (default: " FETCH_PATH_DEFAULT ",\n"
        "                      download: " DOWNLOAD_PATH_DEFAULT ")\n"
        "  --verify MODE       fetch, download: what an answer must be: content (a 200\n"
        "                      with the mock server's bytes), id (a 200; fetch: a JSON\n"
        "                      object with the task's \"id\"), status (any 2xx)\n"
        "                      (default: content)\n"
        "  -n, --count N       tasks to run, 1..%ld (default: 100)\n"
        "  --latency-ms L      ask the server to wait L ms per answer, 0..600000\n"
        "                      (default: the server's own latency)\n"
        "  --concurrency C     in %s: %s, 1..%ld\n"
        "  --retries R         extra attempts after a failed one, 0..100 (default: 0)\n"
        "  --backoff-ms B      wait B * 2^k ms before retry k+1, 0..3600000 (default: 100)\n"
        "  --timeout-ms T      per attempt, connect included, 1..3600000 (default: 10000)\n"
        "  --process-ms P      fetch: a pause per item, as for a call elsewhere,\n"
        "                      0..3600000 (default: 0)\n"
        "  --process-cpu-ms P  fetch: P ms of busy CPU per item, after it is checked,\n"
        "                      0..3600000 (default: 0)\n"
        "  --rounds R          cpu: rounds of hashing 64 KiB per task, 0..100000000\n"
        "                      (default: " TEXT(ROUNDS_DEFAULT) ")\n"
        "  --size BYTES        download, files: bytes per blob or file, with K, M or G\n"
        "                      (powers of 1024), 0..16G (default: 1M)\n"
        "  --dir DIR           download, files: the folder to write in\n"
        "                      (default: a fresh temporary folder, removed at the end)\n"
        "  --keep              keep the written files (default: off)\n"
        "  --fsync             files: fsync each file after writing it (default: off)\n"
        "  --time-scale F      cook: multiply every dish's time by F, above 0 up to 1000\n"
        "                      (default: 1)\n"
        "  --dishes LIST       cook: \"NAME:SECONDS,...\"\n"
        "                      (default: \"" DEFAULT_DISHES "\")\n"
        "  --trace FILE        write every task's record to FILE as CSV (default: none)\n"
        "  --trace-events FILE write the run to FILE in the Trace Event Format (JSON),\n"
        "                      for ui.perfetto.dev or chrome://tracing (default: none)\n"
        "  --timeline          after the run, a chart of every task on stderr, as wide\n"
        "                      as $COLUMNS, else the terminal, else 80 (default: off)\n"
        "  --cache FILE        keep completed tasks' results in FILE; a rerun with the\n"
        "                      same workload options skips them (default: none)\n"
        "  --json              one JSON object on stdout instead of the table (default: off)\n"
        "  -v, --verbose       a line on stderr for every task event (default: off)\n"
        "  -q, --quiet         nothing for people on stdout; --json still prints (default: off)\n",
        prog, prog, m->about, COUNT_MAX, prog, m->concurrency_help,
        m->concurrency_max > 0 ? m->concurrency_max : COUNT_MAX);
    for (const struct model_option *mo = m->options; mo != NULL && mo->name != NULL; mo++) {
        char usage[64];

        snprintf(usage, sizeof usage, "--%s%s%s", mo->name, mo->value_name != NULL ? " " : "",
                 mo->value_name != NULL ? mo->value_name : "");
        if (mo->value_name == NULL)
            fprintf(out, "  %-19s %s (default: %s)\n", usage, mo->help, mo->default_help);
        else
            fprintf(out, "  %-19s %s, %ld..%ld (default: %s)\n", usage, mo->help, mo->min,
                    mo->max, mo->default_help);
    }
    fprintf(out,
        "  -h, --help          print this help and exit\n"
        "  --version           print the version and library versions and exit\n"
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

/* ---- The parse ---- */

static void set_defaults(const struct model *model, struct options *opts)
{
    char why[128];

    for (const struct model_option *mo = model->options; mo != NULL && mo->name != NULL; mo++)
        *mo->value = mo->default_value;

    memset(opts, 0, sizeof *opts);
    opts->workload = WORKLOAD_FETCH;
    opts->verify = VERIFY_CONTENT;
    opts->count = 100;
    opts->latency_ms = -1;
    opts->concurrency = 0;
    opts->retries = 0;
    opts->backoff_ms = 100;
    opts->timeout_ms = 10000;
    opts->process_ms = 0;
    opts->size_bytes = 1ULL << 20;
    opts->time_scale = 1.0;
    opts->rounds = ROUNDS_DEFAULT;
    /* A constant that parses: the unit tests hold it to that. */
    opts->dish_count = dish_list_parse(DEFAULT_DISHES, opts->dishes, DISHES_MAX,
                                       why, sizeof why);
}

/* Takes the positional argument: the workload, exactly once. */
static enum cli_result take_workload(struct parser *p, const char *text)
{
    if (p->workload_text != NULL)
        return usage_error(p, "one workload only, but got '%s' and '%s'",
                           p->workload_text, text);
    for (size_t i = 0; i < WORKLOAD_COUNT; i++) {
        if (strcmp(text, workload_names[i]) == 0) {
            p->opts->workload = (enum workload)i;
            p->workload_text = text;
            return CLI_RUN;
        }
    }
    return usage_error(p, "'%s' is not a workload (fetch, download, files, cook, cpu)", text);
}

/* Why the port, the text from start to end after a ':', is refused, or
 * NULL: decimal digits only, 1 to 65535. */
static const char *port_fault(const char *start, const char *end)
{
    long port = 0;

    if (start == end)
        return ": the port is not a number from 1 to 65535";
    for (const char *c = start; c < end; c++) {
        if (*c < '0' || *c > '9')
            return ": the port is not a number from 1 to 65535";
        port = port * 10 + (*c - '0');
        if (port > 65535)
            return ": the port is not a number from 1 to 65535";
    }
    return port == 0 ? ": the port is not a number from 1 to 65535" : NULL;
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
            return ": the port is not a number from 1 to 65535";
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
 * and stores it without trailing slashes. */
static enum cli_result take_url(struct parser *p, const char *text, const char *source)
{
    const char *fault = base_url_fault(text);
    size_t len = strlen(text);

    while (len > 0 && text[len - 1] == '/')
        len--;
    if (fault != NULL)
        return usage_error(p, "%s: '%s'%s", source, text, fault);
    if (len >= sizeof p->opts->url)
        return usage_error(p, "%s: the URL is longer than %zu bytes",
                           source, sizeof p->opts->url - 1);
    memcpy(p->opts->url, text, len);
    p->opts->url[len] = '\0';
    return CLI_RUN;
}

static enum cli_result take_concurrency(struct parser *p, const char *text)
{
    long max = p->model->concurrency_max;

    if (set_long(p, OPT_CONCURRENCY, text, 1, COUNT_MAX, &p->opts->concurrency) != CLI_RUN)
        return CLI_EXIT_USAGE;
    if (max > 0 && p->opts->concurrency > max)
        return usage_error(p, "--concurrency %ld: %s (%s %ld is accepted)",
                           p->opts->concurrency, p->model->concurrency_help,
                           max == 1 ? "only" : "at most", max);
    return CLI_RUN;
}

/* Stores --path after checking it (workload.c says what a template may hold). */
static enum cli_result take_path(struct parser *p, const char *text)
{
    char why[PATH_TEMPLATE_MAX + 64];

    if (strlen(text) >= sizeof p->opts->path)
        return usage_error(p, "--path: the template is longer than %zu bytes",
                           sizeof p->opts->path - 1);
    if (path_template_check(text, why, sizeof why) != 0)
        return usage_error(p, "--path: %s", why);
    memcpy(p->opts->path, text, strlen(text) + 1);
    return CLI_RUN;
}

static enum cli_result take_verify(struct parser *p, const char *text)
{
    for (size_t i = 0; i < VERIFY_COUNT; i++) {
        if (strcmp(text, verify_names[i]) == 0) {
            p->opts->verify = (enum verify)i;
            return CLI_RUN;
        }
    }
    return usage_error(p, "--verify: '%s' is not content, id or status", text);
}

static enum cli_result take_size(struct parser *p, const char *text)
{
    uint64_t bytes;

    if (units_parse(text, units_bytes, SIZE_MAX_BYTES, &bytes) != 0)
        return usage_error(p, "--size: '%s' is not a byte count from 0 to 16G "
                           "(K, M, G suffixes allowed)", text);
    p->opts->size_bytes = bytes;
    return CLI_RUN;
}

static enum cli_result take_time_scale(struct parser *p, const char *text)
{
    double scale;

    if (units_parse_decimal(text, 1000, &scale) != 0 || scale <= 0)
        return usage_error(p, "--time-scale: '%s' is not a number above 0 and at most 1000",
                           text);
    p->opts->time_scale = scale;
    return CLI_RUN;
}

static enum cli_result take_dishes(struct parser *p, const char *text)
{
    char why[256];
    int count = dish_list_parse(text, p->opts->dishes, DISHES_MAX, why, sizeof why);

    if (count < 0)
        return usage_error(p, "--dishes: %s", why);
    p->opts->dish_count = count;
    return CLI_RUN;
}

/* Reports what getopt_long refused: a value missing (':') or anything
 * else ('?'), for the word arg. */
static enum cli_result refused_option(struct parser *p, int id, const char *arg)
{
    char why[256];

    option_refusal(id, p->long_options, arg, why, sizeof why);
    return usage_error(p, "%s", why);
}

/* Applies one option (or the positional argument, id 1). */
static enum cli_result apply_option(struct parser *p, int id, const char *arg)
{
    struct options *o = p->opts;

    switch (id) {
    case 1: return take_workload(p, arg);
    case OPT_URL: p->url_given = true; return take_url(p, arg, "--url");
    case OPT_PATH: return take_path(p, arg);
    case OPT_VERIFY: return take_verify(p, arg);
    case OPT_COUNT: return set_long(p, id, arg, 1, COUNT_MAX, &o->count);
    case OPT_LATENCY_MS: return set_long(p, id, arg, 0, 600000, &o->latency_ms);
    case OPT_CONCURRENCY: return take_concurrency(p, arg);
    case OPT_RETRIES: return set_long(p, id, arg, 0, 100, &o->retries);
    case OPT_BACKOFF_MS: return set_long(p, id, arg, 0, 3600000, &o->backoff_ms);
    case OPT_TIMEOUT_MS: return set_long(p, id, arg, 1, 3600000, &o->timeout_ms);
    case OPT_PROCESS_MS: return set_long(p, id, arg, 0, 3600000, &o->process_ms);
    case OPT_PROCESS_CPU_MS: return set_long(p, id, arg, 0, 3600000, &o->process_cpu_ms);
    case OPT_ROUNDS: return set_long(p, id, arg, 0, 100000000, &o->rounds);
    case OPT_SIZE: return take_size(p, arg);
    case OPT_DIR: return set_path(p, id, arg, o->dir, sizeof o->dir);
    case OPT_KEEP: o->keep = true; return CLI_RUN;
    case OPT_FSYNC: o->fsync = true; return CLI_RUN;
    case OPT_TIME_SCALE: return take_time_scale(p, arg);
    case OPT_DISHES: return take_dishes(p, arg);
    case OPT_TRACE: return set_path(p, id, arg, o->trace_path, sizeof o->trace_path);
    case OPT_TRACE_EVENTS:
        return set_path(p, id, arg, o->trace_events_path, sizeof o->trace_events_path);
    case OPT_TIMELINE: o->timeline = true; return CLI_RUN;
    case OPT_CACHE: return set_path(p, id, arg, o->cache_path, sizeof o->cache_path);
    case OPT_JSON: o->json = true; return CLI_RUN;
    case OPT_VERBOSE: o->verbose = true; return CLI_RUN;
    case OPT_QUIET: o->quiet = true; return CLI_RUN;
    case OPT_HELP: return print_help(p);
    case OPT_VERSION: return print_version(p);
    case ':': return refused_option(p, id, arg);
    }
    if (id >= OPT_MODEL_FIRST) {
        const struct model_option *mo = &p->model->options[id - OPT_MODEL_FIRST];
        if (mo->value_name == NULL) {
            *mo->value = 1;
            return CLI_RUN;
        }
        return set_long(p, id, arg, mo->min, mo->max, mo->value);
    }
    return refused_option(p, id, arg);
}

/* Fills options[] with the options this model accepts, NULL-terminated:
 * the shared ones, then the model's own. A model with more than
 * MODEL_OPTIONS_MAX is a bug: the program says so and aborts. */
static void build_long_options(const struct model *m, struct option *options)
{
    size_t n = 0;

    for (size_t i = 0; i < SHARED_OPTION_COUNT; i++)
        options[n++] = shared_options[i];
    for (int i = 0; m->options != NULL && m->options[i].name != NULL; i++) {
        if (i == MODEL_OPTIONS_MAX) {
            fprintf(stderr, "%s: more than %d model options\n", program_name(),
                    MODEL_OPTIONS_MAX);
            abort();
        }
        int has_arg = m->options[i].value_name != NULL ? required_argument : no_argument;
        options[n++] = (struct option){ m->options[i].name, has_arg, NULL, OPT_MODEL_FIRST + i };
    }
    memset(&options[n], 0, sizeof options[n]);
}

enum cli_result cli_parse(int argc, char **argv, const struct model *model,
                          struct options *opts, FILE *out, FILE *err)
{
    struct option long_options[SHARED_OPTION_COUNT + MODEL_OPTIONS_MAX + 1];
    struct parser p = {
        .model = model, .opts = opts, .out = out, .err = err,
        .long_options = long_options,
    };
    enum cli_result result = CLI_RUN;
    int id;

    set_defaults(model, opts);
    build_long_options(model, long_options);
    optind = 0;     /* 0, not 1: makes glibc forget any earlier parse */
    opterr = 0;
    while (result == CLI_RUN
           && (id = getopt_long(argc, argv, short_options, long_options, NULL)) != -1)
        result = apply_option(&p, id, id == '?' || id == ':' ? argv[optind - 1] : optarg);
    /* Whatever follows "--" is positional too. */
    for (; result == CLI_RUN && optind < argc; optind++)
        result = take_workload(&p, argv[optind]);
    if (result != CLI_RUN)
        return result;
    if (p.workload_text == NULL)
        return usage_error(&p, "no workload given (fetch, download, files, cook, cpu); see --help");
    if (opts->path[0] == '\0')   /* known only now: it depends on the workload */
        snprintf(opts->path, sizeof opts->path, "%s", workload_default_path(opts->workload));
    if (!p.url_given) {         /* read only now, and only when --url did not say */
        const char *env_url = getenv("MOCK_URL");

        return take_url(&p, env_url != NULL && env_url[0] != '\0' ? env_url : DEFAULT_URL,
                        "$MOCK_URL");
    }
    return CLI_RUN;
}
