/* curl_glue.h: libcurl's multi socket interface, whatever the loop.
 *
 * What libcurl asks of a loop is always the same: watch this socket for
 * reading or writing, stop watching it, wake me in 40 ms. The bookkeeping
 * around those asks is the same too, on any loop: the multi handle and its
 * two callbacks, the transfers whose socket could not be watched (ended on
 * the loop's next turn), handing each finished transfer to the owner, and
 * the counters. That is here, once. How a socket is watched and a time
 * kept is the loop's, in a backend that fills struct curl_glue_ops, one per
 * file, as redis's ae.h has: curl_uv.c (a uv_poll per socket, a uv_timer)
 * and async_uring/curl_ring.c (a poll request per socket, a ring timeout).
 * Read curl_uv.c first, top to bottom; this file is what it calls. */
#ifndef LOOP_CURL_GLUE_H
#define LOOP_CURL_GLUE_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

/* Told of a finished transfer, which has already left the multi handle:
 * the owner may reuse easy (add it again) or clean it up. easy_private is
 * the easy handle's CURLOPT_PRIVATE. why is NULL when libcurl ended the
 * transfer (its error buffer says why), or the glue's own words when the
 * glue ended it: "no memory to watch its socket". */
typedef void curl_glue_done_fn(CURL *easy, CURLcode result, const char *why, void *easy_private);

struct curl_glue;

/* What a backend does for the glue, on its loop. libcurl calls them from
 * inside its own functions: none may call libcurl back. */
struct curl_glue_ops {
    const char *name;    /* "curl_uv": in the glue's messages */
    /* A new socket to watch: the backend's struct for it, or NULL after
     * noting why easy's transfer must fail (curl_glue_unwatched). */
    void *(*watch)(struct curl_glue *cg, CURL *easy, curl_socket_t fd);
    /* libcurl wants what (CURL_POLL_IN, _OUT, _INOUT) of a watched socket. */
    void (*want)(struct curl_glue *cg, void *sock, CURL *easy, int what);
    /* libcurl is done with a watched socket (CURL_POLL_REMOVE, or its
     * pointer could not be stored), and may close it as soon as this
     * returns. */
    void (*unwatch)(struct curl_glue *cg, void *sock);
    /* Starts the one timer (replacing its time) or stops it. When it comes,
     * the backend calls curl_glue_action(cg, CURL_SOCKET_TIMEOUT, 0). */
    void (*timer_start)(struct curl_glue *cg, long timeout_ms);
    void (*timer_stop)(struct curl_glue *cg);
    /* Has curl_glue_end_unwatched called on the loop's next turn. */
    void (*next_turn)(struct curl_glue *cg);
};

/* A transfer whose socket the loop could not watch, to be ended by the
 * glue on the loop's next turn (libcurl may not be called from the socket
 * callback that found out). */
struct curl_glue_unwatched {
    CURL *easy;
    bool no_memory;          /* the cause was memory: CURLE_OUT_OF_MEMORY */
    const char *call;        /* what failed ("uv_poll_start"), NULL for the allocation */
    const char *reason;      /* its error's static text, when call is not NULL */
};

/* The loop-free half of a backend's struct, embedded in it. */
struct curl_glue {
    const struct curl_glue_ops *ops;
    void *backend;               /* the backend's struct, for its ops */
    CURLM *multi;
    curl_glue_done_fn *on_done;
    long transfers;              /* easy handles in the multi handle now */
    /* Transfers whose socket could not be watched, each once, all in the
     * multi handle: room for one per transfer is reserved by
     * curl_glue_add, so that noting one needs no memory. next_turn ends
     * them. */
    struct curl_glue_unwatched *unwatched;
    size_t unwatched_count, unwatched_size;
    /* For the tests: AIO_BENCH_FAIL_WATCH=N, read by curl_glue_init, makes
     * the Nth socket watch fail as if calloc had no memory. 0: never. */
    unsigned long watches, fail_watch;
    /* What happened, for the backend's report line. */
    unsigned long polls_opened, polls_closed, poll_errors;
    unsigned long timer_starts, timer_stops, socket_actions, finished;
    unsigned long sockets_unwatched;  /* transfers ended for a socket not watched */
};

/* Makes the multi handle and connects its callbacks to ops. 0, or -1 after
 * printing one line, with nothing of the glue's left to clean up. */
int curl_glue_init(struct curl_glue *cg, const struct curl_glue_ops *ops, void *backend,
                   curl_glue_done_fn *on_done);

/* Starts a transfer: on_done is called when it ends, from the loop.
 * CURLM_OUT_OF_MEMORY when there is no room to note it (see unwatched). */
CURLMcode curl_glue_add(struct curl_glue *cg, CURL *easy);

/* Stops a transfer now, without on_done (Ctrl-C). */
CURLMcode curl_glue_remove(struct curl_glue *cg, CURL *easy);

/* Cleans up the multi handle (libcurl closes its cached connections, and
 * unwatches their sockets). No transfer may be running. The backend stops
 * its timers after. */
void curl_glue_close(struct curl_glue *cg);

/* For the backend, from its loop: what happened on a watched socket
 * (CURL_CSELECT_IN, _OUT, _ERR), or the timer (CURL_SOCKET_TIMEOUT, 0).
 * libcurl does its work, and finished transfers go to the owner. */
void curl_glue_action(struct curl_glue *cg, curl_socket_t fd, int ev_bitmask);

/* For the backend, from its ops: easy's transfer has a socket the loop
 * could not watch; call is what failed (NULL for the allocation), reason
 * its error's static text. Ended on the loop's next turn. */
void curl_glue_unwatched(struct curl_glue *cg, CURL *easy, bool no_memory, const char *call,
                         const char *reason);

/* For the backend, on the turn next_turn asked for: ends the noted
 * transfers as failed. */
void curl_glue_end_unwatched(struct curl_glue *cg);

#endif
