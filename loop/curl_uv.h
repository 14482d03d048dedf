/* curl_uv.h: libcurl's multi socket interface, driven by a libuv loop.
 *
 * libcurl knows HTTP but not when to run; libuv knows when a socket is ready
 * or a time has come but not HTTP. This glue introduces them: libcurl says
 * which sockets to watch and when to wake it, libuv watches and wakes it,
 * and each finished transfer is handed to the owner. Many transfers, one
 * thread, no curl_multi_perform loop. Read curl_uv.c from top to bottom. */
#ifndef LOOP_CURL_UV_H
#define LOOP_CURL_UV_H

#include <stdbool.h>
#include <stdio.h>

#include <curl/curl.h>
#include <uv.h>

/* Told of a finished transfer, which has already left the multi handle:
 * the owner may reuse easy (add it again) or clean it up. easy_private is
 * the easy handle's CURLOPT_PRIVATE. why is NULL when libcurl ended the
 * transfer (its error buffer says why), or the glue's own words when the
 * glue ended it: "no memory to watch its socket". */
typedef void curl_uv_done_fn(CURL *easy, CURLcode result, const char *why, void *easy_private);

/* A transfer whose socket the loop could not watch, to be ended by the
 * glue on the loop's next turn (libcurl may not be called from the socket
 * callback that found out). */
struct curl_uv_unwatched {
    CURL *easy;
    bool no_memory;          /* the cause was memory: CURLE_OUT_OF_MEMORY */
    const char *call;        /* what failed ("uv_poll_start"), NULL for the allocation */
    const char *reason;      /* its error's static text, when call is not NULL */
};

/* libcurl on a loop. Owned by its creator, which keeps it in place from
 * curl_uv_init until the loop has run the close callbacks that follow
 * curl_uv_close (the sockets' handles point back here). */
struct curl_uv {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;            /* libcurl's one timeout (CURLMOPT_TIMERFUNCTION) */
    curl_uv_done_fn *on_done;
    long transfers;              /* easy handles in the multi handle now */
    struct curl_uv_socket *closing;  /* poll handles closed, not yet freed */
    /* Transfers whose socket could not be watched, each once, all in the
     * multi handle: room for one per transfer is reserved by curl_uv_add,
     * so that noting one needs no memory. unwatched_timer, at 0 ms, ends
     * them on the loop's next turn. */
    struct curl_uv_unwatched *unwatched;
    size_t unwatched_count, unwatched_size;
    uv_timer_t unwatched_timer;
    /* For the tests: AIO_BENCH_FAIL_WATCH=N, read by curl_uv_init, makes
     * the Nth socket watch fail as if calloc had no memory. 0: never. */
    unsigned long watches, fail_watch;
    /* What happened, for curl_uv_report: a learner can see the glue work. */
    unsigned long polls_opened, polls_closed, poll_errors;
    unsigned long polls_reopened;    /* new handle for an fd whose old one was still closing */
    unsigned long timer_starts, timer_stops, socket_actions, finished;
    unsigned long sockets_unwatched;  /* transfers ended for a socket not watched */
};

/* Makes the multi handle and the timers and connects their callbacks.
 * 0, or -1 after printing one line; on failure the loop must still run once
 * (for the timers' close) before uv_loop_close, as after curl_uv_close. */
int curl_uv_init(struct curl_uv *cu, uv_loop_t *loop, curl_uv_done_fn *on_done);

/* Starts a transfer: on_done is called when it ends, from the loop.
 * CURLM_OUT_OF_MEMORY when there is no room to note it (see unwatched). */
CURLMcode curl_uv_add(struct curl_uv *cu, CURL *easy);

/* Stops a transfer now, without on_done (Ctrl-C). */
CURLMcode curl_uv_remove(struct curl_uv *cu, CURL *easy);

/* Cleans up the multi handle (libcurl closes its cached connections, and so
 * their uv_polls) and closes the timers. No transfer may be running. The
 * handles are closed when the loop next runs. */
void curl_uv_close(struct curl_uv *cu);

/* One line of counters, for --verbose and the tests. */
void curl_uv_report(const struct curl_uv *cu, FILE *out);

#endif
