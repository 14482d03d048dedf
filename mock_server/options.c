/* options.c: the mock server's command line, parsed with getopt_long.
 *
 * Each value is checked in full as the loop meets it (no blank, sign or
 * trailing junk, within its range): whole numbers and the fail rate by
 * common/units.c, which the clients use too. The first bad one is named,
 * with its value, in one stderr line in the clients' words
 * (common/cli.c: "--port: 'x' is not a whole number from 0 to 65535"),
 * and the program exits 2. */
#include "options.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <civetweb.h>

#include "option_refusal.h"
#include "units.h"

#define SEED_MAX 9007199254740991ULL /* 2^53 - 1: exact as a JSON number */
#define TEXT_OF(x) #x
#define TEXT(x) TEXT_OF(x)           /* TEXT(REQUEST_TIMEOUT_MAX_MS) is "3600000" */

static const char usage_text[] =
"Usage: mock_server [OPTION]...\n"
"An HTTP server with a fixed latency, for benchmarking HTTP clients.\n"
"\n"
"Options:\n"
"  --host ADDR          IPv4 address to listen on (default 127.0.0.1)\n"
"  --port N             port, 0..65535; 0 takes a free one (default 8080)\n"
"  --latency-ms MS      delay before each /items or /blobs answer,\n"
"                       0..600000 (default 200)\n"
"  --jitter-ms MS       spread the latency uniformly over +-MS, fixed per id\n"
"                       by the seed, never below 0, 0..600000 (default 0)\n"
"  --threads N          worker threads, 1..10000 (default 512); one worker\n"
"                       holds one request for its whole latency, so N\n"
"                       requests at once take ceil(N/threads) latencies\n"
"  --keep-alive on|off  HTTP keep-alive (default on)\n"
"  --keep-alive-ms MS   an idle kept-alive connection holds its worker this\n"
"                       long, 1..60000 (default 500)\n"
"  --request-timeout-ms MS\n"
"                       the longest a worker waits on one read or write of\n"
"                       its connection: a client that sends half a request,\n"
"                       or stops reading, is let go after it,\n"
"                       1.." TEXT(REQUEST_TIMEOUT_MAX_MS) " (default "
TEXT(REQUEST_TIMEOUT_DEFAULT_MS) ")\n"
"  --seed S             chooses the failing ids and the jitter,\n"
"                       0..9007199254740991 (default 0)\n"
"  --fail-rate P        fraction of ids that fail, 0..1 (default 0)\n"
"  --fail-times K       a failing id fails its first K requests, then\n"
"                       succeeds; 0: it always fails; 0..10000 (default 1)\n"
"  --fail-kind KIND     how a failing request fails (default status):\n"
"                         status    500 with a short text body\n"
"                         reset     connection closed, no response at all\n"
"                         hang      no answer for --hang-ms, then closed\n"
"                         truncate  full Content-Length, half the body, closed\n"
"                         badjson   200 with invalid JSON; a blob is\n"
"                                   truncated instead\n"
"                       reset and hang turn keep-alive off: a client takes a\n"
"                       reused connection closed with no response for a\n"
"                       stale one and silently asks again, losing the fault\n"
"  --hang-ms MS         how long a hang lasts, 0..3600000 (default 60000)\n"
"  -q, --quiet          no civetweb diagnostics on stderr\n"
"  -v, --verbose        one stderr line per request\n"
"  -h, --help           this text\n"
"      --version        the version\n"
"\n"
"Endpoints (all take ?latency_ms=L, 0..600000, for that one request):\n"
"  GET  /items/{id}             {\"id\": ID, \"payload\": \"...\"}; id 1..999999999\n"
"  GET  /blobs/{id}?size=BYTES  BYTES (0..16 GiB) deterministic bytes\n"
"  GET  /stats                  counters as JSON (requests, in_flight,\n"
"                               max_in_flight, responses, faults, ...)\n"
"  POST /stats/reset            zero the counters and the fault attempts\n"
"  GET  /health                 \"ok\"\n"
"  GET  /faults?count=N         JSON array of the failing ids in 1..N\n"
"\n"
"Prints \"listening on http://HOST:PORT\" on stdout when ready; SIGINT,\n"
"SIGTERM or SIGHUP stops it. Exit: 0 stopped, 2 bad usage, 3 setup failed.\n";

enum {
    OPT_HOST = 256, OPT_PORT, OPT_LATENCY, OPT_JITTER, OPT_THREADS,
    OPT_KEEP_ALIVE, OPT_KEEP_ALIVE_MS, OPT_REQUEST_TIMEOUT, OPT_SEED, OPT_FAIL_RATE,
    OPT_FAIL_TIMES, OPT_FAIL_KIND, OPT_HANG, OPT_VERSION
};

static const struct option long_options[] = {
    { "host", required_argument, NULL, OPT_HOST },
    { "port", required_argument, NULL, OPT_PORT },
    { "latency-ms", required_argument, NULL, OPT_LATENCY },
    { "jitter-ms", required_argument, NULL, OPT_JITTER },
    { "threads", required_argument, NULL, OPT_THREADS },
    { "keep-alive", required_argument, NULL, OPT_KEEP_ALIVE },
    { "keep-alive-ms", required_argument, NULL, OPT_KEEP_ALIVE_MS },
    { "request-timeout-ms", required_argument, NULL, OPT_REQUEST_TIMEOUT },
    { "seed", required_argument, NULL, OPT_SEED },
    { "fail-rate", required_argument, NULL, OPT_FAIL_RATE },
    { "fail-times", required_argument, NULL, OPT_FAIL_TIMES },
    { "fail-kind", required_argument, NULL, OPT_FAIL_KIND },
    { "hang-ms", required_argument, NULL, OPT_HANG },
    { "quiet", no_argument, NULL, 'q' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

static void set_defaults(struct server_options *opt)
{
    memset(opt, 0, sizeof *opt);
    snprintf(opt->host, sizeof opt->host, "127.0.0.1");
    opt->port = 8080;
    opt->latency_ms = 200;
    opt->jitter_ms = 0;
    opt->threads = THREADS_DEFAULT;
    opt->keep_alive = true;
    opt->keep_alive_ms = 500;
    opt->request_timeout_ms = REQUEST_TIMEOUT_DEFAULT_MS;
    opt->seed = 0;
    opt->fail_rate = 0;
    opt->fail_times = 1;
    opt->fail_kind = FAULT_STATUS;
    opt->hang_ms = 60000;
}

/* Prints what a whole-number option expects. -1, for the caller to return. */
static int bad_integer(const char *name, const char *text, unsigned long long min,
                       unsigned long long max)
{
    fprintf(stderr, "mock_server: --%s: '%s' is not a whole number from %llu to %llu\n",
            name, text, min, max);
    return -1;
}

/* Sets *out from text, a plain whole number in min..max (both at least 0).
 * 0, or -1 after printing what the option expects. */
static int parse_long(const char *name, const char *text, long min, long max, long *out)
{
    if (units_parse_long(text, min, max, out) != 0)
        return bad_integer(name, text, (unsigned long long)min, (unsigned long long)max);
    return 0;
}

/* Sets *out from text, a decimal in 0..1. 0, or -1 after printing why not. */
static int parse_rate(const char *text, double *out)
{
    if (units_parse_decimal(text, 1, out) != 0) {
        fprintf(stderr, "mock_server: --fail-rate: '%s' is not a number from 0 to 1\n", text);
        return -1;
    }
    return 0;
}

static int parse_host(const char *text, struct server_options *opt)
{
    struct in_addr addr;

    if (strlen(text) >= sizeof opt->host || inet_pton(AF_INET, text, &addr) != 1) {
        fprintf(stderr, "mock_server: --host: '%s' is not an IPv4 address such as "
                        "127.0.0.1\n", text);
        return -1;
    }
    snprintf(opt->host, sizeof opt->host, "%s", text);
    return 0;
}

static int parse_on_off(const char *text, bool *out)
{
    if (strcmp(text, "on") == 0 || strcmp(text, "off") == 0) {
        *out = strcmp(text, "on") == 0;
        return 0;
    }
    fprintf(stderr, "mock_server: --keep-alive: '%s' is not on or off\n", text);
    return -1;
}

/* Applies one option with a value. 0, or -1 after printing what is wrong. */
static int apply_option(int code, const char *arg, struct server_options *opt)
{
    switch (code) {
    case OPT_HOST:
        return parse_host(arg, opt);
    case OPT_PORT:
        return parse_long("port", arg, 0, 65535, &opt->port);
    case OPT_LATENCY:
        return parse_long("latency-ms", arg, 0, LATENCY_MAX_MS, &opt->latency_ms);
    case OPT_JITTER:
        return parse_long("jitter-ms", arg, 0, LATENCY_MAX_MS, &opt->jitter_ms);
    case OPT_THREADS:
        return parse_long("threads", arg, 1, THREADS_MAX, &opt->threads);
    case OPT_KEEP_ALIVE:
        return parse_on_off(arg, &opt->keep_alive);
    case OPT_KEEP_ALIVE_MS:
        return parse_long("keep-alive-ms", arg, 1, KEEP_ALIVE_MAX_MS, &opt->keep_alive_ms);
    case OPT_REQUEST_TIMEOUT:
        return parse_long("request-timeout-ms", arg, 1, REQUEST_TIMEOUT_MAX_MS,
                          &opt->request_timeout_ms);
    case OPT_SEED:
        if (units_parse(arg, units_none, SEED_MAX, &opt->seed) != 0)
            return bad_integer("seed", arg, 0, SEED_MAX);
        return 0;
    case OPT_FAIL_RATE:
        return parse_rate(arg, &opt->fail_rate);
    case OPT_FAIL_TIMES:
        return parse_long("fail-times", arg, 0, FAIL_TIMES_MAX, &opt->fail_times);
    case OPT_FAIL_KIND:
        if (fault_kind_parse(arg, &opt->fail_kind) == 0)
            return 0;
        fprintf(stderr, "mock_server: --fail-kind: '%s' is not status, reset, hang, "
                        "truncate or badjson\n", arg);
        return -1;
    case OPT_HANG:
        return parse_long("hang-ms", arg, 0, HANG_MAX_MS, &opt->hang_ms);
    default:
        fprintf(stderr, "mock_server: internal error: option %d unhandled\n", code);
        return -1;
    }
}

int options_parse(int argc, char **argv, struct server_options *opt)
{
    int code;

    set_defaults(opt);
    opterr = 0; /* our own one-line messages instead of getopt's */
    while ((code = getopt_long(argc, argv, ":hqv", long_options, NULL)) != -1) {
        switch (code) {
        case 'h':
            fputs(usage_text, stdout);
            return 1;
        case OPT_VERSION:
            printf("mock_server %s (civetweb %s)\n", MOCK_VERSION, mg_version());
            return 1;
        case 'q':
            opt->quiet = true;
            break;
        case 'v':
            opt->verbose = true;
            break;
        case ':':
        case '?': {
            char why[256];

            option_refusal(code, long_options, argv[optind - 1], why, sizeof why);
            fprintf(stderr, "mock_server: %s\n", why);
            return 2;
        }
        default:
            if (apply_option(code, optarg, opt) != 0)
                return 2;
            break;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mock_server: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    /* A connection closed with no response (reset; hang once --hang-ms is
     * over) looks to a client exactly like an idle keep-alive connection
     * the server let go, so libcurl sends the request again on a new
     * connection, unseen by the program, and the fault is lost. With every
     * request on its own connection, each fault reaches the client. */
    if (opt->fail_rate > 0 && (opt->fail_kind == FAULT_RESET || opt->fail_kind == FAULT_HANG))
        opt->keep_alive = false;
    return 0;
}
