/* http.h: what every model does with a libcurl easy handle.
 *
 * Every model transfers with easy handles; they differ only in who
 * drives them (curl_easy_perform in sync and async_threads, the multi
 * socket interface in the loop models). Setting a handle up and judging
 * its result is the same everywhere, so it is written once here. This file
 * knows libcurl's easy interface only. */
#ifndef HTTP_H
#define HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <curl/curl.h>

#include "options.h"
#include "record.h"

struct run;

/* Why http_on_body refused a piece of a body, failing its transfer. */
enum body_refusal {
    BODY_TAKEN,        /* nothing refused */
    BODY_OVER_LIMIT,   /* the body would have grown past BODY_LIMIT */
    BODY_NO_MEMORY,    /* no memory to hold it */
};

/* A growing buffer: an item's body, or bytes on their way to a file.
 * Owned by whoever holds it; body_free releases the memory. */
struct body {
    char *data;   /* NUL-terminated after http_on_body */
    size_t len;
    size_t cap;
    enum body_refusal refused;   /* set by http_on_body, cleared by body_reset */
};
void body_reset(struct body *body);   /* len = 0, memory kept for reuse */
void body_free(struct body *body);

/* Makes room for need bytes, doubling from 256: a buffer grows to what it
 * holds, not to the most it could hold. 0, or -1 when out of memory. */
int body_reserve(struct body *body, size_t need);

/* http_on_body refuses a body larger than this: a whole number of MiB,
 * as its message says it in MiB. */
#define BODY_LIMIT (1024 * 1024)

/* A curl_write_callback for a struct body (pass it as http_setup's
 * body_data). Called by libcurl with each piece of the body; a piece it
 * refuses (body->refused says why) fails the transfer with
 * CURLE_WRITE_ERROR, whose own text ("Failure writing output to
 * destination") says nothing of why: http_judge_body does. */
size_t http_on_body(char *data, size_t size, size_t nmemb, void *userdata);

/* Sets the options every task's transfer shares: url, where the body goes
 * (on_body is called by libcurl with each piece, with body_data), the
 * per-attempt timeout, no signals (threads), keep-alive, a short connect
 * timeout, the error buffer (CURL_ERROR_SIZE bytes, owned by the caller),
 * and a progress callback that aborts the transfer once the run is
 * cancelled. Returns CURLE_OK or the first error, which it has printed as
 * "PROGRAM: curl_easy_setopt(X): why". */
CURLcode http_setup(CURL *easy, const struct run *run, const char *url,
                    curl_write_callback on_body, void *body_data, char *errbuf);

/* Whether --verify accepts an answer with this HTTP status: status, any
 * 2xx; content and id, a 200 only. */
bool http_status_accepted(enum verify verify, long status);

/* Judges a finished transfer: its CURLcode (from curl_easy_perform, or the
 * CURLMsg of curl_multi_info_read) and its HTTP status, under the run's
 * --verify and --timeout-ms. Sets rec->http_status and returns CAUSE_NONE
 * for a status that verify accepts (a 200; any 2xx under VERIFY_STATUS),
 * else the cause, with a reason in why.
 *
 * A status not accepted is CAUSE_STATUS whatever the CURLcode: a caller
 * that checks the body must ask this first, since that body was the
 * server's error text. CURLE_WRITE_ERROR means the write callback refused
 * a piece and counts as CAUSE_IO: a caller whose callback knows better
 * (wrong bytes, a failed write(), a body too large) uses its own cause.
 * CURLE_OUT_OF_MEMORY is CAUSE_IO too: a local failure, not the
 * connection's. libcurl errors not named in http.c count as CAUSE_RESET:
 * they happen on an open connection whose answer was then lost.
 *
 * Before all that, a transfer that Ctrl-C stopped (CURLE_ABORTED_BY_CALLBACK:
 * the progress callback aborted it, or a loop model took it out of its
 * multi handle and says so with that code) is CAUSE_CANCELLED whatever its
 * status, and why says where, the same in every model: "cancelled while
 * connecting" when it had no connection yet, else "cancelled during the
 * transfer".
 *
 * The reason of a failure a server causes says what was lost: "HTTP 500";
 * "no complete answer within the --timeout-ms of 300 ms"; "connection
 * closed with no response"; "body cut short: got 140 of 280 bytes"; then
 * libcurl's own text in parentheses (the error buffer's when there is one).
 * Other failures give libcurl's text alone. */
enum fail_cause http_judge(CURL *easy, CURLcode result, const char *errbuf,
                           const struct options *opts, struct task_record *rec,
                           char *why, size_t why_size);

/* The verdict on a transfer whose body went to http_on_body, given
 * http_judge's: the same, unless the transfer failed because http_on_body
 * refused a piece. Then it is CAUSE_MISMATCH for a body over BODY_LIMIT
 * (no item is that large: "body over the 1 MiB limit"), CAUSE_IO for no
 * memory to hold it, with why rewritten. A status not accepted stays
 * CAUSE_STATUS: that body was the server's error text. */
enum fail_cause http_judge_body(const struct body *body, enum fail_cause cause,
                                char *why, size_t why_size);

/* Is the server there? Asks GET BASE/health with a 2 s timeout: a 2xx is a
 * ready mock server (said under --verbose). Any other answer is a server
 * without that check, and the one thing checked is that it answers HTTP:
 * that is said on stderr, as one line. 0 either way; with no HTTP answer at
 * all, prints "PROGRAM: cannot reach URL: why" and returns -1. */
int http_check_server(const struct run *run);

#endif
