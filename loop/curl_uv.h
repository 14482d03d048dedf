/* curl_uv.h: libcurl's multi socket interface, driven by a libuv loop.
 *
 * libcurl knows HTTP but not when to run; libuv knows when a socket is ready
 * or a time has come but not HTTP. This glue introduces them: libcurl says
 * which sockets to watch and when to wake it, libuv watches and wakes it,
 * and each finished transfer is handed to the owner. Many transfers, one
 * thread, no curl_multi_perform loop. What any loop's glue shares is in
 * curl_glue.h; this is libuv's side. Read curl_uv.c from top to bottom. */
#ifndef LOOP_CURL_UV_H
#define LOOP_CURL_UV_H

#include <stdio.h>

#include <curl/curl.h>
#include <uv.h>

#include "curl_glue.h"

/* Told of a finished transfer: see curl_glue.h. */
typedef curl_glue_done_fn curl_uv_done_fn;

/* libcurl on a loop. Owned by its creator, which keeps it in place from
 * curl_uv_init until the loop has run the close callbacks that follow
 * curl_uv_close (the sockets' handles point back here). */
struct curl_uv {
    struct curl_glue glue;       /* the multi handle, the transfers, the counters */
    uv_loop_t *loop;
    uv_timer_t timer;            /* libcurl's one timeout (CURLMOPT_TIMERFUNCTION) */
    struct curl_uv_socket *closing;  /* poll handles closed, not yet freed */
    /* At 0 ms, ends on the loop's next turn the transfers whose socket
     * could not be watched (curl_glue_end_unwatched). */
    uv_timer_t unwatched_timer;
    unsigned long polls_reopened;    /* new handle for an fd whose old one was still closing */
};

/* Makes the multi handle and the timers and connects their callbacks.
 * 0, or -1 after printing one line; on failure the loop must still run once
 * (for the timers' close) before uv_loop_close, as after curl_uv_close. */
int curl_uv_init(struct curl_uv *cu, uv_loop_t *loop, curl_uv_done_fn *on_done);

/* Transfers start and stop with curl_glue_add and curl_glue_remove on
 * cu->glue. */

/* Cleans up the multi handle (libcurl closes its cached connections, and so
 * their uv_polls) and closes the timers. No transfer may be running. The
 * handles are closed when the loop next runs. */
void curl_uv_close(struct curl_uv *cu);

/* One line of counters, for --verbose and the tests. */
void curl_uv_report(const struct curl_uv *cu, FILE *out);

#endif
