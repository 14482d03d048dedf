/* transfer.h: a task's transfer on the loop's multi handle, and the policy.
 *
 * The policy is what the window implies for libcurl: with at most C tasks
 * in flight, a cache of C connections and at most C to the server, and no
 * search for a connection to reuse when every task starts at once. It is
 * libcurl's business alone: any loop that drives a multi handle (curl_uv.c
 * on libuv) applies it. Nothing here knows libuv. */
#ifndef LOOP_TRANSFER_H
#define LOOP_TRANSFER_H

#include <stddef.h>

#include <curl/curl.h>

#include "record.h"
#include "window.h"

/* Called from the loop when the task's transfer has ended (and left the
 * multi handle): judge it with http_judge and go on. */
typedef void transfer_done_fn(struct task *task, CURLcode result);

/* One transfer of a task. Owned by the task that brings it (a fetch or a
 * download; a coroutine's task), in its struct; the easy handle is the
 * task's to free. */
struct transfer {
    struct task *task;             /* whose transfer: done's argument */
    CURL *easy;                    /* set up for its URL by the task (http_setup) */
    transfer_done_fn *done;
    int socket_errno;              /* why the transfer could not open a socket, or 0 */
    char errbuf[CURL_ERROR_SIZE];  /* libcurl's text for the last failure, or the loop's */
};

/* Sets the multi handle's connection limits for the window w keeps. 0, or
 * -1 after printing one line. */
int transfer_policy_connections(CURLM *multi, const struct window *w);

/* Readies t->easy for the multi handle: CURLOPT_PRIVATE is t, its sockets
 * are opened here (so that a failure keeps its errno), and a first attempt
 * with every task in flight looks for no connection to reuse. CAUSE_NONE,
 * or CAUSE_CONNECT with a reason in why. */
enum fail_cause transfer_prepare(struct transfer *t, char *why, size_t why_size);

/* The loop's multi handle has ended t: says why in t->errbuf when the loop
 * ended it itself (why, not NULL) or a socket could not be opened, then
 * calls t->done. */
void transfer_ended(struct transfer *t, CURLcode result, const char *why);

#endif
