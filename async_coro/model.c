/* model.c: the coroutine model, every task a coroutine on one loop.
 *
 * The window (loop/window.c) keeps at most --concurrency tasks in flight,
 * as in async_uv; here each task is a coroutine that runs the very same
 * straight code as sync and async_threads (tasks/task.c), and pauses at
 * each wait (waits.c) while the loop serves the others. Compare
 * async_uv/model.c: the same window, with each task a chain of callbacks. */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memory.h"
#include "run.h"

/* The loop's options: --uv-threadpool, --offload, --blocking-process. */
static struct loop_options loop_opts;

/* Each coroutine's stack in KiB: --stack-kb. The summary reports how much
 * of it the deepest task touched (stack_touched_kb; docs/notes.md gives the
 * measured figures): the default leaves a wide margin over that, and costs
 * address space, not memory, until touched. */
static long stack_kb;

/* The stacks the run's coroutines touched, each measured when its task ends. */
static struct stack_tally stacks;

/* The coroutine's body: one task from start to end. */
static void coro_body(struct coro *self, void *arg)
{
    struct coro_task *ct = arg;
    struct run *run = ct->loop.task.window->run;

    (void)self;
    task_of(run->opts->workload)(run, &ct->worker, ct->loop.task.rec);
}

void coro_task_wake(struct coro_task *ct)
{
    size_t touched;

    coro_resume(ct->coro);
    if (!coro_finished(ct->coro))
        return;
    if (coro_stack_touched(ct->coro, &touched) == 0)
        stack_tally_add(&stacks, touched);
    window_task_finish(&ct->loop.task);
}

/* Called by the window when the task's turn has come: its worker, its
 * coroutine, and the first resume, which runs until the first wait. A task
 * that cannot have them fails; the run goes on. */
static void coro_task_start(struct task *task)
{
    struct coro_task *ct = (struct coro_task *)task;
    struct run *run = task->window->run;
    const char *why = NULL;

    /* curl_easy_init fails only for memory once libcurl's global init is
     * done, as client_main has done it. */
    if (worker_init(&ct->worker, &coro_waits, ct) != 0) {
        why = "no memory for a libcurl handle";
    } else {
        int rc = coro_create(&ct->coro, (size_t)stack_kb * 1024, coro_body, ct);
        if (rc != 0)
            why = strerror(-rc);
    }
    if (why != NULL) {
        record_attempt(run, task->rec);
        record_attempt_failed(run, task->rec, CAUSE_IO, "cannot start the task's coroutine: %s",
                              why);
        record_give_up(run, task->rec);
        window_task_finish(task);
        return;
    }
    coro_task_wake(ct);
}

/* Called by the window as the task goes, its coroutine finished (or never
 * made). */
static void coro_task_release(struct task *task)
{
    struct coro_task *ct = (struct coro_task *)task;

    worker_cleanup(&ct->worker);
    body_free(&ct->stage);
    coro_free(ct->coro);
}

static const struct window_ops coro_ops = {
    .task_size = sizeof(struct coro_task),
    .start = coro_task_start,
    .cancel = coro_task_cancel,
    .release = coro_task_release,
};

/* Runs the workload's task on a coroutine per record, on one loop. */
static int run_on_coroutines(struct run *run)
{
    /* What a waiting task costs the model itself, its stack aside: its
     * struct, and the coroutine's (the saved registers). */
    run_add_fact(run, "task_state_bytes", (double)(sizeof(struct coro_task) + coro_struct_bytes()));
    int rc = loop_run(run, &coro_ops, &loop_opts);
    run_add_fact(run, "stack_kb", stack_kb);
    stack_tally_report(&stacks, run);
    return rc;
}

static const struct model_option coro_options[] = {
    LOOP_OPTIONS(loop_opts),
    { .name = "stack-kb", .value_name = "K", .help = "each coroutine's stack in KiB",
      .default_help = "64, a wide margin over what the deepest task touches: see docs/notes.md",
      .min = 32, .max = STACK_KB_MAX, .default_value = 64,
      .value = &stack_kb },
    { .name = NULL },
};

static const struct model coro_model = {
    .name = "async_coro",
    .about = "runs every task as a coroutine on one thread: one libuv loop, libcurl's "
             "multi socket interface, the straight task code of sync",
    .concurrency_help = "most coroutines at once; without it, every task starts at once",
    .concurrency_max = 0,
    .options = coro_options,
    .run = run_on_coroutines,
};

int main(int argc, char **argv)
{
    return client_main(argc, argv, &coro_model);
}
