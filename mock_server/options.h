/* options.h: the mock server's command line, parsed and checked.
 *
 * Every limit the server enforces on its options is named here, so the
 * --help text, the parser and docs/mock-server.md say the same thing. */
#ifndef MOCK_OPTIONS_H
#define MOCK_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "faults.h"

#define MOCK_VERSION "1.0"

#define LATENCY_MAX_MS   600000L   /* --latency-ms, --jitter-ms, ?latency_ms */
#define HANG_MAX_MS      3600000L  /* --hang-ms */
#define THREADS_DEFAULT  512L
#define THREADS_MAX      10000L    /* more would crowd the machine's pid space */
#define KEEP_ALIVE_MAX_MS 60000L   /* --keep-alive-ms */
/* --request-timeout-ms; plain ints, so that --help can quote them */
#define REQUEST_TIMEOUT_DEFAULT_MS 5000
#define REQUEST_TIMEOUT_MAX_MS     3600000
#define FAIL_TIMES_MAX   10000L    /* --fail-times; fits the 16-bit counters */

/* What the user asked for. Filled by options_parse, then read-only. */
struct server_options {
    char host[64];             /* IPv4 address to listen on */
    long port;                 /* 0: any free port */
    long latency_ms;           /* added before every workload answer */
    long jitter_ms;            /* latency spread: uniform in +-jitter_ms */
    long threads;              /* civetweb worker threads */
    bool keep_alive;           /* HTTP keep-alive on or off */
    long keep_alive_ms;        /* how long an idle kept-alive connection
                                  holds its worker */
    long request_timeout_ms;   /* the longest one read or write of a
                                  connection may wait (civetweb's
                                  request_timeout_ms): a half-sent request
                                  holds its worker no longer */
    uint64_t seed;             /* picks the failing ids and the jitter */
    double fail_rate;          /* fraction of ids that fail, 0..1 */
    long fail_times;           /* a failing id fails this many times; 0: always */
    enum fault_kind fail_kind; /* how a failing request fails */
    long hang_ms;              /* how long a "hang" fault holds the request */
    bool quiet;                /* no civetweb diagnostics on stderr */
    bool verbose;              /* one stderr line per request */
};

/* Fills opt from argv. Returns 0 to run the server, 1 when --help or
 * --version was printed (exit 0), 2 after printing one line about a bad
 * option or value on stderr (exit 2). */
int options_parse(int argc, char **argv, struct server_options *opt);

#endif
