/* ring.h: one io_uring, and the few things a loop needs of it.
 *
 * The program asks and the kernel answers: each request (a read, a poll, a
 * timeout) goes into the submission queue with a pointer to a struct
 * ring_op, all of a loop turn's requests go to the kernel in one system
 * call, and each answer comes back in the completion queue with that
 * pointer, whose callback ring_turn calls. Here also: timers made of ring
 * timeouts, and the counts the model reports (SQEs, io_uring_enter calls,
 * time spent waiting). Nothing here knows tasks, windows or libcurl: the
 * loop (loop_ring.c) and the glue (curl_ring.c) are built on it. */
#ifndef ASYNC_URING_RING_H
#define ASYNC_URING_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <liburing.h>

struct ring_op;

/* Called by ring_turn with one completion of op: res is the request's
 * result (a count, a descriptor, a poll mask, or a negative errno), flags
 * the CQE's (IORING_CQE_F_MORE: a multishot request goes on). */
typedef void ring_done_fn(struct ring_op *op, int res, unsigned flags);

/* A request in flight, as the completion queue names it (user_data).
 * Embedded in whatever waits for the answer, which must stay in place until
 * the request's last completion has come. */
struct ring_op {
    ring_done_fn *done;
};

/* One ring. Owned by the loop, in place from ring_init to ring_exit. */
struct ring {
    struct io_uring uring;
    unsigned long in_flight;     /* requests whose last completion has not come */
    struct ring_op control;      /* the answers to cancels and timeout updates */
    /* What the model reports. */
    unsigned long sqes;          /* requests put in the submission queue */
    unsigned long enters;        /* io_uring_enter system calls: every submit with
                                  * requests to hand over or a wait to make (no SQPOLL) */
    uint64_t idle_ns;            /* time spent waiting in the kernel for completions */
    unsigned long by_opcode[IORING_OP_LAST];  /* the requests handed over, by kind */
};

/* Sets up a ring of `entries` submission entries (and checks that the
 * kernel has every request this program makes). 0; or a negative errno,
 * with why set to one line ("io_uring_queue_init: Function not implemented
 * (ENOSYS)"): -ENOSYS, -EPERM (kernel.io_uring_disabled, a seccomp filter)
 * and -EOPNOTSUPP (a request missing) mean io_uring cannot be used here. */
int ring_init(struct ring *r, unsigned entries, char *why, size_t why_size);

/* Frees the ring. Nothing should be in flight (ring_drain): 0; or -1,
 * after saying how many requests were. */
int ring_exit(struct ring *r);

/* The submission queue's size. */
unsigned ring_entries(const struct ring *r);

/* One line, for --verbose and the tests: the requests handed to the
 * kernel by kind ("OPENAT 20, WRITE 20, FSYNC 20, ..."), and the system
 * calls that handed them over. What strace cannot show: a request is no
 * system call of the program's. */
void ring_report(const struct ring *r, FILE *out);

/* A submission entry for a request whose completions go to op (NULL: to
 * the ring's control op, which expects nothing but success, "not found" or
 * "already done"). When the queue is full, what it holds is handed to the
 * kernel first: never NULL. The caller fills it in (io_uring_prep_*)
 * before any other call here. */
struct io_uring_sqe *ring_sqe(struct ring *r, struct ring_op *op);

/* Asks the kernel to cancel op's request (io_uring_prep_cancel): its last
 * completion then comes soon, -ECANCELED unless it had finished. */
void ring_cancel(struct ring *r, struct ring_op *op);

/* One turn of the loop: hands the kernel the queued requests, waits for
 * one completion at least when none is ready (the wait counts as idle),
 * and calls the callback of every completion that has come. 0, or a
 * negative errno from io_uring_enter other than -EINTR (a signal: the turn
 * just ends). */
int ring_turn(struct ring *r);

/* Turns the ring until no request is in flight: the end of a run, after
 * everything has been cancelled. 0, or ring_turn's error. */
int ring_drain(struct ring *r);

/* ---- Timers: a ring timeout each ---- */

struct ring_timer;
typedef void ring_timer_fn(struct ring_timer *t);

/* A timer that fires once, after ring_timer_start. At most one timeout of
 * its own is in the ring at a time, so its completion is never mistaken
 * for another's: a start for an earlier time updates it in place, one for
 * a later time lets it fire and sets it again. Embedded in its owner,
 * which ring_timer_release tells when it may go. */
struct ring_timer {
    struct ring_op op;           /* first: the completion finds the timer */
    struct ring *ring;
    ring_timer_fn *fire;         /* what it does when due */
    ring_timer_fn *release;      /* after ring_timer_release: the owner may go */
    uint64_t due_ns;             /* when it fires (clock_now_ns), while started */
    uint64_t ring_due_ns;        /* when the timeout in the ring ends */
    struct __kernel_timespec ts; /* that time, read by the kernel at submission */
    bool started;                /* fire is due at due_ns */
    bool in_ring;                /* its timeout's completion has not come */
    bool cancelling;             /* ring_cancel was asked for that timeout */
    bool released;               /* the owner is done with it */
};

/* Readies t on r; fire is called when due. Cannot fail. */
void ring_timer_init(struct ring_timer *t, struct ring *r, ring_timer_fn *fire);

/* Fires t in ms (0: on the loop's next turn), replacing any earlier start. */
void ring_timer_start(struct ring_timer *t, long ms);

/* Stops t, if started: fire will not be called. True when it was started. */
bool ring_timer_stop(struct ring_timer *t);

/* True while t is started and has not fired. */
bool ring_timer_active(const struct ring_timer *t);

/* Stops t and gives it back: release(t) is called once no timeout of t's
 * is in the ring, now or from a later turn; only then may t's memory go. */
void ring_timer_release(struct ring_timer *t, ring_timer_fn *release);

#endif
