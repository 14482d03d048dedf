/* curl_ring.h: libcurl's multi socket interface, driven by an io_uring.
 *
 * loop/curl_uv.h's glue, with the ring in libuv's place: libcurl says which
 * sockets to watch and when to wake it; the ring watches each socket with a
 * poll request (multishot: it stays armed while libcurl wants the same)
 * and wakes libcurl with a ring timeout; each finished transfer is handed
 * to the owner. libcurl still does its own reads and writes on the
 * sockets, with recv and send: the ring tells it when, and no more. That
 * is where completion stops in this model. The rest, the same as
 * curl_uv.h's, is loop/curl_glue.h. Read curl_ring.c from top to bottom,
 * beside loop/curl_uv.c. */
#ifndef ASYNC_URING_CURL_RING_H
#define ASYNC_URING_CURL_RING_H

#include <stdbool.h>
#include <stdio.h>

#include <curl/curl.h>

#include "curl_glue.h"
#include "ring.h"

/* Told of a finished transfer: see loop/curl_glue.h. */
typedef curl_glue_done_fn curl_ring_done_fn;

/* libcurl on a ring. Owned by its creator, which keeps it in place from
 * curl_ring_init until the ring has drained after curl_ring_close (the
 * sockets' polls point back here). */
struct curl_ring {
    struct curl_glue glue;       /* the multi handle, the transfers, the counters */
    struct ring *ring;
    struct ring_timer timer;     /* libcurl's one timeout (CURLMOPT_TIMERFUNCTION) */
    bool multishot;              /* the kernel keeps a poll armed (5.13); else one-shot */
    /* At 0 ms, ends on the loop's next turn the transfers whose socket
     * could not be watched (curl_glue_end_unwatched). */
    struct ring_timer unwatched_timer;
    unsigned long poll_reads, poll_writes;  /* poll completions that told libcurl a
                                      * socket was readable, writable */
    unsigned long polls_rearmed;     /* a poll set again: interest changed, or one-shot */
};

/* Makes the multi handle and the timers and connects their callbacks.
 * 0, or -1 after printing one line; nothing is left to close then. */
int curl_ring_init(struct curl_ring *cr, struct ring *ring, curl_ring_done_fn *on_done);

/* Transfers start and stop with curl_glue_add and curl_glue_remove on
 * cr->glue. */

/* Cleans up the multi handle (libcurl closes its cached connections, and
 * their polls are cancelled) and stops the timers. No transfer may be
 * running. The polls' and timers' last completions come as the ring
 * drains; only then may cr go. */
void curl_ring_close(struct curl_ring *cr);

/* One line of counters, for --verbose and the tests. */
void curl_ring_report(const struct curl_ring *cr, FILE *out);

#endif
