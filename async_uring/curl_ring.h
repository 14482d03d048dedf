/* curl_ring.h: libcurl's multi socket interface, driven by an io_uring.
 *
 * loop/curl_uv.h's glue, with the ring in libuv's place: libcurl says which
 * sockets to watch and when to wake it; the ring watches each socket with a
 * poll request (multishot: it stays armed while libcurl wants the same)
 * and wakes libcurl with a ring timeout; each finished transfer is handed
 * to the owner. libcurl still does its own reads and writes on the
 * sockets, with recv and send: the ring tells it when, and no more. That
 * is where completion stops in this model. Read curl_ring.c from top to
 * bottom, beside loop/curl_uv.c. */
#ifndef ASYNC_URING_CURL_RING_H
#define ASYNC_URING_CURL_RING_H

#include <stdbool.h>
#include <stdio.h>

#include <curl/curl.h>

#include "ring.h"

/* Told of a finished transfer, which has already left the multi handle:
 * the owner may reuse easy (add it again) or clean it up. easy_private is
 * the easy handle's CURLOPT_PRIVATE. why is NULL when libcurl ended the
 * transfer (its error buffer says why), or the glue's own words when the
 * glue ended it: "no memory to watch its socket". */
typedef void curl_ring_done_fn(CURL *easy, CURLcode result, const char *why, void *easy_private);

/* A transfer whose socket the ring could not watch, to be ended by the
 * glue on the loop's next turn (libcurl may not be called from the socket
 * callback that found out). */
struct curl_ring_unwatched {
    CURL *easy;
    bool no_memory;          /* the cause was memory: CURLE_OUT_OF_MEMORY */
    const char *call;        /* what failed ("curl_multi_assign"), NULL for the allocation */
    const char *reason;      /* its error's static text, when call is not NULL */
};

/* libcurl on a ring. Owned by its creator, which keeps it in place from
 * curl_ring_init until the ring has drained after curl_ring_close (the
 * sockets' polls point back here). */
struct curl_ring {
    struct ring *ring;
    CURLM *multi;
    struct ring_timer timer;     /* libcurl's one timeout (CURLMOPT_TIMERFUNCTION) */
    curl_ring_done_fn *on_done;
    long transfers;              /* easy handles in the multi handle now */
    bool multishot;              /* the kernel keeps a poll armed (5.13); else one-shot */
    /* Transfers whose socket could not be watched, each once, all in the
     * multi handle: room for one per transfer is reserved by curl_ring_add,
     * so that noting one needs no memory. unwatched_timer, at 0 ms, ends
     * them on the loop's next turn. */
    struct curl_ring_unwatched *unwatched;
    size_t unwatched_count, unwatched_size;
    struct ring_timer unwatched_timer;
    /* For the tests: AIO_BENCH_FAIL_WATCH=N, read by curl_ring_init, makes
     * the Nth socket watch fail as if calloc had no memory. 0: never. */
    unsigned long watches, fail_watch;
    /* What happened, for curl_ring_report: a learner can see the glue work. */
    unsigned long polls_opened, polls_closed, poll_errors;
    unsigned long poll_reads, poll_writes;  /* poll completions that told libcurl a
                                      * socket was readable, writable */
    unsigned long polls_rearmed;     /* a poll set again: interest changed, or one-shot */
    unsigned long timer_starts, timer_stops, socket_actions, finished;
    unsigned long sockets_unwatched;  /* transfers ended for a socket not watched */
};

/* Makes the multi handle and the timers and connects their callbacks.
 * 0, or -1 after printing one line; nothing is left to close then. */
int curl_ring_init(struct curl_ring *cr, struct ring *ring, curl_ring_done_fn *on_done);

/* Starts a transfer: on_done is called when it ends, from the loop.
 * CURLM_OUT_OF_MEMORY when there is no room to note it (see unwatched). */
CURLMcode curl_ring_add(struct curl_ring *cr, CURL *easy);

/* Stops a transfer now, without on_done (Ctrl-C). */
CURLMcode curl_ring_remove(struct curl_ring *cr, CURL *easy);

/* Cleans up the multi handle (libcurl closes its cached connections, and
 * their polls are cancelled) and stops the timers. No transfer may be
 * running. The polls' and timers' last completions come as the ring
 * drains; only then may cr go. */
void curl_ring_close(struct curl_ring *cr);

/* One line of counters, for --verbose and the tests. */
void curl_ring_report(const struct curl_ring *cr, FILE *out);

#endif
