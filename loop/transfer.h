/* transfer.h: a task's transfer on the loop's multi handle, and the policy.
 *
 * The policy is what the window implies for libcurl: with at most C tasks
 * in flight, a cache of C connections and at most C to the server, and no
 * search for a connection to reuse when every task starts at once. It is
 * libcurl's business alone: any loop that drives a multi handle (curl_uv.c
 * on libuv) applies it. Nothing here knows libuv. */
#ifndef LOOP_TRANSFER_H
#define LOOP_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>

#include "curl_glue.h"
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
    struct curl_glue *glue;        /* the multi handle's, while t runs on it; else NULL */
    int socket_errno;              /* why the transfer could not open a socket, or 0 */
    char errbuf[CURL_ERROR_SIZE];  /* libcurl's text for the last failure, or the loop's */
};

/* Sets the multi handle's connection limits for the window w keeps. 0, or
 * -1 after printing one line. */
int transfer_policy_connections(CURLM *multi, const struct window *w);

/* Adds t->easy, set up for its URL by the task (http_setup), to glue's
 * multi handle, whatever loop drives it: CURLOPT_PRIVATE is t, its sockets
 * are opened here (so that a failure keeps its errno), and a first attempt
 * with every task in flight looks for no connection to reuse. t->done
 * follows, from the loop, through transfer_on_curl_done. CAUSE_NONE, or
 * CAUSE_CONNECT (CAUSE_IO for no memory) with a reason in why when the
 * transfer could not start. Each loop's transfer_add calls it with its glue. */
enum fail_cause transfer_add_to(struct transfer *t, struct curl_glue *glue, char *why,
                                size_t why_size);

/* Takes t out of its multi handle, without its done, if it runs there
 * (t may be NULL): Ctrl-C, or a transfer that cannot go on. True when it
 * ran. Each loop's transfer_stop calls it with the task's transfer. */
bool transfer_remove(struct transfer *t);

/* The glue's done callback (curl_glue_done_fn) on every loop: t, the easy
 * handle's CURLOPT_PRIVATE, has ended and left the multi handle. Says why
 * in t->errbuf when the glue ended it itself (why, not NULL) or a socket
 * could not be opened, then calls t->done. */
void transfer_on_curl_done(CURL *easy, CURLcode result, const char *why, void *easy_private);

#endif
