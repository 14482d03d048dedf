/* window.h: at most --concurrency tasks in flight, whatever drives them.
 *
 * The window is asyncio's Semaphore in C: it starts up to C tasks, starts
 * the next whenever one finishes, and on Ctrl-C cancels those in flight and
 * records those still waiting their turn as cancelled. It knows nothing of
 * the loop that runs the tasks: a loop (loop_uv.c, on libuv) drives it
 * through the few calls below and gives it the three hooks of struct
 * window_loop, as redis's ae.c is given one backend file. How a task runs
 * is the model's: async_uv writes it as a chain of callbacks, async_coro
 * as straight code on a coroutine. */
#ifndef LOOP_WINDOW_H
#define LOOP_WINDOW_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"
#include "run.h"

struct task;
struct window;

/* A step of a task on the loop: a callback that carries it on. */
typedef void task_step_fn(struct task *task);

/* What a model tells the window about its tasks. */
struct window_ops {
    size_t task_size;      /* sizeof the model's task, which begins with the loop's
                            * task, which begins with a struct task */
    /* Begins the task, once the window has made it. It must end, now or from
     * a later callback, in exactly one window_task_finish. */
    task_step_fn *start;
    /* Ctrl-C: stop what the task waits for and let it end as cancelled. */
    task_step_fn *cancel;
    /* Frees what the model keeps in its task, just before the task goes.
     * NULL when it keeps nothing. */
    task_step_fn *release;
};

/* What the window asks of the loop that drives it. */
struct window_loop {
    /* A task was made (zeroed, task->window and task->rec set): set up the
     * loop's part of it. Cannot fail. */
    task_step_fn *task_made;
    /* The task has finished: free it, now or once the loop lets go of it. */
    task_step_fn *task_gone;
    /* The last task has finished: let the loop return. */
    void (*stop)(struct window *w);
    /* --rate: the next task is not due for delay_ms (> 0): call
     * window_woken(w) from the loop then. At most one such wake-up is asked
     * for at a time. Cannot fail. */
    void (*wake_after)(struct window *w, long delay_ms);
};

/* One task in flight: the window's part. Allocated by the window
 * (ops->task_size bytes, zeroed) when its turn comes, and freed by the
 * loop's task_gone after window_task_finish. The loop's task begins with
 * it, and the model's task with the loop's. */
struct task {
    struct window *window;
    struct task_record *rec;
    struct task *prev, *next;      /* the window's list of tasks in flight */
};

/* The tasks of one run. Owned by the loop that drives it, which keeps it
 * in place until the last task has gone. */
struct window {
    struct run *run;
    const struct window_ops *ops;
    const struct window_loop *loop;
    long limit;                    /* most tasks in flight: --concurrency, or every task */
    size_t next;                   /* run->records[next] is the next to start */
    long in_flight;                /* started, not yet finished */
    bool filling;                  /* window_fill is on the stack: do not re-enter */
    bool cancelled;                /* window_cancel has cancelled the tasks */
    bool finished;                 /* every record completed or failed */
    bool wake_asked;               /* --rate: loop->wake_after's call is still to come */
    struct task *tasks;            /* the tasks in flight, for Ctrl-C */
};

/* Sets up the window over the run's records and reports the window it
 * keeps as run->concurrency. Nothing to free. */
void window_init(struct window *w, struct run *run, const struct window_ops *ops,
                 const struct window_loop *loop);

/* Starts tasks while the window has room and the next is due (--rate:
 * run_start_delay_ms; if it is not, asks the loop to come back when it
 * is, through wake_after); once the run is cancelled,
 * records every task not started as cancelled instead. When the last task
 * has finished, calls loop->stop, once. The loop calls it to begin. */
void window_fill(struct window *w);

/* The loop's wake-up that wake_after asked for: the next task is due. */
void window_woken(struct window *w);

/* The task's record is completed or failed: release it and start the next. */
void window_task_finish(struct task *task);

/* Ctrl-C, on the loop: tells every task in flight to end as cancelled, and
 * records those not started as cancelled. A second call does nothing. */
void window_cancel(struct window *w);

#endif
