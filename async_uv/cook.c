/* cook.c: cook every dish at once, one uv_timer per dish, on one thread.
 *
 * The loop sleeps until the nearest timer is due, so the meal takes the
 * longest dish (3 s, not 6) and the dishes are ready shortest first, with no
 * thread per dish. Compare cook_task in tasks/task.c, the straight code that
 * sync and async_threads run with blocking sleeps, and async_coro with
 * awaited timers. */
#include "model.h"

#include "workload.h"

/* Called by the dish's timer. */
static void cook_ready(struct task *task)
{
    size_t dish = (size_t)(task->rec->id - 1);

    cook_say_ready(task->window->run, dish);
    task_succeeded(task, 0, cook_dish_checksum(task->window->run, dish));
}

static void cook_attempt(struct task *task)
{
    struct run *run = task->window->run;
    size_t dish = (size_t)(task->rec->id - 1);

    cook_say_start(run, dish);
    task_wait(task, cook_dish_ms(run, dish), "while cooking", cook_ready);
}

/* A dish needs nothing but the task's timer. */
const struct workload_ops cook_workload = {
    .task_size = sizeof(struct loop_task),
    .attempt = cook_attempt,
};
