/* ring.c: one io_uring, and the few things a loop needs of it.
 *
 * Where libuv's loop asks the kernel "which of these is ready?" (epoll) and
 * then does the I/O itself, or hands it to its thread pool, a ring hands
 * the kernel the I/O itself, and the kernel answers when it is done. Two
 * queues shared with the kernel: requests go into the submission queue
 * (ring_sqe), many per system call; answers come out of the completion
 * queue (ring_turn), each with the pointer its request was given. Compare
 * loop/loop_uv.c, which does the same for the same window on libuv. */
#include "ring.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "program.h"

/* Completions taken from the queue in one go: copied out, so that the
 * queue has room again before any callback adds requests. */
#define RING_BATCH 64

#define NS_PER_MS 1000000ULL
#define NS_PER_S 1000000000ULL

/* The requests this program makes, each a kernel's opcode since 5.x. A
 * kernel without one of them is refused at the start with its name,
 * rather than failing tasks one by one with EINVAL. */
static const struct {
    int opcode;
    const char *name;
} needed_ops[] = {
    { IORING_OP_POLL_ADD, "IORING_OP_POLL_ADD" },
    { IORING_OP_TIMEOUT, "IORING_OP_TIMEOUT" },
    { IORING_OP_TIMEOUT_REMOVE, "IORING_OP_TIMEOUT_REMOVE" },
    { IORING_OP_ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL" },
    { IORING_OP_READ, "IORING_OP_READ" },
    { IORING_OP_WRITE, "IORING_OP_WRITE" },
    { IORING_OP_FSYNC, "IORING_OP_FSYNC" },
    { IORING_OP_OPENAT, "IORING_OP_OPENAT" },
    { IORING_OP_CLOSE, "IORING_OP_CLOSE" },
    { IORING_OP_RENAMEAT, "IORING_OP_RENAMEAT" },
    { IORING_OP_UNLINKAT, "IORING_OP_UNLINKAT" },
};

/* "CALL: strerror (ENAME)" into why, for a negative errno. */
static void errno_text(char *why, size_t why_size, const char *call, int err)
{
    const char *name = strerrorname_np(-err);

    snprintf(why, why_size, "%s: %s (%s)", call, strerror(-err), name != NULL ? name : "?");
}

/* Called by ring_turn with the answer to a cancel or a timeout update. The
 * request may have ended meanwhile (-ENOENT) or be ending (-EALREADY);
 * anything else is a bug in this program. */
static void on_control_done(struct ring_op *op, int res, unsigned flags)
{
    (void)op;
    (void)flags;
    if (res >= 0 || res == -ENOENT || res == -EALREADY)
        return;
    fprintf(stderr, "%s: a cancel or timeout update on the ring failed: %s\n", program_name(),
            strerror(-res));
    abort();
}

/* Checks that the kernel knows every request of needed_ops. 0, or
 * -EOPNOTSUPP (or -ENOMEM) with why set. */
static int ring_probe(struct ring *r, char *why, size_t why_size)
{
    /* Probing came in 5.6, with most of the requests here. */
    struct io_uring_probe *probe = io_uring_get_probe_ring(&r->uring);
    int rc = 0;

    if (probe == NULL) {
        snprintf(why, why_size, "io_uring_get_probe_ring: the kernel cannot say which "
                 "requests it has (before Linux 5.6)");
        return -EOPNOTSUPP;
    }
    for (size_t i = 0; i < sizeof needed_ops / sizeof needed_ops[0]; i++) {
        if (!io_uring_opcode_supported(probe, needed_ops[i].opcode)) {
            snprintf(why, why_size, "the kernel lacks %s", needed_ops[i].name);
            rc = -EOPNOTSUPP;
            break;
        }
    }
    io_uring_free_probe(probe);
    return rc;
}

int ring_init(struct ring *r, unsigned entries, char *why, size_t why_size)
{
    struct io_uring_params params = { .flags = IORING_SETUP_COOP_TASKRUN };

    memset(r, 0, sizeof *r);
    r->control.done = on_control_done;
    /* COOP_TASKRUN (5.19): the kernel finishes completions when this
     * thread next enters it, rather than interrupting it to do so: it
     * enters every turn anyway. An older kernel refuses the flag. */
    int rc = io_uring_queue_init_params(entries, &r->uring, &params);
    if (rc == -EINVAL) {
        params = (struct io_uring_params){ 0 };
        rc = io_uring_queue_init_params(entries, &r->uring, &params);
    }
    if (rc < 0) {
        errno_text(why, why_size, "io_uring_setup", rc);
        return rc;
    }
    if ((rc = ring_probe(r, why, why_size)) < 0)
        io_uring_queue_exit(&r->uring);
    return rc;
}

int ring_exit(struct ring *r)
{
    int rc = 0;

    /* Their memory may be gone: the kernel must not write into it, and
     * the queue's exit cancels them; but it is a bug, and said. */
    if (r->in_flight != 0) {
        fprintf(stderr, "%s: the ring ends with %lu requests in flight\n", program_name(),
                r->in_flight);
        rc = -1;
    }
    io_uring_queue_exit(&r->uring);
    return rc;
}

unsigned ring_entries(const struct ring *r)
{
    return r->uring.sq.ring_entries;
}

void ring_report(const struct ring *r, FILE *out)
{
    fprintf(out, "%s: ring: %lu requests in %lu io_uring_enter calls:", program_name(),
            r->sqes, r->enters);
    for (size_t i = 0; i < sizeof needed_ops / sizeof needed_ops[0]; i++)
        fprintf(out, "%s %s %lu", i > 0 ? "," : "",
                needed_ops[i].name + strlen("IORING_OP_"), r->by_opcode[needed_ops[i].opcode]);
    fputc('\n', out);
}

/* Hands the queued requests to the kernel, waiting for wait_nr
 * completions; counted as an io_uring_enter, and the requests by kind:
 * those from sqe_head to sqe_tail are the ones not yet handed over. */
static int ring_submit(struct ring *r, unsigned wait_nr)
{
    const struct io_uring_sq *sq = &r->uring.sq;

    for (unsigned i = sq->sqe_head; i != sq->sqe_tail; i++) {
        unsigned opcode = sq->sqes[i & sq->ring_mask].opcode;

        if (opcode < IORING_OP_LAST)
            r->by_opcode[opcode]++;
    }
    r->enters++;
    return io_uring_submit_and_wait(&r->uring, wait_nr);
}

struct io_uring_sqe *ring_sqe(struct ring *r, struct ring_op *op)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&r->uring);

    if (sqe == NULL) {
        /* The queue is full: hand it over now, and take the freed entry. */
        int rc = ring_submit(r, 0);
        if (rc < 0 || (sqe = io_uring_get_sqe(&r->uring)) == NULL) {
            fprintf(stderr, "%s: io_uring_submit: %s\n", program_name(),
                    rc < 0 ? strerror(-rc) : "the queue stays full");
            abort();
        }
    }
    r->sqes++;
    r->in_flight++;
    io_uring_sqe_set_data(sqe, op != NULL ? op : &r->control);
    return sqe;
}

void ring_cancel(struct ring *r, struct ring_op *op)
{
    io_uring_prep_cancel(ring_sqe(r, NULL), op, 0);
}

int ring_turn(struct ring *r)
{
    struct io_uring_cqe *cqes[RING_BATCH];
    struct { struct ring_op *op; int res; unsigned flags; } done[RING_BATCH];
    int rc = 0;

    /* One system call a turn at most: it hands over every request queued
     * since the last, and waits only when no answer is there already. */
    bool ready = io_uring_cq_ready(&r->uring) > 0;
    if (!ready || io_uring_sq_ready(&r->uring) > 0) {
        uint64_t began_ns = clock_now_ns();

        rc = ring_submit(r, ready ? 0 : 1);
        if (!ready)
            r->idle_ns += clock_now_ns() - began_ns;
        if (rc == -EINTR || rc == -EAGAIN || rc == -EBUSY)
            rc = 0;   /* a signal; or the kernel short of room for now: next turn */
        if (rc < 0)
            return rc;
    }
    unsigned n = io_uring_peek_batch_cqe(&r->uring, cqes, RING_BATCH);
    for (unsigned i = 0; i < n; i++) {
        done[i].op = io_uring_cqe_get_data(cqes[i]);
        done[i].res = cqes[i]->res;
        done[i].flags = cqes[i]->flags;
    }
    io_uring_cq_advance(&r->uring, n);
    for (unsigned i = 0; i < n; i++) {
        if (!(done[i].flags & IORING_CQE_F_MORE))
            r->in_flight--;
        done[i].op->done(done[i].op, done[i].res, done[i].flags);
    }
    return 0;
}

int ring_drain(struct ring *r)
{
    int rc = 0;

    while (r->in_flight > 0 && (rc = ring_turn(r)) == 0)
        ;
    return rc;
}

/* ---- Timers ---- */

/* Puts t's timeout in the ring, to end at t->due_ns on CLOCK_MONOTONIC
 * (clock_now_ns's clock, the default of an absolute ring timeout). */
static void timer_submit(struct ring_timer *t)
{
    t->ts.tv_sec = (long long)(t->due_ns / NS_PER_S);
    t->ts.tv_nsec = (long long)(t->due_ns % NS_PER_S);
    t->ring_due_ns = t->due_ns;
    t->in_ring = true;
    io_uring_prep_timeout(ring_sqe(t->ring, &t->op), &t->ts, 0, IORING_TIMEOUT_ABS);
}

/* Called by ring_turn when t's timeout has ended: it came (-ETIME), or
 * was cancelled (-ECANCELED). Fires t if it is due, or sets the timeout
 * again for a start that came meanwhile. */
static void on_timeout(struct ring_op *op, int res, unsigned flags)
{
    struct ring_timer *t = (struct ring_timer *)op;

    (void)flags;
    t->in_ring = false;
    t->cancelling = false;
    if (res != -ETIME && res != -ECANCELED && res != 0) {
        fprintf(stderr, "%s: a ring timeout failed: %s\n", program_name(), strerror(-res));
        abort();
    }
    if (t->released) {
        t->release(t);
        return;
    }
    if (!t->started)
        return;
    if (clock_now_ns() < t->due_ns) {
        timer_submit(t);   /* started again, for later */
        return;
    }
    t->started = false;
    t->fire(t);
}

void ring_timer_init(struct ring_timer *t, struct ring *r, ring_timer_fn *fire)
{
    *t = (struct ring_timer){ .op.done = on_timeout, .ring = r, .fire = fire };
}

void ring_timer_start(struct ring_timer *t, long ms)
{
    t->due_ns = clock_now_ns() + (ms > 0 ? (uint64_t)ms * NS_PER_MS : 0);
    t->started = true;
    if (!t->in_ring) {
        timer_submit(t);
    } else if (!t->cancelling && t->due_ns < t->ring_due_ns) {
        /* Earlier than the timeout in the ring: moved in place. If it has
         * ended meanwhile, the update finds nothing, and on_timeout sees
         * the new time. */
        t->ts.tv_sec = (long long)(t->due_ns / NS_PER_S);
        t->ts.tv_nsec = (long long)(t->due_ns % NS_PER_S);
        t->ring_due_ns = t->due_ns;
        io_uring_prep_timeout_update(ring_sqe(t->ring, NULL), &t->ts, (uintptr_t)&t->op,
                                     IORING_TIMEOUT_ABS);
    }
    /* Later, or being cancelled: on_timeout sets it again when it ends. */
}

bool ring_timer_stop(struct ring_timer *t)
{
    if (!t->started)
        return false;
    t->started = false;
    if (t->in_ring && !t->cancelling) {
        t->cancelling = true;
        ring_cancel(t->ring, &t->op);
    }
    return true;
}

bool ring_timer_active(const struct ring_timer *t)
{
    return t->started;
}

void ring_timer_release(struct ring_timer *t, ring_timer_fn *release)
{
    (void)ring_timer_stop(t);
    t->released = true;
    t->release = release;
    if (!t->in_ring)
        release(t);
}
