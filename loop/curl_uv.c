/* curl_uv.c: libcurl's multi socket interface, driven by a libuv loop.
 *
 * Two callbacks of libcurl's, two of libuv's, and one loop over finished
 * transfers. libcurl calls curl_glue.c's on_curl_socket ("watch this
 * socket for reading") and on_curl_timer ("wake me in 40 ms"), which ask
 * this file's ops (cu_watch, cu_want, cu_timer_start...) to do it with libuv;
 * libuv calls on_uv_poll and on_uv_timer when that happens, and both hand
 * the news to libcurl with curl_glue_action (curl_multi_socket_action).
 * libcurl is never called from inside one of its own callbacks: they only
 * start and stop libuv handles, and a socket that cannot be watched fails
 * its transfer from the loop's next turn (on_unwatched_timer), never the
 * whole multi handle. What does not depend on libuv, the same for
 * async_uring/curl_ring.c, is in curl_glue.c: read this file first, then
 * that one. Compare the blocking curl_easy_perform in tasks/blocking.c,
 * and curl's docs/examples/multi-uv.c, whose known bugs are marked here
 * where avoided. */
#include "curl_uv.h"

#include <stddef.h>
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

static struct curl_uv *cu_of(struct curl_glue *cg)
{
    return cg->backend;
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
    cu->glue.polls_closed++;
    free(sock);
}

/* Stops watching a socket (ops: CURL_POLL_REMOVE). uv_close stops the poll
 * at once, so the fd may be closed (libcurl does so right after
 * CURL_POLL_REMOVE) and its number reused by a new handle; the memory
 * waits for on_poll_closed. */
static void cu_unwatch(struct curl_glue *cg, void *socketp)
{
    struct curl_uv *cu = cu_of(cg);
    struct curl_uv_socket *sock = socketp;

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
        cu->glue.poll_errors++;
        ev_bitmask = CURL_CSELECT_ERR;
    } else {
        if (events & UV_READABLE)
            ev_bitmask |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            ev_bitmask |= CURL_CSELECT_OUT;
    }
    curl_glue_action(&cu->glue, sock->fd, ev_bitmask);
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

/* Starts watching fd with a new uv_poll (ops: a socket new to libcurl's
 * table; curl_glue.c then has libcurl keep the pointer). NULL after noting
 * why easy's transfer must fail. */
static void *cu_watch(struct curl_glue *cg, CURL *easy, curl_socket_t fd)
{
    struct curl_uv *cu = cu_of(cg);
    struct curl_uv_socket *sock = calloc(1, sizeof *sock);

    if (sock == NULL) {
        curl_glue_unwatched(cg, easy, true, NULL, NULL);
        return NULL;
    }
    /* The fd's previous handle, if any, was stopped by cu_unwatch and only
     * waits to be freed, so libuv accepts a new one (two live handles on
     * one fd it refuses with UV_EEXIST). Counted to show it happens:
     * O(closing handles), a handful, freed at the end of each loop turn. */
    for (struct curl_uv_socket *old = cu->closing; old != NULL; old = old->next) {
        if (old->fd == fd) {
            cu->polls_reopened++;
            break;
        }
    }
    int rc = uv_poll_init_socket(cu->loop, &sock->poll, fd);
    if (rc < 0) {
        curl_glue_unwatched(cg, easy, rc == UV_ENOMEM, "uv_poll_init_socket", uv_strerror(rc));
        free(sock);   /* init failed: no handle exists to close */
        return NULL;
    }
    sock->poll.data = sock;
    sock->fd = fd;
    sock->cu = cu;
    cg->polls_opened++;
    return sock;
}

/* Watches a socket for what libcurl wants of it now (ops: CURL_POLL_IN,
 * OUT or INOUT). uv_poll_start replaces what the poll watched. */
static void cu_want(struct curl_glue *cg, void *socketp, CURL *easy, int what)
{
    struct curl_uv_socket *sock = socketp;

    sock->events = 0;
    if (what & CURL_POLL_IN)
        sock->events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        sock->events |= UV_WRITABLE;
    int rc = uv_poll_start(&sock->poll, sock->events, on_uv_poll);
    if (rc < 0)
        curl_glue_unwatched(cg, easy, rc == UV_ENOMEM, "uv_poll_start", uv_strerror(rc));
}

/* ---- Sockets that cannot be watched ---- */

/* Called by libuv on the loop's turn after curl_glue_unwatched: the glue
 * ends each noted transfer as failed, the way a finished one ends. */
static void on_unwatched_timer(uv_timer_t *timer)
{
    struct curl_uv *cu = timer->data;

    curl_glue_end_unwatched(&cu->glue);
}

/* Has on_unwatched_timer called on the loop's next turn (ops). */
static void cu_next_turn(struct curl_glue *cg)
{
    /* Fails only for a closing handle: a bug. */
    int rc = uv_timer_start(&cu_of(cg)->unwatched_timer, on_unwatched_timer, 0, 0);
    if (rc < 0) {
        fprintf(stderr, "%s: uv_timer_start: %s\n", program_name(), uv_strerror(rc));
        abort();
    }
}

/* ---- Time: one uv_timer ---- */

/* Called by libuv when libcurl's timeout has come. */
static void on_uv_timer(uv_timer_t *timer)
{
    struct curl_uv *cu = timer->data;

    curl_glue_action(&cu->glue, CURL_SOCKET_TIMEOUT, 0);
}

/* Starts the timer for libcurl's next timeout (ops). The timer never
 * repeats: a new value replaces the old one, and a 0 ms timer fires on the
 * loop's next turn. Fails only for a closing handle: a bug. Returning -1
 * to libcurl would fail every transfer (see curl_glue_unwatched); stop
 * with one line instead. */
static void cu_timer_start(struct curl_glue *cg, long timeout_ms)
{
    int rc = uv_timer_start(&cu_of(cg)->timer, on_uv_timer, (uint64_t)timeout_ms, 0);
    if (rc < 0) {
        fprintf(stderr, "%s: uv_timer_start: %s\n", program_name(), uv_strerror(rc));
        abort();
    }
}

/* Stops the timer: libcurl has no timeout (ops). A running timer would
 * wake libcurl for nothing, and keep the loop alive. */
static void cu_timer_stop(struct curl_glue *cg)
{
    int rc = uv_timer_stop(&cu_of(cg)->timer);
    if (rc < 0) {
        fprintf(stderr, "%s: uv_timer_stop: %s\n", program_name(), uv_strerror(rc));
        abort();
    }
}

/* ---- Setting up and tearing down ---- */

/* What libuv does for curl_glue.c. */
static const struct curl_glue_ops cu_ops = {
    .name = "curl_uv",
    .watch = cu_watch,
    .want = cu_want,
    .unwatch = cu_unwatch,
    .timer_start = cu_timer_start,
    .timer_stop = cu_timer_stop,
    .next_turn = cu_next_turn,
};

int curl_uv_init(struct curl_uv *cu, uv_loop_t *loop, curl_uv_done_fn *on_done)
{
    memset(cu, 0, sizeof *cu);
    cu->loop = loop;

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
    if (curl_glue_init(&cu->glue, &cu_ops, cu, on_done) == 0)
        return 0;
    uv_close((uv_handle_t *)&cu->unwatched_timer, NULL);
out_timer:
    uv_close((uv_handle_t *)&cu->timer, NULL);   /* embedded in cu: nothing to free */
    return -1;
}

void curl_uv_close(struct curl_uv *cu)
{
    /* May call cu_unwatch for the cached connections. */
    curl_glue_close(&cu->glue);
    uv_close((uv_handle_t *)&cu->timer, NULL);   /* embedded in cu: nothing to free */
    uv_close((uv_handle_t *)&cu->unwatched_timer, NULL);
}

void curl_uv_report(const struct curl_uv *cu, FILE *out)
{
    const struct curl_glue *cg = &cu->glue;

    fprintf(out, "%s: curl_uv: %lu transfers finished, %lu socket actions; "
            "%lu polls opened (%lu on an fd whose old poll was still closing), %lu closed, "
            "%lu poll errors; %lu timer starts, %lu timer stops; "
            "%lu transfers failed for a socket not watched\n",
            program_name(), cg->finished, cg->socket_actions, cg->polls_opened,
            cu->polls_reopened, cg->polls_closed, cg->poll_errors, cg->timer_starts,
            cg->timer_stops, cg->sockets_unwatched);
}
