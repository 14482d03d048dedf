/* curl_glue.c: libcurl's multi socket interface, whatever the loop.
 *
 * Two callbacks of libcurl's and one loop over finished transfers; the
 * backend's ops do the loop's part. libcurl calls on_curl_socket ("watch
 * this socket for reading") and on_curl_timer ("wake me in 40 ms"); the
 * backend watches and waits, and hands the news back with
 * curl_glue_action, which tells libcurl with curl_multi_socket_action.
 * libcurl is never called from inside one of its own callbacks: they only
 * call the ops, and a socket that cannot be watched fails its transfer
 * from the loop's next turn (curl_glue_end_unwatched), never the whole
 * multi handle. Compare the blocking curl_easy_perform in
 * tasks/blocking.c, and curl's docs/examples/multi-uv.c, whose known bugs
 * are marked here and in curl_uv.c where avoided. */
#include "curl_glue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"

/* ---- Finished transfers ---- */

/* Forgets easy's note in cg->unwatched, if it has one: it is leaving the
 * multi handle. O(notes), a handful at most, and none on most turns. */
static void unwatched_forget(struct curl_glue *cg, CURL *easy)
{
    for (size_t i = 0; i < cg->unwatched_count; i++) {
        if (cg->unwatched[i].easy == easy) {
            cg->unwatched[i] = cg->unwatched[--cg->unwatched_count];
            return;
        }
    }
}

/* Takes a transfer that has ended out of the multi handle and hands it to
 * the owner, which may add it again or clean it up. */
static void transfer_end(struct curl_glue *cg, CURL *easy, CURLcode result, const char *why)
{
    void *easy_private = NULL;

    unwatched_forget(cg, easy);
    CURLMcode mc = curl_multi_remove_handle(cg->multi, easy);
    if (mc != CURLM_OK)
        fprintf(stderr, "%s: curl_multi_remove_handle: %s\n", program_name(),
                curl_multi_strerror(mc));
    cg->transfers--;
    cg->finished++;
    CURLcode rc = curl_easy_getinfo(easy, CURLINFO_PRIVATE, &easy_private);
    if (rc != CURLE_OK) {
        /* Without its owner the transfer cannot be reported at all. */
        fprintf(stderr, "%s: curl_easy_getinfo(CURLINFO_PRIVATE): %s\n",
                program_name(), curl_easy_strerror(rc));
        abort();
    }
    cg->on_done(easy, result, why, easy_private);
}

/* Hands every finished transfer to the owner. A CURLMsg lives only until its
 * handle is removed, so its fields are copied first. */
static void read_finished(struct curl_glue *cg)
{
    CURLMsg *msg;
    int queued;

    while ((msg = curl_multi_info_read(cg->multi, &queued)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;

        transfer_end(cg, easy, result, NULL);
    }
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp);

/* Sets the timer to libcurl's next timeout, after curl_multi_socket_action
 * failed (out of memory, say): libcurl 7.88 then returns before it tells
 * on_curl_timer, and the transfers whose turn it had not reached would
 * wait for ever (seen under ulimit -v: 348 transfers, no timer, no poll). */
static void timer_update(struct curl_glue *cg)
{
    long timeout_ms;
    CURLMcode mc = curl_multi_timeout(cg->multi, &timeout_ms);

    if (mc != CURLM_OK) {
        fprintf(stderr, "%s: curl_multi_timeout: %s\n", program_name(), curl_multi_strerror(mc));
        return;
    }
    (void)on_curl_timer(cg->multi, timeout_ms, cg);
}

/* Tells libcurl what happened (on a socket, or the timeout), then collects
 * what finished. The one place libcurl does its work; called only by the
 * backend, from its loop. */
void curl_glue_action(struct curl_glue *cg, curl_socket_t fd, int ev_bitmask)
{
    int running;

    cg->socket_actions++;
    CURLMcode mc = curl_multi_socket_action(cg->multi, fd, ev_bitmask, &running);
    if (mc != CURLM_OK) {
        fprintf(stderr, "%s: curl_multi_socket_action: %s\n", program_name(),
                curl_multi_strerror(mc));
        timer_update(cg);
    }
    read_finished(cg);
}

/* ---- Sockets that cannot be watched ---- */

/* Called by the backend on the loop's turn after curl_glue_unwatched: ends
 * each noted transfer as failed, the way a finished one ends. Taken from
 * the end one at a time, as on_done may add a handle again (a retry). */
void curl_glue_end_unwatched(struct curl_glue *cg)
{
    while (cg->unwatched_count > 0) {
        struct curl_glue_unwatched u = cg->unwatched[cg->unwatched_count - 1];
        char why[CURL_ERROR_SIZE];

        if (u.call == NULL)
            snprintf(why, sizeof why, "no memory to watch its socket");
        else
            snprintf(why, sizeof why, "%s to watch its socket: %s: %s",
                     u.no_memory ? "no memory" : "failed", u.call, u.reason);
        cg->sockets_unwatched++;
        /* Both are io, a local failure; the connection did nothing wrong. */
        transfer_end(cg, u.easy, u.no_memory ? CURLE_OUT_OF_MEMORY : CURLE_WRITE_ERROR, why);
    }
}

/* Notes that easy's transfer has a socket the loop could not watch: it
 * would wait for it until its timeout, or forever without one. It cannot
 * end here, in libcurl's socket callback (libcurl refuses a handle's
 * removal from inside it), and the callback may not return -1 either: with
 * that, libcurl 7.88 marks the whole multi handle dead, fails every other
 * transfer too, and has been seen to crash in curl_multi_socket_action
 * soon after (cf. curl issue 8114). So the transfer is noted, in room that
 * curl_glue_add reserved, and ended on the loop's next turn. */
void curl_glue_unwatched(struct curl_glue *cg, CURL *easy, bool no_memory, const char *call,
                         const char *reason)
{
    for (size_t i = 0; i < cg->unwatched_count; i++) {
        if (cg->unwatched[i].easy == easy)
            return;   /* its first failure says why */
    }
    /* One note per transfer, and room for every transfer: cannot happen. */
    if (cg->unwatched_count == cg->unwatched_size) {
        fprintf(stderr, "%s: no room to note a transfer whose socket is not watched\n",
                program_name());
        abort();
    }
    cg->unwatched[cg->unwatched_count++] = (struct curl_glue_unwatched){
        .easy = easy, .no_memory = no_memory, .call = call, .reason = reason,
    };
    cg->ops->next_turn(cg);
}

/* ---- libcurl's two callbacks ---- */

/* Starts watching fd with the backend's struct for it, and has libcurl keep
 * the pointer for this socket's next callbacks. NULL after noting why
 * easy's transfer must fail. AIO_BENCH_FAIL_WATCH's watch fails here, as
 * if the backend's calloc had. */
static void *socket_watch(struct curl_glue *cg, CURL *easy, curl_socket_t fd)
{
    if (++cg->watches == cg->fail_watch) {
        curl_glue_unwatched(cg, easy, true, NULL, NULL);
        return NULL;
    }
    void *sock = cg->ops->watch(cg, easy, fd);
    if (sock == NULL)
        return NULL;
    /* The one libcurl call allowed in the socket callback: it only stores
     * the pointer in libcurl's table. */
    CURLMcode mc = curl_multi_assign(cg->multi, fd, sock);
    if (mc != CURLM_OK) {
        curl_glue_unwatched(cg, easy, mc == CURLM_OUT_OF_MEMORY, "curl_multi_assign",
                            curl_multi_strerror(mc));
        cg->ops->unwatch(cg, sock);
        return NULL;
    }
    return sock;
}

/* Called by libcurl (CURLMOPT_SOCKETFUNCTION) from inside its own functions
 * whenever what it waits for on a socket changes: IN, OUT, INOUT, or
 * REMOVE. socketp is what we assigned, NULL for a socket new to us. Only
 * the backend is called here. A socket that cannot be watched fails its
 * own transfer (curl_glue_unwatched) and 0 is returned all the same: -1
 * would fail them all. */
static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct curl_glue *cg = userp;
    void *sock = socketp;

    if (what == CURL_POLL_REMOVE) {
        /* libcurl forgets the pointer itself, and may close the socket as
         * soon as this returns. */
        if (sock != NULL)
            cg->ops->unwatch(cg, sock);
        return 0;
    }
    /* libcurl asks again when what it waits for changes: the watch is
     * tried again, but the transfer is already noted to fail. */
    if (sock == NULL && (sock = socket_watch(cg, easy, fd)) == NULL)
        return 0;
    cg->ops->want(cg, sock, easy, what);
    return 0;
}

/* Called by libcurl (CURLMOPT_TIMERFUNCTION) from inside its own functions
 * when its next timeout changes. The timer never repeats: a new value
 * replaces the old one. -1 means no timeout: the timer must stop, or it
 * would wake libcurl for nothing (and keep a libuv loop alive). 0 means as
 * soon as possible: a 0 ms timer comes on the loop's next turn. Calling
 * curl_multi_socket_action right here instead would re-enter libcurl from
 * its own callback. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct curl_glue *cg = userp;

    (void)multi;
    if (timeout_ms < 0) {
        cg->timer_stops++;
        cg->ops->timer_stop(cg);
    } else {
        cg->timer_starts++;
        cg->ops->timer_start(cg, timeout_ms);
    }
    return 0;
}

/* ---- Setting up and tearing down ---- */

int curl_glue_init(struct curl_glue *cg, const struct curl_glue_ops *ops, void *backend,
                   curl_glue_done_fn *on_done)
{
    memset(cg, 0, sizeof *cg);
    cg->ops = ops;
    cg->backend = backend;
    cg->on_done = on_done;
    /* A test's fault, read once: not a number is 0, no fault. */
    const char *fail_watch = getenv("AIO_BENCH_FAIL_WATCH");
    if (fail_watch != NULL)
        cg->fail_watch = strtoul(fail_watch, NULL, 10);

    cg->multi = curl_multi_init();
    if (cg->multi == NULL) {
        fprintf(stderr, "%s: curl_multi_init failed\n", program_name());
        return -1;
    }
    const char *option;
    CURLMcode mc;
    if ((mc = curl_multi_setopt(cg->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket)) != CURLM_OK)
        option = "CURLMOPT_SOCKETFUNCTION";
    else if ((mc = curl_multi_setopt(cg->multi, CURLMOPT_SOCKETDATA, cg)) != CURLM_OK)
        option = "CURLMOPT_SOCKETDATA";
    else if ((mc = curl_multi_setopt(cg->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer)) != CURLM_OK)
        option = "CURLMOPT_TIMERFUNCTION";
    else if ((mc = curl_multi_setopt(cg->multi, CURLMOPT_TIMERDATA, cg)) != CURLM_OK)
        option = "CURLMOPT_TIMERDATA";
    else
        return 0;
    fprintf(stderr, "%s: curl_multi_setopt(%s): %s\n", program_name(), option,
            curl_multi_strerror(mc));
    curl_multi_cleanup(cg->multi);
    cg->multi = NULL;
    return -1;
}

CURLMcode curl_glue_add(struct curl_glue *cg, CURL *easy)
{
    /* Room to note this transfer should its socket not be watched: made
     * now, as then there may be no memory left. Doubled, so seldom. */
    if ((size_t)cg->transfers >= cg->unwatched_size) {
        size_t size = cg->unwatched_size > 0 ? 2 * cg->unwatched_size : 16;
        struct curl_glue_unwatched *room = realloc(cg->unwatched, size * sizeof *room);

        if (room == NULL)
            return CURLM_OUT_OF_MEMORY;
        cg->unwatched = room;
        cg->unwatched_size = size;
    }
    /* libcurl answers through on_curl_timer (0: start it soon); the
     * transfer starts on the loop's next turn. */
    CURLMcode mc = curl_multi_add_handle(cg->multi, easy);

    if (mc == CURLM_OK)
        cg->transfers++;
    return mc;
}

CURLMcode curl_glue_remove(struct curl_glue *cg, CURL *easy)
{
    CURLMcode mc = curl_multi_remove_handle(cg->multi, easy);

    if (mc == CURLM_OK) {
        unwatched_forget(cg, easy);
        cg->transfers--;
    }
    return mc;
}

void curl_glue_close(struct curl_glue *cg)
{
    if (cg->transfers != 0)
        fprintf(stderr, "%s: %s_close: %ld transfers still running\n", program_name(),
                cg->ops->name, cg->transfers);
    /* May call on_curl_socket (REMOVE) for the cached connections. */
    CURLMcode mc = curl_multi_cleanup(cg->multi);
    if (mc != CURLM_OK)
        fprintf(stderr, "%s: curl_multi_cleanup: %s\n", program_name(), curl_multi_strerror(mc));
    cg->multi = NULL;
    free(cg->unwatched);   /* empty: a note stays only while its transfer runs */
    cg->unwatched = NULL;
}
