/* curl_ring.c: libcurl's multi socket interface, driven by an io_uring.
 *
 * Two callbacks of libcurl's, two completions of the ring's, and one loop
 * over finished transfers, as in loop/curl_uv.c. libcurl calls
 * on_curl_socket ("watch this socket for reading") and on_curl_timer
 * ("wake me in 40 ms"); the ring answers with on_ring_poll and
 * on_ring_timer, and both hand the news to libcurl with
 * curl_multi_socket_action. A poll request is multishot where the kernel
 * has it: armed once, it answers each time the socket is ready, until
 * libcurl wants something else of it. libcurl then reads and writes the
 * socket itself (recv, send): readiness, not completion, for HTTP. libcurl
 * is never called from inside one of its own callbacks: they only queue
 * requests, and a socket that cannot be watched fails its transfer from
 * the loop's next turn (on_unwatched_timer), never the whole multi handle. */
#include "curl_ring.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "program.h"

/* One socket libcurl asked us to watch. Owned by libcurl's socket table
 * (curl_multi_assign) from the first CURL_POLL_IN/OUT until CURL_POLL_REMOVE;
 * from then on by the ring, until its poll's last completion frees it. */
struct curl_ring_socket {
    struct ring_op op;       /* first: the poll's completions find the socket */
    curl_socket_t fd;
    unsigned events;         /* POLLIN | POLLOUT: what libcurl wants */
    unsigned armed;          /* what the poll in the ring watches for */
    bool in_ring;            /* a poll is in the ring: its last completion has not come */
    bool cancelling;         /* that poll is being cancelled */
    bool acting;             /* on_ring_poll is telling libcurl of it */
    bool removed;            /* libcurl said CURL_POLL_REMOVE */
    struct curl_ring *cr;
};

/* ---- Finished transfers ---- */

/* Forgets easy's note in cr->unwatched, if it has one: it is leaving the
 * multi handle. O(notes), a handful at most, and none on most turns. */
static void unwatched_forget(struct curl_ring *cr, CURL *easy)
{
    for (size_t i = 0; i < cr->unwatched_count; i++) {
        if (cr->unwatched[i].easy == easy) {
            cr->unwatched[i] = cr->unwatched[--cr->unwatched_count];
            return;
        }
    }
}

/* Takes a transfer that has ended out of the multi handle and hands it to
 * the owner, which may add it again or clean it up. */
static void transfer_end(struct curl_ring *cr, CURL *easy, CURLcode result, const char *why)
{
    void *easy_private = NULL;

    unwatched_forget(cr, easy);
    CURLMcode mc = curl_multi_remove_handle(cr->multi, easy);
    if (mc != CURLM_OK)
        fprintf(stderr, "%s: curl_multi_remove_handle: %s\n", program_name(),
                curl_multi_strerror(mc));
    cr->transfers--;
    cr->finished++;
    CURLcode rc = curl_easy_getinfo(easy, CURLINFO_PRIVATE, &easy_private);
    if (rc != CURLE_OK) {
        /* Without its owner the transfer cannot be reported at all. */
        fprintf(stderr, "%s: curl_easy_getinfo(CURLINFO_PRIVATE): %s\n",
                program_name(), curl_easy_strerror(rc));
        abort();
    }
    cr->on_done(easy, result, why, easy_private);
}

/* Hands every finished transfer to the owner. A CURLMsg lives only until its
 * handle is removed, so its fields are copied first. */
static void read_finished(struct curl_ring *cr)
{
    CURLMsg *msg;
    int queued;

    while ((msg = curl_multi_info_read(cr->multi, &queued)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURL *easy = msg->easy_handle;
        CURLcode result = msg->data.result;

        transfer_end(cr, easy, result, NULL);
    }
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp);

/* Sets the timer to libcurl's next timeout, after curl_multi_socket_action
 * failed (out of memory, say): libcurl 7.88 then returns before it tells
 * on_curl_timer, and the transfers whose turn it had not reached would
 * wait for ever (as curl_uv.c found under ulimit -v). */
static void timer_update(struct curl_ring *cr)
{
    long timeout_ms;
    CURLMcode mc = curl_multi_timeout(cr->multi, &timeout_ms);

    if (mc != CURLM_OK) {
        fprintf(stderr, "%s: curl_multi_timeout: %s\n", program_name(), curl_multi_strerror(mc));
        return;
    }
    (void)on_curl_timer(cr->multi, timeout_ms, cr);
}

/* Tells libcurl what happened (on a socket, or the timeout), then collects
 * what finished. The one place libcurl does its work; called only from the
 * ring's completions. */
static void socket_action(struct curl_ring *cr, curl_socket_t fd, int ev_bitmask)
{
    int running;

    cr->socket_actions++;
    CURLMcode mc = curl_multi_socket_action(cr->multi, fd, ev_bitmask, &running);
    if (mc != CURLM_OK) {
        fprintf(stderr, "%s: curl_multi_socket_action: %s\n", program_name(),
                curl_multi_strerror(mc));
        timer_update(cr);
    }
    read_finished(cr);
}

/* ---- Sockets: one poll request each ---- */

/* Puts a poll for what libcurl wants of sock in the ring: multishot, so
 * that it answers again and again with no new request, where the kernel
 * keeps polls armed. */
static void poll_arm(struct curl_ring_socket *sock)
{
    struct io_uring_sqe *sqe = ring_sqe(sock->cr->ring, &sock->op);

    if (sock->cr->multishot)
        io_uring_prep_poll_multishot(sqe, sock->fd, sock->events);
    else
        io_uring_prep_poll_add(sqe, sock->fd, sock->events);
    sock->armed = sock->events;
    sock->in_ring = true;
}

/* Asks the ring to end sock's poll; its last completion follows. */
static void poll_cancel(struct curl_ring_socket *sock)
{
    if (sock->in_ring && !sock->cancelling) {
        sock->cancelling = true;
        ring_cancel(sock->cr->ring, &sock->op);
    }
}

/* Frees sock once the ring and libcurl are both done with it. The ring
 * holds a reference to the socket's file while the poll is in, so the
 * socket libcurl has closed is really closed only then. */
static void socket_free_if_done(struct curl_ring_socket *sock)
{
    if (sock->removed && !sock->in_ring && !sock->acting) {
        sock->cr->polls_closed++;
        free(sock);
    }
}

/* Called by ring_turn with each answer of a socket's poll: the events that
 * came, or a negative errno; with IORING_CQE_F_MORE, the poll goes on. */
static void on_ring_poll(struct ring_op *op, int res, unsigned flags)
{
    struct curl_ring_socket *sock = (struct curl_ring_socket *)op;
    struct curl_ring *cr = sock->cr;
    unsigned got = res > 0 ? (unsigned)res : 0;
    int ev_bitmask = 0;

    if (!(flags & IORING_CQE_F_MORE)) {
        sock->in_ring = false;
        sock->cancelling = false;
    }
    if (sock->removed) {
        socket_free_if_done(sock);
        return;
    }
    if (res == -EINVAL && cr->multishot && !sock->in_ring) {
        cr->multishot = false;   /* a kernel before 5.13: one-shot polls from here on */
    } else if (res < 0 && res != -ECANCELED) {
        /* EBADF and friends: libcurl must hear of it as an error on the
         * socket, or it would wait for it until the transfer times out. */
        cr->poll_errors++;
        ev_bitmask = CURL_CSELECT_ERR;
    } else if (res > 0) {
        /* As libuv does: an error or hang-up is news for what is watched. */
        if (got & (POLLERR | POLLHUP))
            got |= sock->events;
        if (got & POLLIN & sock->events)
            ev_bitmask |= CURL_CSELECT_IN;
        if (got & POLLOUT & sock->events)
            ev_bitmask |= CURL_CSELECT_OUT;
    }
    if (ev_bitmask & CURL_CSELECT_IN)
        cr->poll_reads++;
    if (ev_bitmask & CURL_CSELECT_OUT)
        cr->poll_writes++;
    if (ev_bitmask != 0) {
        sock->acting = true;
        socket_action(cr, sock->fd, ev_bitmask);
        sock->acting = false;
    }
    /* libcurl may have said CURL_POLL_REMOVE meanwhile; if it still wants
     * the socket and no poll is in the ring (one-shot, cancelled for a new
     * interest, or ended by the kernel), watch it again. */
    if (!sock->removed && !sock->in_ring && sock->events != 0) {
        cr->polls_rearmed++;
        poll_arm(sock);
    }
    socket_free_if_done(sock);
}

/* ---- Sockets that cannot be watched ---- */

/* Called by the ring on the loop's turn after unwatched_note: ends each
 * noted transfer as failed, the way a finished one ends. Taken from the end
 * one at a time, as on_done may add a handle again (a retry). */
static void on_unwatched_timer(struct ring_timer *timer)
{
    struct curl_ring *cr = (struct curl_ring *)((char *)timer -
                                                offsetof(struct curl_ring, unwatched_timer));

    while (cr->unwatched_count > 0) {
        struct curl_ring_unwatched u = cr->unwatched[cr->unwatched_count - 1];
        char why[CURL_ERROR_SIZE];

        if (u.call == NULL)
            snprintf(why, sizeof why, "no memory to watch its socket");
        else
            snprintf(why, sizeof why, "%s to watch its socket: %s: %s",
                     u.no_memory ? "no memory" : "failed", u.call, u.reason);
        cr->sockets_unwatched++;
        /* Both are io, a local failure; the connection did nothing wrong. */
        transfer_end(cr, u.easy, u.no_memory ? CURLE_OUT_OF_MEMORY : CURLE_WRITE_ERROR, why);
    }
}

/* Notes that easy's transfer has a socket the ring could not watch: it
 * would wait for it until its timeout, or forever without one. It cannot
 * end here, in libcurl's socket callback (libcurl refuses a handle's
 * removal from inside it), and the callback may not return -1 either (it
 * would fail every other transfer: see loop/curl_uv.c). So the transfer is
 * noted, in room that curl_ring_add reserved, and ended by
 * on_unwatched_timer from the loop. */
static void unwatched_note(struct curl_ring *cr, CURL *easy, bool no_memory, const char *call,
                           const char *reason)
{
    for (size_t i = 0; i < cr->unwatched_count; i++) {
        if (cr->unwatched[i].easy == easy)
            return;   /* its first failure says why */
    }
    /* One note per transfer, and room for every transfer: cannot happen. */
    if (cr->unwatched_count == cr->unwatched_size) {
        fprintf(stderr, "%s: no room to note a transfer whose socket is not watched\n",
                program_name());
        abort();
    }
    cr->unwatched[cr->unwatched_count++] = (struct curl_ring_unwatched){
        .easy = easy, .no_memory = no_memory, .call = call, .reason = reason,
    };
    ring_timer_start(&cr->unwatched_timer, 0);
}

/* Starts watching fd with a new socket struct, and has libcurl keep the
 * pointer for this socket's next callbacks. NULL after noting why easy's
 * transfer must fail. AIO_BENCH_FAIL_WATCH's watch fails here, as if
 * calloc had. Unlike libuv's epoll, the ring minds no other poll on the
 * same fd number: a closed socket's poll still being cancelled does not
 * stand in the way of a new socket that got its number. */
static struct curl_ring_socket *socket_watch(struct curl_ring *cr, CURL *easy, curl_socket_t fd)
{
    struct curl_ring_socket *sock = NULL;

    if (++cr->watches != cr->fail_watch)
        sock = calloc(1, sizeof *sock);
    if (sock == NULL) {
        unwatched_note(cr, easy, true, NULL, NULL);
        return NULL;
    }
    sock->op.done = on_ring_poll;
    sock->fd = fd;
    sock->cr = cr;
    cr->polls_opened++;
    /* The one libcurl call allowed in the socket callback: it only stores
     * the pointer in libcurl's table. */
    CURLMcode mc = curl_multi_assign(cr->multi, fd, sock);
    if (mc != CURLM_OK) {
        unwatched_note(cr, easy, mc == CURLM_OUT_OF_MEMORY, "curl_multi_assign",
                       curl_multi_strerror(mc));
        sock->removed = true;
        socket_free_if_done(sock);   /* never in the ring: freed now */
        return NULL;
    }
    return sock;
}

/* Called by libcurl (CURLMOPT_SOCKETFUNCTION) from inside its own functions
 * whenever what it waits for on a socket changes: IN, OUT, INOUT, or
 * REMOVE. socketp is what we assigned, NULL for a socket new to us. Only
 * requests are queued here. A socket that cannot be watched fails its own
 * transfer (unwatched_note) and 0 is returned all the same: -1 would fail
 * them all. */
static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct curl_ring *cr = userp;
    struct curl_ring_socket *sock = socketp;

    if (what == CURL_POLL_REMOVE) {
        /* libcurl forgets the pointer itself, and may close the socket as
         * soon as this returns. */
        if (sock != NULL) {
            sock->removed = true;
            poll_cancel(sock);
            socket_free_if_done(sock);
        }
        return 0;
    }
    /* libcurl asks again when what it waits for changes: the watch is
     * tried again, but the transfer is already noted to fail. */
    if (sock == NULL && (sock = socket_watch(cr, easy, fd)) == NULL)
        return 0;
    sock->events = 0;
    if (what & CURL_POLL_IN)
        sock->events |= POLLIN;
    if (what & CURL_POLL_OUT)
        sock->events |= POLLOUT;
    /* A poll that watches the same stays armed. One that watches something
     * else is cancelled, and its last completion arms the new one; so is a
     * socket with no poll, unless on_ring_poll, below us, will. */
    if (sock->in_ring) {
        if (sock->armed != sock->events)
            poll_cancel(sock);
    } else if (!sock->acting && sock->events != 0) {
        poll_arm(sock);
    }
    return 0;
}

/* ---- Time: one ring timeout ---- */

/* Called by the ring when libcurl's timeout has come. */
static void on_ring_timer(struct ring_timer *timer)
{
    struct curl_ring *cr = (struct curl_ring *)((char *)timer - offsetof(struct curl_ring, timer));

    socket_action(cr, CURL_SOCKET_TIMEOUT, 0);
}

/* Called by libcurl (CURLMOPT_TIMERFUNCTION) from inside its own functions
 * when its next timeout changes. The timer never repeats: a new value
 * replaces the old one. -1 means no timeout: the timer must stop, or it
 * would wake libcurl for nothing. 0 means as soon as possible: a 0 ms
 * timeout ends on the loop's next turn. Calling curl_multi_socket_action
 * right here instead would re-enter libcurl from its own callback. */
static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    struct curl_ring *cr = userp;

    (void)multi;
    if (timeout_ms < 0) {
        cr->timer_stops++;
        (void)ring_timer_stop(&cr->timer);
    } else {
        cr->timer_starts++;
        ring_timer_start(&cr->timer, timeout_ms);
    }
    return 0;
}

/* ---- Setting up and tearing down ---- */

int curl_ring_init(struct curl_ring *cr, struct ring *ring, curl_ring_done_fn *on_done)
{
    memset(cr, 0, sizeof *cr);
    cr->ring = ring;
    cr->on_done = on_done;
    cr->multishot = true;
    /* A test's fault, read once: not a number is 0, no fault. */
    const char *fail_watch = getenv("AIO_BENCH_FAIL_WATCH");
    if (fail_watch != NULL)
        cr->fail_watch = strtoul(fail_watch, NULL, 10);
    ring_timer_init(&cr->timer, ring, on_ring_timer);
    ring_timer_init(&cr->unwatched_timer, ring, on_unwatched_timer);

    cr->multi = curl_multi_init();
    if (cr->multi == NULL) {
        fprintf(stderr, "%s: curl_multi_init failed\n", program_name());
        return -1;
    }
    const char *option;
    CURLMcode mc;
    if ((mc = curl_multi_setopt(cr->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket)) != CURLM_OK)
        option = "CURLMOPT_SOCKETFUNCTION";
    else if ((mc = curl_multi_setopt(cr->multi, CURLMOPT_SOCKETDATA, cr)) != CURLM_OK)
        option = "CURLMOPT_SOCKETDATA";
    else if ((mc = curl_multi_setopt(cr->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer)) != CURLM_OK)
        option = "CURLMOPT_TIMERFUNCTION";
    else if ((mc = curl_multi_setopt(cr->multi, CURLMOPT_TIMERDATA, cr)) != CURLM_OK)
        option = "CURLMOPT_TIMERDATA";
    else
        return 0;
    fprintf(stderr, "%s: curl_multi_setopt(%s): %s\n", program_name(), option,
            curl_multi_strerror(mc));
    curl_multi_cleanup(cr->multi);
    cr->multi = NULL;
    return -1;
}

CURLMcode curl_ring_add(struct curl_ring *cr, CURL *easy)
{
    /* Room to note this transfer should its socket not be watched: made
     * now, as then there may be no memory left. Doubled, so seldom. */
    if ((size_t)cr->transfers >= cr->unwatched_size) {
        size_t size = cr->unwatched_size > 0 ? 2 * cr->unwatched_size : 16;
        struct curl_ring_unwatched *room = realloc(cr->unwatched, size * sizeof *room);

        if (room == NULL)
            return CURLM_OUT_OF_MEMORY;
        cr->unwatched = room;
        cr->unwatched_size = size;
    }
    /* libcurl answers through on_curl_timer (0: start it soon); the
     * transfer starts on the loop's next turn. */
    CURLMcode mc = curl_multi_add_handle(cr->multi, easy);

    if (mc == CURLM_OK)
        cr->transfers++;
    return mc;
}

CURLMcode curl_ring_remove(struct curl_ring *cr, CURL *easy)
{
    CURLMcode mc = curl_multi_remove_handle(cr->multi, easy);

    if (mc == CURLM_OK) {
        unwatched_forget(cr, easy);
        cr->transfers--;
    }
    return mc;
}

void curl_ring_close(struct curl_ring *cr)
{
    if (cr->transfers != 0)
        fprintf(stderr, "%s: curl_ring_close: %ld transfers still running\n", program_name(),
                cr->transfers);
    /* May call on_curl_socket (REMOVE) for the cached connections: their
     * polls are cancelled, and freed as the ring drains. */
    CURLMcode mc = curl_multi_cleanup(cr->multi);
    if (mc != CURLM_OK)
        fprintf(stderr, "%s: curl_multi_cleanup: %s\n", program_name(), curl_multi_strerror(mc));
    cr->multi = NULL;
    (void)ring_timer_stop(&cr->timer);
    (void)ring_timer_stop(&cr->unwatched_timer);
    free(cr->unwatched);   /* empty: a note stays only while its transfer runs */
    cr->unwatched = NULL;
}

void curl_ring_report(const struct curl_ring *cr, FILE *out)
{
    fprintf(out, "%s: curl_ring: %lu transfers finished, %lu socket actions; "
            "%lu polls opened, %lu closed, %lu set again (%s), %lu polls readable, "
            "%lu writable, %lu poll errors; %lu timer starts, %lu timer stops; "
            "%lu transfers failed for a socket not watched\n",
            program_name(), cr->finished, cr->socket_actions, cr->polls_opened,
            cr->polls_closed, cr->polls_rearmed, cr->multishot ? "multishot" : "one-shot",
            cr->poll_reads, cr->poll_writes, cr->poll_errors, cr->timer_starts, cr->timer_stops,
            cr->sockets_unwatched);
}
