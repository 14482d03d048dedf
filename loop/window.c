/* window.c: at most --concurrency tasks in flight, whatever drives them.
 *
 * The window keeps at most --concurrency tasks in flight and starts the
 * next when one finishes (asyncio's semaphore, in C). Everything here is
 * the same for a task written as callbacks (async_uv) and one written as a
 * coroutine (async_coro), and for any loop that drives them: the list of
 * tasks in flight, their start and finish, Ctrl-C. Compare sync/model.c:
 * the same walk over the records, with a window instead of one at a time;
 * and loop_uv.c for the loop that drives it. */
#include "window.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "health.h"

static void task_link(struct window *w, struct task *task)
{
    task->prev = NULL;
    task->next = w->tasks;
    if (w->tasks != NULL)
        w->tasks->prev = task;
    w->tasks = task;
}

static void task_unlink(struct window *w, struct task *task)
{
    if (task->prev != NULL)
        task->prev->next = task->next;
    else
        w->tasks = task->next;
    if (task->next != NULL)
        task->next->prev = task->prev;
}

void window_task_finish(struct task *task)
{
    struct window *w = task->window;

    if (w->ops->release != NULL)
        w->ops->release(task);
    task_unlink(w, task);
    w->in_flight--;
    w->loop->task_gone(task);
    window_fill(w);
}

/* Allocates a task for rec, starts it, and counts it in flight. Out of
 * memory is that task's failure, not the run's. */
static void task_start(struct window *w, struct task_record *rec)
{
    const struct window_ops *ops = w->ops;
    struct task *task = calloc(1, ops->task_size);

    if (task == NULL) {
        record_attempt(w->run, rec);
        record_attempt_failed(w->run, rec, CAUSE_IO, "cannot allocate a task: %s",
                              strerror(errno));
        record_give_up(w->run, rec);
        return;
    }
    task->window = w;
    task->rec = rec;
    w->loop->task_made(task);
    task_link(w, task);
    w->in_flight++;
    uint64_t began_ns = clock_now_ns();
    ops->start(task);
    health_step_done(w->run, rec->id, "start", began_ns);
}

void window_cancel(struct window *w)
{
    struct task *task, *next;

    if (w->cancelled)
        return;   /* a second signal: every task has been told already */
    w->cancelled = true;
    /* A cancelled task only unlinks itself; the next one stays linked. */
    for (task = w->tasks; task != NULL; task = next) {
        next = task->next;
        w->ops->cancel(task);
    }
    window_fill(w);   /* the tasks never started are recorded as cancelled */
}

/* --rate: true when the next task is not due yet (a cancelled run starts
 * nothing, so has nothing to wait for); the loop has then been asked to
 * wake the window when it is. */
static bool next_not_due(struct window *w)
{
    struct run *run = w->run;
    long delay_ms;

    if (run_cancelled() || record_is_done(&run->records[w->next]))
        return false;
    if (w->wake_asked)
        return true;   /* for this very task: next moves only from here */
    delay_ms = run_start_delay_ms(run, w->next);
    if (delay_ms == 0)
        return false;
    w->wake_asked = true;
    w->loop->wake_after(w, delay_ms);
    return true;
}

void window_woken(struct window *w)
{
    w->wake_asked = false;
    window_fill(w);
}

/* Re-entered from a task that finishes at once (its first attempt failed),
 * it returns: the outer call carries on. */
void window_fill(struct window *w)
{
    struct run *run = w->run;

    if (w->filling)
        return;
    w->filling = true;
    while (w->next < run->count && (run_cancelled() || w->in_flight < w->limit)
           && !next_not_due(w)) {
        struct task_record *rec = &run->records[w->next++];

        if (record_is_done(rec))
            continue;   /* taken from the cache */
        if (run_cancelled())
            record_cancel(run, rec);
        else
            task_start(w, rec);
    }
    w->filling = false;
    if (w->in_flight == 0 && w->next == run->count && !w->finished) {
        w->finished = true;
        w->loop->stop(w);
    }
}

void window_init(struct window *w, struct run *run, const struct window_ops *ops,
                 const struct window_loop *loop)
{
    *w = (struct window){ .run = run, .ops = ops, .loop = loop };
    /* The tasks taken from the cache need no room; the window has at least
     * one place, so that window_fill walks past them when nothing is left. */
    size_t left = run->count - run->cached;
    w->limit = run->opts->concurrency > 0 && (size_t)run->opts->concurrency < left
                   ? run->opts->concurrency : (long)left;
    if (w->limit == 0)
        w->limit = 1;
    run->concurrency = w->limit;
}
