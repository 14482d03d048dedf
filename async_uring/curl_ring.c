/* curl_ring.c: libcurl's multi socket interface, driven by an io_uring.
 *
 * Two callbacks of libcurl's, two completions of the ring's, and one loop
 * over finished transfers, as in loop/curl_uv.c. libcurl calls
 * loop/curl_glue.c's on_curl_socket ("watch this socket for reading") and
 * on_curl_timer ("wake me in 40 ms"), which ask this file's ops (cr_watch,
 * cr_want, cr_timer_start...) to do it with the ring; the ring answers
 * with on_ring_poll and on_ring_timer, and both hand the news to libcurl
 * with curl_glue_action (curl_multi_socket_action). A poll request is multishot where the kernel
 * has it: armed once, it answers each time the socket is ready, until
 * libcurl wants something else of it. libcurl then reads and writes the
 * socket itself (recv, send): readiness, not completion, for HTTP. libcurl
 * is never called from inside one of its own callbacks: they only queue
 * requests, and a socket that cannot be watched fails its transfer from
 * the loop's next turn (on_unwatched_timer), never the whole multi handle.
 * Only the ring's side is here: the rest, the same as curl_uv.c's, is
 * loop/curl_glue.c. */
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

static struct curl_ring *cr_of(struct curl_glue *cg)
{
    return cg->backend;
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
        sock->cr->glue.polls_closed++;
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
        cr->glue.poll_errors++;
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
        curl_glue_action(&cr->glue, sock->fd, ev_bitmask);
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

/* Starts watching fd with a new socket struct (ops: a socket new to
 * libcurl's table; curl_glue.c then has libcurl keep the pointer). NULL
 * after noting why easy's transfer must fail. Unlike libuv's epoll, the
 * ring minds no other poll on the same fd number: a closed socket's poll
 * still being cancelled does not stand in the way of a new socket that got
 * its number. */
static void *cr_watch(struct curl_glue *cg, CURL *easy, curl_socket_t fd)
{
    struct curl_ring_socket *sock = calloc(1, sizeof *sock);

    if (sock == NULL) {
        curl_glue_unwatched(cg, easy, true, NULL, NULL);
        return NULL;
    }
    sock->op.done = on_ring_poll;
    sock->fd = fd;
    sock->cr = cr_of(cg);
    cg->polls_opened++;
    return sock;
}

/* Stops watching a socket (ops: CURL_POLL_REMOVE, or a socket whose
 * pointer libcurl could not keep). Its poll is cancelled, and the socket
 * freed with the poll's last completion; now, if it never was in the ring. */
static void cr_unwatch(struct curl_glue *cg, void *socketp)
{
    struct curl_ring_socket *sock = socketp;

    (void)cg;
    sock->removed = true;
    poll_cancel(sock);
    socket_free_if_done(sock);
}

/* Watches a socket for what libcurl wants of it now (ops: CURL_POLL_IN,
 * OUT or INOUT). Only requests are queued here. */
static void cr_want(struct curl_glue *cg, void *socketp, CURL *easy, int what)
{
    struct curl_ring_socket *sock = socketp;

    (void)cg;
    (void)easy;
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
}

/* ---- Sockets that cannot be watched ---- */

/* Called by the ring on the loop's turn after curl_glue_unwatched: the
 * glue ends each noted transfer as failed, the way a finished one ends. */
static void on_unwatched_timer(struct ring_timer *timer)
{
    struct curl_ring *cr = (struct curl_ring *)((char *)timer -
                                                offsetof(struct curl_ring, unwatched_timer));

    curl_glue_end_unwatched(&cr->glue);
}

/* Has on_unwatched_timer called on the loop's next turn (ops). */
static void cr_next_turn(struct curl_glue *cg)
{
    ring_timer_start(&cr_of(cg)->unwatched_timer, 0);
}

/* ---- Time: one ring timeout ---- */

/* Called by the ring when libcurl's timeout has come. */
static void on_ring_timer(struct ring_timer *timer)
{
    struct curl_ring *cr = (struct curl_ring *)((char *)timer - offsetof(struct curl_ring, timer));

    curl_glue_action(&cr->glue, CURL_SOCKET_TIMEOUT, 0);
}

/* Starts the timeout for libcurl's next one (ops). It never repeats: a new
 * value replaces the old one, and a 0 ms timeout ends on the loop's next
 * turn. */
static void cr_timer_start(struct curl_glue *cg, long timeout_ms)
{
    ring_timer_start(&cr_of(cg)->timer, timeout_ms);
}

/* Stops the timeout: libcurl has none (ops), and would be woken for
 * nothing. */
static void cr_timer_stop(struct curl_glue *cg)
{
    (void)ring_timer_stop(&cr_of(cg)->timer);
}

/* ---- Setting up and tearing down ---- */

/* What the ring does for curl_glue.c. */
static const struct curl_glue_ops cr_ops = {
    .name = "curl_ring",
    .watch = cr_watch,
    .want = cr_want,
    .unwatch = cr_unwatch,
    .timer_start = cr_timer_start,
    .timer_stop = cr_timer_stop,
    .next_turn = cr_next_turn,
};

int curl_ring_init(struct curl_ring *cr, struct ring *ring, curl_ring_done_fn *on_done)
{
    memset(cr, 0, sizeof *cr);
    cr->ring = ring;
    cr->multishot = true;
    ring_timer_init(&cr->timer, ring, on_ring_timer);
    ring_timer_init(&cr->unwatched_timer, ring, on_unwatched_timer);
    return curl_glue_init(&cr->glue, &cr_ops, cr, on_done);
}

void curl_ring_close(struct curl_ring *cr)
{
    /* May call cr_unwatch for the cached connections: their polls are
     * cancelled, and freed as the ring drains. */
    curl_glue_close(&cr->glue);
    (void)ring_timer_stop(&cr->timer);
    (void)ring_timer_stop(&cr->unwatched_timer);
}

void curl_ring_report(const struct curl_ring *cr, FILE *out)
{
    const struct curl_glue *cg = &cr->glue;

    fprintf(out, "%s: curl_ring: %lu transfers finished, %lu socket actions; "
            "%lu polls opened, %lu closed, %lu set again (%s), %lu polls readable, "
            "%lu writable, %lu poll errors; %lu timer starts, %lu timer stops; "
            "%lu transfers failed for a socket not watched\n",
            program_name(), cg->finished, cg->socket_actions, cg->polls_opened,
            cg->polls_closed, cr->polls_rearmed, cr->multishot ? "multishot" : "one-shot",
            cr->poll_reads, cr->poll_writes, cg->poll_errors, cg->timer_starts, cg->timer_stops,
            cg->sockets_unwatched);
}
