/* server.h: the state the mock server's request handlers share.
 *
 * main.c owns the one struct server: it fills it before mg_start2, hands it
 * to every handler as callback data, and frees it after mg_stop has joined
 * every worker thread. */
#ifndef MOCK_SERVER_H
#define MOCK_SERVER_H

#include <stdatomic.h>

#include "faults.h"
#include "options.h"
#include "stats.h"

struct server {
    struct server_options opt;  /* read-only once started */
    struct server_stats stats;  /* atomics, updated by every worker */
    struct fault_plan faults;   /* atomic attempt counters */
    atomic_bool stopping;       /* set before mg_stop: sleeps, hangs and
                                   streams end early */
};

#endif
