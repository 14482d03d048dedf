/* loop_ring.c: the window's tasks on one io_uring.
 *
 * The ring's side of the window: it makes the ring, drives the window
 * (window.c) from it, and gives its tasks their waits: a ring timer each, a
 * transfer on libcurl's multi handle through curl_ring.c. Also here, as in
 * loop/loop_uv.c: Ctrl-C's wake-up (an eventfd whose read stays on the
 * ring) and the health timer. Read beside loop/loop_uv.c: the same window
 * on libuv, where a pool of threads does what the kernel does here. */
#include "loop_ring.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clock.h"

/* The submission queue's size: requests queued in one turn beyond it are
 * handed to the kernel early, one more system call per RING_ENTRIES. */
#define RING_ENTRIES 256

/* ---- A task's loop part: made, waits, gone ---- */

static struct loop_task *task_of_timer(struct ring_timer *timer)
{
    return (struct loop_task *)((char *)timer - offsetof(struct loop_task, timer));
}

/* Called by the ring when a task's timer fires. */
static void on_task_timer(struct ring_timer *timer)
{
    struct loop_task *lt = task_of_timer(timer);
    task_step_fn *after_wait = lt->after_wait;
    const struct run *run = lt->task.window->run;
    long id = lt->task.rec->id;
    uint64_t began_ns = clock_now_ns();

    lt->after_wait = NULL;
    lt->waiting = NULL;
    after_wait(&lt->task);
    health_step_done(run, id, "timer", began_ns);
}

/* Called by the window when it has made a task. */
static void on_task_made(struct task *task)
{
    struct loop_task *lt = (struct loop_task *)task;

    ring_timer_init(&lt->timer, ring_of(task), on_task_timer);
}

/* Called by the ring once no timeout of a finished task's is in it: the
 * task's memory goes. */
static void on_task_released(struct ring_timer *timer)
{
    free(task_of_timer(timer));
}

/* Called by the window when the task has finished. */
static void on_task_gone(struct task *task)
{
    struct loop_task *lt = (struct loop_task *)task;

    ring_timer_release(&lt->timer, on_task_released);
}

void task_wait(struct task *task, long duration_ms, const char *waiting, task_step_fn *after_wait)
{
    struct loop_task *lt = (struct loop_task *)task;

    lt->waiting = waiting;
    lt->after_wait = after_wait;
    ring_timer_start(&lt->timer, duration_ms);
}

bool task_wait_stop(struct task *task)
{
    struct loop_task *lt = (struct loop_task *)task;

    if (!ring_timer_stop(&lt->timer))
        return false;
    lt->after_wait = NULL;
    return true;
}

bool task_wait_active(const struct task *task)
{
    return ring_timer_active(&((const struct loop_task *)task)->timer);
}

/* ---- Transfers: a task's easy handle on the shared multi handle ---- */

enum fail_cause transfer_add(struct transfer *t, char *why, size_t why_size)
{
    ((struct loop_task *)t->task)->transfer = t;
    return transfer_add_to(t, &loop_of(t->task)->curl.glue, why, why_size);
}

bool transfer_stop(struct task *task)
{
    return transfer_remove(((struct loop_task *)task)->transfer);
}

/* ---- Ctrl-C ---- */

/* Called by run_cancel from main's signal handler, on whichever thread took
 * the signal, while the loop is registered: only what is async-signal-safe.
 * write(2) is, and the eventfd's read on the ring completes, which wakes
 * the loop from its wait in the kernel. It cannot fail but for a counter
 * near 2^64. A computation on the loop's thread is not woken: it reads the
 * run's flag every few rounds itself. */
static void loop_wake(void *arg)
{
    const struct loop *l = arg;
    const uint64_t one = 1;

    (void)!write(l->wake_fd, &one, sizeof one);
}

/* Puts the eventfd's read on the ring; its completion is the wake-up. The
 * eventfd blocks: the ring waits for it (one that does not would answer
 * EAGAIN at once). */
static void wake_arm(struct loop *l)
{
    io_uring_prep_read(ring_sqe(&l->ring, &l->wake), l->wake_fd, &l->wake_count,
                       sizeof l->wake_count, 0);
}

/* Called by the ring when the eventfd was written (one read for several
 * wakes), or its read cancelled at the end: the run is cancelled. */
static void on_ring_wake(struct ring_op *op, int res, unsigned flags)
{
    struct loop *l = (struct loop *)((char *)op - offsetof(struct loop, wake));

    (void)flags;
    if (res == -ECANCELED || l->stopping)
        return;   /* the end of the run */
    if (res < 0) {
        /* Without the read a Ctrl-C still interrupts the wait, and the
         * next turn's window_cancel below is missed: say so. */
        fprintf(stderr, "%s: read(eventfd): %s\n", program_name(), strerror(-res));
        return;
    }
    window_cancel(&l->window);
    wake_arm(l);
}

/* ---- The loop's health ---- */

/* Called by the ring about every LAG_INTERVAL_MS: how late it fires is how
 * long the loop was kept from its timers. */
static void on_lag_timer(struct ring_timer *timer)
{
    struct loop *l = (struct loop *)((char *)timer - offsetof(struct loop, lag_timer));

    health_lag_fired(&l->health, clock_now_ns());
    ring_timer_start(timer, LAG_INTERVAL_MS);
}

/* ---- The run ---- */

/* Called by the window when the last task has finished: loop_run's turns
 * end, as they look at window.finished. */
static void loop_stop(struct window *w)
{
    (void)w;
}

/* --rate: the next task is due. */
static void on_rate_timer(struct ring_timer *timer)
{
    struct loop *l = (struct loop *)((char *)timer - offsetof(struct loop, rate_timer));

    window_woken(&l->window);
}

/* Called by the window: wake it in delay_ms. */
static void loop_wake_after(struct window *w, long delay_ms)
{
    ring_timer_start(&((struct loop *)w)->rate_timer, delay_ms);
}

static const struct window_loop ring_window_loop = {
    .task_made = on_task_made,
    .task_gone = on_task_gone,
    .stop = loop_stop,
    .wake_after = loop_wake_after,
};

/* The ring's own facts: its size, and what the run asked of the kernel,
 * in all and per task. */
static void ring_facts(const struct ring *r, struct run *run)
{
    double tasks = run->count > 0 ? (double)run->count : 1;

    run_add_fact(run, "ring_entries", ring_entries(r));
    run_add_fact(run, "ring_sqes", (double)r->sqes);
    run_add_fact(run, "ring_enters", (double)r->enters);
    run_add_fact(run, "ring_sqes_per_task", (double)r->sqes / tasks);
    run_add_fact(run, "ring_enters_per_task", (double)r->enters / tasks);
}

/* Sets up the ring: 0, or -1 after printing one line. Where the kernel
 * will not give this program a ring (none before 5.1; or
 * kernel.io_uring_disabled, a container's seccomp filter: ENOSYS, EPERM),
 * or lacks a request it makes, the line says io_uring is not available
 * here, and the run cannot start (exit 3). */
static int ring_open(struct ring *r)
{
    char why[256];
    int rc = ring_init(r, RING_ENTRIES, why, sizeof why);

    if (rc == -ENOSYS || rc == -EPERM || rc == -EACCES || rc == -EOPNOTSUPP)
        fprintf(stderr, "%s: io_uring is not available here: %s\n", program_name(), why);
    else if (rc < 0)
        fprintf(stderr, "%s: cannot set up io_uring: %s\n", program_name(), why);
    return rc < 0 ? -1 : 0;
}

int loop_run(struct run *run, const struct window_ops *ops, const struct loop_options *opts)
{
    struct loop l = { .opts = opts, .wake.done = on_ring_wake };
    enum workload workload = run->opts->workload;
    int status = -1;
    int rc;

    window_init(&l.window, run, ops, &ring_window_loop);
    l.transfers = workload == WORKLOAD_FETCH || workload == WORKLOAD_DOWNLOAD;

    /* Set up in order, torn down in reverse by the ladder below. */
    if (ring_open(&l.ring) != 0)
        return -1;
    l.wake_fd = eventfd(0, EFD_CLOEXEC);
    if (l.wake_fd < 0) {
        fprintf(stderr, "%s: eventfd: %s\n", program_name(), strerror(errno));
        goto out_ring;
    }
    wake_arm(&l);
    /* From here a signal wakes the loop; one that came before has set the
     * run's flag, which window_fill reads before it starts any task. */
    run_set_wake(loop_wake, &l);
    ring_timer_init(&l.lag_timer, &l.ring, on_lag_timer);
    ring_timer_init(&l.rate_timer, &l.ring, on_rate_timer);
    if (l.transfers) {
        if (curl_ring_init(&l.curl, &l.ring, transfer_on_curl_done) != 0)
            goto out_wake;
        if (transfer_policy_connections(l.curl.glue.multi, &l.window) != 0)
            goto out_curl;
    }

    health_start(&l.health, clock_now_ns());
    ring_timer_start(&l.lag_timer, LAG_INTERVAL_MS);
    window_fill(&l.window);
    /* The loop turns until the last task has finished. */
    while (!l.window.finished) {
        if ((rc = ring_turn(&l.ring)) < 0) {
            fprintf(stderr, "%s: io_uring_enter: %s\n", program_name(), strerror(-rc));
            break;
        }
    }
    health_report(&l.health, run, l.ring.idle_ns, clock_now_ns());
    if (l.window.finished)
        status = 0;
    else
        fprintf(stderr, "%s: the loop ended with %ld tasks in flight\n", program_name(),
                l.window.in_flight);
    (void)ring_timer_stop(&l.lag_timer);
    (void)ring_timer_stop(&l.rate_timer);

out_curl:
    if (l.transfers)
        curl_ring_close(&l.curl);
out_wake:
    /* No signal may reach l once it is gone; one that comes later only sets
     * the run's flag. */
    run_set_wake(NULL, NULL);
    l.stopping = true;
    ring_cancel(&l.ring, &l.wake);
    /* The last completions: what was cancelled, the finished tasks' timers
     * (which free the tasks), libcurl's polls. */
    if ((rc = ring_drain(&l.ring)) < 0) {
        fprintf(stderr, "%s: io_uring_enter: %s\n", program_name(), strerror(-rc));
        status = -1;
    }
    if (status == 0) {
        ring_facts(&l.ring, run);
        if (run->opts->verbose)
            ring_report(&l.ring, stderr);
        if (run->opts->verbose && l.transfers)
            curl_ring_report(&l.curl, stderr);
    }
    health_free(&l.health);
    if (close(l.wake_fd) != 0)
        fprintf(stderr, "%s: close(eventfd): %s\n", program_name(), strerror(errno));
out_ring:
    if (ring_exit(&l.ring) != 0)
        return -1;
    return status;
}
