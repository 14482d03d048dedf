/* options.h: the mock server's command line, parsed and checked.
 *
 * Each option's limits, default and help live in one row of options.c's
 * table; the limits the clients share (a latency, a wait, a port) come
 * from base/bounds.h. */
#ifndef MOCK_OPTIONS_H
#define MOCK_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "bounds.h"
#include "faults.h"

#define MOCK_VERSION "1.0"

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
    long seed;                 /* picks the failing ids and the jitter */
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
