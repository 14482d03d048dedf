/* curl_uv.c: libcurl's multi socket interface, driven by a libuv loop.
 *
 * Two callbacks of libcurl's, two of libuv's, and one loop over finished
 * transfers. libcurl calls on_curl_socket ("watch this socket for reading")
 * and on_curl_timer ("wake me in 40 ms"); libuv calls on_uv_poll and
 * on_uv_timer when that happens, and both hand the news to libcurl with
 * curl_multi_socket_action. libcurl is never called from inside one of its
 * own callbacks: they only start and stop libuv handles, and a socket that
 * cannot be watched fails its transfer from the loop's next turn
 * (on_unwatched_timer), never the whole multi handle. Compare the
 * blocking curl_easy_perform in tasks/blocking.c, and curl's
 * docs/examples/multi-uv.c, whose known bugs are marked here where avoided. */
#include "curl_uv.h"

#include <stdlib.h>
#include <string.h>

#include "program.h"

/* One socket libcurl asked us to watch. Owned by libcurl's socket table
 * (curl_multi_assign) from the first CURL_POLL_IN/OUT until CURL_POLL_REMOVE;
 * from then on by libuv, until on_poll_closed frees it. */
struct curl_uv_socket {
    uv_poll_t poll;          /* poll.data points back here */
    curl_socket_t fd;
    int events;              /* UV_READABLE | UV_WRITABLE: what libcurl wants */
    struct curl_uv *cu;
    struct curl_uv_socket *prev, *next;   /* cu->closing, once closed */
};

/* ---- Finished transfers ---- */

/* Forgets easy's note in cu->unwatched, if it has one: it is leaving the
 * multi handle. O(notes), a handful at most, and none on most turns. */
static void unwatched_forget(struct curl_uv *cu, CURL *easy)
{
    for (size_t i = 0; i < cu->unwatched_count; i++) {
        if (cu->unwatched[i].easy == easy) {
            cu->unwatched[i] = cu->unwatched[--cu->unwatched_count];
            return;
        }
    }
}

/* Takes a transfer that has ended out of the multi handle and hands it to
 * the owner, which may add it again or clean it up. */
static void transfer_end(struct curl_uv *cu, CURL *easy, CURLcode result, const char *why)
{
    void *easy_private = NULL;

    unwatched_forget(cu, easy);
    CURLMcode mc = curl_multi_remove_handle(cu->multi, easy);
    if (mc != CURLM_OK)
        fprintf(stderr, "%s: curl_multi_remove_handle: %s\n", program_name(),
                curl_multi_strerror(mc));
    cu->transfers--;
    cu->finished++;
    CURLcode rc = curl_easy_getinfo(easy, CURLINFO_PRIVATE, &easy_private);
    if (rc != CURLE_OK) {
        /* Without its owner the transfer cannot be reported at all. */
        fprintf(stderr, "%s: curl_easy_getinfo(CURLINFO_PRIVATE): %s\n",
                program_name(), curl_easy_strerror(rc));
        abort();
    }
    cu->on_done(easy, result, why, easy_private);
}

/* Hands every finished transfer to the owner. A CURLMsg lives only until its
 * handle is removed, so its fields are copied first. */
static void read_finished(struct curl_uv *cu)
{
    CURLMsg *msg;
    int queued;

    while ((msg = curl_multi_info_read(cu->multi, &queued)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;

        transfer_end(cu, easy, result, NULL);
    }
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp);

/* Sets the timer to libcurl's next timeout, after curl_multi_socket_action
 * failed (out of memory, say): libcurl 7.88 then returns before it tells
 * on_curl_timer, and the transfers whose turn it had not reached would
 * wait for ever (seen under ulimit -v: 348 transfers, no timer, no poll). */
static void timer_update(struct curl_uv *cu)
{
    long timeout_ms;
    CURLMcode mc = curl_multi_timeout(cu->multi, &timeout_ms);

    if (mc != CURLM_OK) {
        fprintf(stderr, "%s: curl_multi_timeout: %s\n", program_name(), curl_multi_strerror(mc));
        return;
    }
    (void)on_curl_timer(cu->multi, timeout_ms, cu);
}

/* Tells libcurl what happened (on a socket, or the timeout), then collects
 * what finished. The one place libcurl does its work; called only by libuv. */
static void socket_action(struct curl_uv *cu, curl_socket_t fd, int ev_bitmask)
{
    int running;

    cu->socket_actions++;
    CURLMcode mc = curl_multi_socket_action(cu->multi, fd, ev_bitmask, &running);
    if (mc != CURLM_OK) {
        fprintf(stderr, "%s: curl_multi_socket_action: %s\n", program_name(),
                curl_multi_strerror(mc));
        timer_update(cu);
    }
    read_finished(cu);
}

/* ---- Sockets: one uv_poll each ---- */

/* Called by libuv once the poll handle is closed: only now may its memory
 * go. By then libcurl may well have opened a new socket with the same
 * number, watched by a new handle: this one touches nothing but itself. */
static void on_poll_closed(uv_handle_t *handle)
{
    struct curl_uv_socket *sock = handle->data;
    struct curl_uv *cu = sock->cu;

    if (sock->prev != NULL)
        sock->prev->next = sock->next;
    else
        cu->closing = sock->next;
    if (sock->next != NULL)
        sock->next->prev = sock->prev;
    cu->polls_closed++;
    free(sock);
}

/* Stops watching a socket. uv_close stops the poll at once, so the fd may
 * be closed (libcurl does so right after CURL_POLL_REMOVE) and its number
 * reused by a new handle; the memory waits for on_poll_closed. */
static void socket_unwatch(struct curl_uv_socket *sock)
{
    struct curl_uv *cu = sock->cu;

    sock->prev = NULL;
    sock->next = cu->closing;
    if (cu->closing != NULL)
        cu->closing->prev = sock;
    cu->closing = sock;
    uv_close((uv_handle_t *)&sock->poll, on_poll_closed);
}

/* Called by libuv when a watched socket is ready, or broken. */
static void on_uv_poll(uv_poll_t *poll, int status, int events)
{
    struct curl_uv_socket *sock = poll->data;
    struct curl_uv *cu = sock->cu;
    int ev_bitmask = 0;

    if (status < 0) {
        /* UV_EBADF and friends: libcurl must hear of it as an error on the
         * socket, or it would wait for it until the transfer times out. */
        cu->poll_errors++;
        ev_bitmask = CURL_CSELECT_ERR;
    } else {
        if (events & UV_READABLE)
            ev_bitmask |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            ev_bitmask |= CURL_CSELECT_OUT;
    }
    socket_action(cu, sock->fd, ev_bitmask);
    /* libcurl may have said CURL_POLL_REMOVE meanwhile: sock is then
     * closing (its memory stays until on_poll_closed, after this callback).
     * libuv stops a handle that reports an error; if libcurl still wants
     * the socket and said nothing new, watch it again. */
    if (status < 0 && !uv_is_closing((uv_handle_t *)poll) &&
        !uv_is_active((uv_handle_t *)poll)) {
        int rc = uv_poll_start(poll, sock->events, on_uv_poll);
        if (rc < 0)
            fprintf(stderr, "%s: uv_poll_start: %s\n", program_name(), uv_strerror(rc));
    }
}

/* ---- Sockets that cannot be watched ---- */

/* Called by libuv on the loop's turn after unwatched_note: ends each noted
 * transfer as failed, the way a finished one ends. Taken from the end one
 * at a time, as on_done may add a handle again (a retry). */
static void on_unwatched_timer(uv_timer_t *timer)
{
    struct curl_uv *cu = timer->data;

    while (cu->unwatched_count > 0) {
        struct curl_uv_unwatched u = cu->unwatched[cu->unwatched_count - 1];
        char why[CURL_ERROR_SIZE];

        if (u.call == NULL)
            snprintf(why, sizeof why, "no memory to watch its socket");
        else
            snprintf(why, sizeof why, "%s to watch its socket: %s: %s",
                     u.no_memory ? "no memory" : "failed", u.call, u.reason);
        cu->sockets_unwatched++;
        /* Both are io, a local failure; the connection did nothing wrong. */
        transfer_end(cu, u.easy, u.no_memory ? CURLE_OUT_OF_MEMORY : CURLE_WRITE_ERROR, why);
    }
}

/* Notes that easy's transfer has a socket the loop could not watch: it
 * would wait for it until its timeout, or forever without one. It cannot
 * end here, in libcurl's socket callback (libcurl refuses a handle's
 * removal from inside it), and the callback may not return -1 either: with
 * that, libcurl 7.88 marks the whole multi handle dead, fails every other
 * transfer too, and has been seen to crash in curl_multi_socket_action
 * soon after (cf. curl issue 8114). So the transfer is noted, in room that
 * curl_uv_add reserved, and ended by on_unwatched_timer from the loop. */
static void unwatched_note(struct curl_uv *cu, CURL *easy, bool no_memory, const char *call,
                           const char *reason)
{
    for (size_t i = 0; i < cu->unwatched_count; i++) {
        if (cu->unwatched[i].easy == easy)
            return;   /* its first failure says why */
    }
    /* One note per transfer, and room for every transfer: cannot happen. */
    if (cu->unwatched_count == cu->unwatched_size) {
        fprintf(stderr, "%s: no room to note a transfer whose socket is not watched\n",
                program_name());
        abort();
    }
    cu->unwatched[cu->unwatched_count++] = (struct curl_uv_unwatched){
        .easy = easy, .no_memory = no_memory, .call = call, .reason = reason,
    };
    /* Fails only for a closing handle: a bug. */
    int rc = uv_timer_start(&cu->unwatched_timer, on_unwatched_timer, 0, 0);
    if (rc < 0) {
        fprintf(stderr, "%s: uv_timer_start: %s\n", program_name(), uv_strerror(rc));
        abort();
    }
}

/* Starts watching fd with a new uv_poll, and has libcurl keep the pointer
 * for this socket's next callbacks. NULL after noting why easy's transfer
 * must fail. AIO_BENCH_FAIL_WATCH's watch fails here, as if calloc had. */
static struct curl_uv_socket *socket_watch(struct curl_uv *cu, CURL *easy, curl_socket_t fd)
{
    struct curl_uv_socket *sock = NULL;

    if (++cu->watches != cu->fail_watch)
        sock = calloc(1, sizeof *sock);
    if (sock == NULL) {
        unwatched_note(cu, easy, true, NULL, NULL);
        return NULL;
    }
    /* The fd's previous handle, if any, was stopped by socket_unwatch and
     * only waits to be freed, so libuv accepts a new one (two live handles
     * on one fd it refuses with UV_EEXIST). Counted to show it happens:
     * O(closing handles), a handful, freed at the end of each loop turn. */
    for (struct curl_uv_socket *old = cu->closing; old != NULL; old = old->next) {
        if (old->fd == fd) {
            cu->polls_reopened++;
            break;
        }
    }
    int rc = uv_poll_init_socket(cu->loop, &sock->poll, fd);
    if (rc < 0) {
        unwatched_note(cu, easy, rc == UV_ENOMEM, "uv_poll_init_socket", uv_strerror(rc));
        free(sock);   /* init failed: no handle exists to close */
        return NULL;
    }
    sock->poll.data = sock;
    sock->fd = fd;
    sock->cu = cu;
    cu->polls_opened++;
    /* The one libcurl call allowed in the socket callback: it only stores
     * the pointer in libcurl's table. */
    CURLMcode mc = curl_multi_assign(cu->multi, fd, sock);
    if (mc != CURLM_OK) {
        unwatched_note(cu, easy, mc == CURLM_OUT_OF_MEMORY, "curl_multi_assign",
                       curl_multi_strerror(mc));
        socket_unwatch(sock);
        return NULL;
    }
    return sock;
}

/* Called by libcurl (CURLMOPT_SOCKETFUNCTION) from inside its own functions
 * whenever what it waits for on a socket changes: IN, OUT, INOUT, or
 * REMOVE. socketp is what we assigned, NULL for a socket new to us. Only
 * libuv is called here. A socket that cannot be watched fails its own
 * transfer (unwatched_note) and 0 is returned all the same: -1 would fail
 * them all. */
static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct curl_uv *cu = userp;
    struct curl_uv_socket *sock = socketp;

    if (what == CURL_POLL_REMOVE) {
        /* libcurl forgets the pointer itself, and may close the socket as
         * soon as this returns. */
        if (sock != NULL)
            socket_unwatch(sock);
        return 0;
    }
    /* libcurl asks again when what it waits for changes: the watch is
     * tried again, but the transfer is already noted to fail. */
    if (sock == NULL && (sock = socket_watch(cu, easy, fd)) == NULL)
        return 0;
    sock->events = 0;
    if (what & CURL_POLL_IN)
        sock->events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        sock->events |= UV_WRITABLE;
    int rc = uv_poll_start(&sock->poll, sock->events, on_uv_poll);
    if (rc < 0)
        unwatched_note(cu, easy, rc == UV_ENOMEM, "uv_poll_start", uv_strerror(rc));
    return 0;
}

/* ---- Time: one uv_timer ---- */

/* Called by libuv when libcurl's timeout has come. */
static void on_uv_timer(uv_timer_t *timer)
{
    struct curl_uv *cu = timer->data;

    socket_action(cu, CURL_SOCKET_TIMEOUT, 0);
}

/* Called by libcurl (CURLMOPT_TIMERFUNCTION) from inside its own functions
 * when its next timeout changes. The timer never repeats: a new value
 * replaces the old one. -1 means no timeout: the timer must stop, or it
 * would wake libcurl for nothing (and keep the loop alive). 0 means as soon
 * as possible: a 0 ms timer fires on the loop's next turn. Calling
 * curl_multi_socket_action right here instead would re-enter libcurl from
 * its own callback. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct curl_uv *cu = userp;
    int rc;

    (void)multi;
    if (timeout_ms < 0) {
        cu->timer_stops++;
        rc = uv_timer_stop(&cu->timer);
    } else {
        cu->timer_starts++;
        rc = uv_timer_start(&cu->timer, on_uv_timer, (uint64_t)timeout_ms, 0);
    }
    /* Fails only for a closing handle: a bug. Returning -1 would fail
     * every transfer (see unwatched_note); stop with one line instead. */
    if (rc < 0) {
        fprintf(stderr, "%s: uv_timer_%s: %s\n", program_name(),
                timeout_ms < 0 ? "stop" : "start", uv_strerror(rc));
        abort();
    }
    return 0;
}

/* ---- Setting up and tearing down ---- */

int curl_uv_init(struct curl_uv *cu, uv_loop_t *loop, curl_uv_done_fn *on_done)
{
    memset(cu, 0, sizeof *cu);
    cu->loop = loop;
    cu->on_done = on_done;
    /* A test's fault, read once: not a number is 0, no fault. */
    const char *fail_watch = getenv("AIO_BENCH_FAIL_WATCH");
    if (fail_watch != NULL)
        cu->fail_watch = strtoul(fail_watch, NULL, 10);

    int rc = uv_timer_init(loop, &cu->timer);
    if (rc < 0) {
        fprintf(stderr, "%s: uv_timer_init: %s\n", program_name(), uv_strerror(rc));
        return -1;
    }
    /* Right after init: multi-uv.c never set it (curl issue 19462). */
    cu->timer.data = cu;
    if ((rc = uv_timer_init(loop, &cu->unwatched_timer)) < 0) {
        fprintf(stderr, "%s: uv_timer_init: %s\n", program_name(), uv_strerror(rc));
        goto out_timer;
    }
    cu->unwatched_timer.data = cu;

    cu->multi = curl_multi_init();
    if (cu->multi == NULL) {
        fprintf(stderr, "%s: curl_multi_init failed\n", program_name());
        goto out_unwatched_timer;
    }
    const char *option;
    CURLMcode mc;
    if ((mc = curl_multi_setopt(cu->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket)) != CURLM_OK)
        option = "CURLMOPT_SOCKETFUNCTION";
    else if ((mc = curl_multi_setopt(cu->multi, CURLMOPT_SOCKETDATA, cu)) != CURLM_OK)
        option = "CURLMOPT_SOCKETDATA";
    else if ((mc = curl_multi_setopt(cu->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer)) != CURLM_OK)
        option = "CURLMOPT_TIMERFUNCTION";
    else if ((mc = curl_multi_setopt(cu->multi, CURLMOPT_TIMERDATA, cu)) != CURLM_OK)
        option = "CURLMOPT_TIMERDATA";
    else
        return 0;
    fprintf(stderr, "%s: curl_multi_setopt(%s): %s\n", program_name(), option,
            curl_multi_strerror(mc));
    curl_multi_cleanup(cu->multi);
    cu->multi = NULL;
out_unwatched_timer:
    uv_close((uv_handle_t *)&cu->unwatched_timer, NULL);
out_timer:
    uv_close((uv_handle_t *)&cu->timer, NULL);   /* embedded in cu: nothing to free */
    return -1;
}

CURLMcode curl_uv_add(struct curl_uv *cu, CURL *easy)
{
    /* Room to note this transfer should its socket not be watched: made
     * now, as then there may be no memory left. Doubled, so seldom. */
    if ((size_t)cu->transfers >= cu->unwatched_size) {
        size_t size = cu->unwatched_size > 0 ? 2 * cu->unwatched_size : 16;
        struct curl_uv_unwatched *room = realloc(cu->unwatched, size * sizeof *room);

        if (room == NULL)
            return CURLM_OUT_OF_MEMORY;
        cu->unwatched = room;
        cu->unwatched_size = size;
    }
    /* libcurl answers through on_curl_timer (0: start it soon); the
     * transfer starts on the loop's next turn. */
    CURLMcode mc = curl_multi_add_handle(cu->multi, easy);

    if (mc == CURLM_OK)
        cu->transfers++;
    return mc;
}

CURLMcode curl_uv_remove(struct curl_uv *cu, CURL *easy)
{
    CURLMcode mc = curl_multi_remove_handle(cu->multi, easy);

    if (mc == CURLM_OK) {
        unwatched_forget(cu, easy);
        cu->transfers--;
    }
    return mc;
}

void curl_uv_close(struct curl_uv *cu)
{
    if (cu->transfers != 0)
        fprintf(stderr, "%s: curl_uv_close: %ld transfers still running\n", program_name(),
                cu->transfers);
    /* May call on_curl_socket (REMOVE) for the cached connections. */
    CURLMcode mc = curl_multi_cleanup(cu->multi);
    if (mc != CURLM_OK)
        fprintf(stderr, "%s: curl_multi_cleanup: %s\n", program_name(), curl_multi_strerror(mc));
    cu->multi = NULL;
    uv_close((uv_handle_t *)&cu->timer, NULL);   /* embedded in cu: nothing to free */
    uv_close((uv_handle_t *)&cu->unwatched_timer, NULL);
    free(cu->unwatched);   /* empty: a note stays only while its transfer runs */
    cu->unwatched = NULL;
}

void curl_uv_report(const struct curl_uv *cu, FILE *out)
{
    fprintf(out, "%s: curl_uv: %lu transfers finished, %lu socket actions; "
            "%lu polls opened (%lu on an fd whose old poll was still closing), %lu closed, "
            "%lu poll errors; %lu timer starts, %lu timer stops; "
            "%lu transfers failed for a socket not watched\n",
            program_name(), cu->finished, cu->socket_actions, cu->polls_opened,
            cu->polls_reopened, cu->polls_closed, cu->poll_errors, cu->timer_starts,
            cu->timer_stops, cu->sockets_unwatched);
}
