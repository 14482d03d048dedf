/* options.c: the mock server's command line, from one table of options.
 *
 * server_options_table says every option's kind of value, limits, default,
 * --help entry and place in struct server_options; base/option_table.c,
 * which the clients use too, makes the getopt_long table, the checks, the
 * defaults and the help from it. Each value is checked in full as the loop
 * meets it (no blank, sign or trailing junk, within its range); the first
 * bad one is named, with its value, in one stderr line in the clients'
 * words ("--port: 'x' is not a whole number from 0 to ..."), and the
 * program exits 2. */
#include "options.h"

#include <arpa/inet.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <civetweb.h>

#include "handlers.h"
#include "option_table.h"

#define HELP_WIDTH 20          /* "  --port N             port": the help's column - 3 */
#define FIELD(name) .offset = offsetof(struct server_options, name)

/* --fail-kind stores its kind's index as an int (option_table.h). */
_Static_assert(sizeof(enum fault_kind) == sizeof(int), "enum fault_kind is not int-sized");

static int take_host(void *context, const char *text, char *why, size_t why_size)
{
    struct server_options *opt = context;
    struct in_addr addr;

    if (strlen(text) >= sizeof opt->host || inet_pton(AF_INET, text, &addr) != 1) {
        snprintf(why, why_size, "--host: '%s' is not an IPv4 address such as 127.0.0.1",
                 text);
        return -1;
    }
    snprintf(opt->host, sizeof opt->host, "%s", text);
    return 0;
}

static int take_keep_alive(void *context, const char *text, char *why, size_t why_size)
{
    struct server_options *opt = context;

    if (strcmp(text, "on") != 0 && strcmp(text, "off") != 0) {
        snprintf(why, why_size, "--keep-alive: '%s' is not on or off", text);
        return -1;
    }
    opt->keep_alive = strcmp(text, "on") == 0;
    return 0;
}

static const struct option_spec server_options_table[] = {
    { .name = "host", .kind = OPTION_CUSTOM, .value_name = "ADDR", .take = take_host,
      .initial = "127.0.0.1",
      .help = "IPv4 address to listen on (default {default})" },
    { .name = "port", .kind = OPTION_WHOLE, .value_name = "N",
      .min = 0, .max = PORT_MAX, .initial = "8080", FIELD(port),
      .help = "port, {range}; 0 takes a free one (default {default})" },
    { .name = "latency-ms", .kind = OPTION_WHOLE, .value_name = "MS",
      .min = 0, .max = LATENCY_MAX_MS, .initial = "200", FIELD(latency_ms),
      .help = "delay before each /items or /blobs answer,\n"
              "{range} (default {default})" },
    { .name = "jitter-ms", .kind = OPTION_WHOLE, .value_name = "MS",
      .min = 0, .max = LATENCY_MAX_MS, .initial = "0", FIELD(jitter_ms),
      .help = "spread the latency uniformly over +-MS, fixed per id\n"
              "by the seed, never below 0, {range} (default {default})" },
    { .name = "threads", .kind = OPTION_WHOLE, .value_name = "N",
      .min = 1, .max = THREADS_MAX, .initial = "512", FIELD(threads),
      .help = "worker threads, {range} (default {default}); one worker\n"
              "holds one request for its whole latency, so N\n"
              "requests at once take ceil(N/threads) latencies" },
    { .name = "keep-alive", .kind = OPTION_CUSTOM, .value_name = "on|off",
      .take = take_keep_alive, .initial = "on",
      .help = "HTTP keep-alive (default {default})" },
    { .name = "keep-alive-ms", .kind = OPTION_WHOLE, .value_name = "MS",
      .min = 1, .max = 60000, .initial = "500", FIELD(keep_alive_ms),
      .help = "an idle kept-alive connection holds its worker this\n"
              "long, {range} (default {default})" },
    { .name = "request-timeout-ms", .kind = OPTION_WHOLE, .value_name = "MS",
      .min = 1, .max = WAIT_MAX_MS, .initial = "5000", FIELD(request_timeout_ms),
      .help = "the longest a worker waits on one read or write of\n"
              "its connection: a client that sends half a request,\n"
              "or stops reading, is let go after it,\n"
              "{range} (default {default})" },
    /* 2^53 - 1: exact as a JSON number in /stats. */
    { .name = "seed", .kind = OPTION_WHOLE, .value_name = "S",
      .min = 0, .max = 9007199254740991L, .initial = "0", FIELD(seed),
      .help = "chooses the failing ids and the jitter,\n"
              "{range} (default {default})" },
    { .name = "fail-rate", .kind = OPTION_DECIMAL, .value_name = "P",
      .min = 0, .max = 1, .initial = "0", FIELD(fail_rate),
      .help = "fraction of ids that fail, {range} (default {default})" },
    /* The attempts are 16-bit counters (faults.h). */
    { .name = "fail-times", .kind = OPTION_WHOLE, .value_name = "K",
      .min = 0, .max = 10000, .initial = "1", FIELD(fail_times),
      .help = "a failing id fails its first K requests, then\n"
              "succeeds; 0: it always fails; {range} (default {default})" },
    { .name = "fail-kind", .kind = OPTION_CHOICE, .value_name = "KIND",
      .choices = fault_kind_names, .initial = "status", FIELD(fail_kind),
      .help = "how a failing request fails (default {default}):\n"
              "  status    500 with a short text body\n"
              "  reset     connection closed, no response at all\n"
              "  hang      no answer for --hang-ms, then closed\n"
              "  truncate  full Content-Length, half the body, closed\n"
              "  badjson   200 with invalid JSON; a blob is\n"
              "            truncated instead\n"
              "reset and hang turn keep-alive off: a client takes a\n"
              "reused connection closed with no response for a\n"
              "stale one and silently asks again, losing the fault" },
    { .name = "hang-ms", .kind = OPTION_WHOLE, .value_name = "MS",
      .min = 0, .max = WAIT_MAX_MS, .initial = "60000", FIELD(hang_ms),
      .help = "how long a hang lasts, {range} (default {default})" },
    { .name = "quiet", .letter = 'q', .kind = OPTION_FLAG, FIELD(quiet),
      .help = "no civetweb diagnostics on stderr" },
    { .name = "verbose", .letter = 'v', .kind = OPTION_FLAG, FIELD(verbose),
      .help = "one stderr line per request" },
    { .name = "help", .letter = 'h', .kind = OPTION_HELP, .help = "this text" },
    { .name = "version", .kind = OPTION_VERSION, .help = "the version" },
};
#define OPTION_COUNT (sizeof server_options_table / sizeof server_options_table[0])

static void print_usage(void)
{
    printf("Usage: mock_server [OPTION]...\n"
           "An HTTP server with a fixed latency, for benchmarking HTTP clients.\n"
           "\n"
           "Options:\n");
    option_print_help(stdout, server_options_table, OPTION_COUNT, HELP_WIDTH);
    printf("\n"
           "Endpoints (all take ?latency_ms=L, 0..%d, for that one request):\n"
           "  GET  /items/{id}             {\"id\": ID, \"payload\": \"...\"}; id 1..%d\n"
           "  GET  /blobs/{id}?size=BYTES  BYTES (0..%lld GiB) deterministic bytes\n"
           "  GET  /stats                  counters as JSON (requests, in_flight,\n"
           "                               max_in_flight, responses, faults, ...)\n"
           "  POST /stats/reset            zero the counters and the fault attempts\n"
           "  GET  /health                 \"ok\"\n"
           "  GET  /faults?count=N         JSON array of the failing ids in 1..N\n"
           "\n"
           "Prints \"listening on http://HOST:PORT\" on stdout when ready; SIGINT,\n"
           "SIGTERM or SIGHUP stops it. Exit: 0 stopped, 2 bad usage, 3 setup failed.\n",
           LATENCY_MAX_MS, ID_MAX, SIZE_MAX_BYTES >> 30);
}

int options_parse(int argc, char **argv, struct server_options *opt)
{
    struct option long_options[OPTION_COUNT + 1];
    char short_options[3 * OPTION_COUNT + 2];
    char why[512];
    int code;

    memset(opt, 0, sizeof *opt);
    if (option_set_defaults(server_options_table, OPTION_COUNT, opt, opt, why, sizeof why) != 0) {
        fprintf(stderr, "mock_server: a default is wrong: %s\n", why);
        return 2;
    }
    option_build_getopt(server_options_table, OPTION_COUNT, ":", long_options, short_options,
                        sizeof short_options);
    opterr = 0; /* our own one-line messages instead of getopt's */
    while ((code = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
        switch (option_apply(server_options_table, OPTION_COUNT, long_options, code, argv,
                             opt, opt, why, sizeof why)) {
        case OPTION_STORED:
            continue;
        case OPTION_ASKS_HELP:
            print_usage();
            return 1;
        case OPTION_ASKS_VERSION:
            printf("mock_server %s (civetweb %s)\n", MOCK_VERSION, mg_version());
            return 1;
        case OPTION_REFUSED:
            fprintf(stderr, "mock_server: %s\n", why);
            return 2;
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
