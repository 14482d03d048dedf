/* coro_task.h: a task of the window on a coroutine, whatever the loop.
 *
 * What the coroutine models do alike with each task of the window (window.h):
 * give it a worker and a coroutine that runs the straight task code of
 * tasks/task.c, resume it after each wait, measure the stack it touched,
 * and finish it in the window. Each model brings its own waits (its
 * waits.c) and its own loop (libuv's, a ring), and keeps a struct coro_job
 * in its task. coro.h, below this, knows nothing of tasks. */
#ifndef CORO_CORO_TASK_H
#define CORO_CORO_TASK_H

#include <stddef.h>

#include "bounds.h"
#include "coro.h"
#include "memory.h"
#include "run.h"
#include "task.h"
#include "window.h"

/* What a coroutine model shares across its run: its waits, --stack-kb, and
 * the stacks its tasks touched. Owned by the model, for the whole program
 * (its option table stores --stack-kb here). */
struct coro_model {
    const struct waits *waits;   /* the model's: how a task waits on its loop */
    long stack_kb;               /* each coroutine's stack in KiB: --stack-kb */
    struct stack_tally stacks;   /* what each finished task's coroutine touched */
};

/* The --stack-kb row of a coroutine model's option table, for model m. The
 * summary reports how much of the stack the deepest task touched
 * (stack_touched_kb; docs/notes.md gives the measured figures): the
 * default leaves a wide margin over that, and costs address space, not
 * memory, until touched. */
#define CORO_STACK_OPTION(m)                                                           \
    { .name = "stack-kb", .value_name = "K", .help = "each coroutine's stack in KiB",   \
      .default_help = "64, a wide margin over what the deepest task touches: see docs/notes.md", \
      .min = 32, .max = STACK_KB_MAX, .default_value = 64, .value = &(m).stack_kb }

/* One task's coroutine and worker. In the model's task, which the window
 * zeroes; set up by coro_job_start, freed by coro_job_release. */
struct coro_job {
    struct coro_model *model;
    struct task *task;           /* the window's task it runs */
    struct coro *coro;           /* runs the workload's task from tasks/task.c */
    struct worker worker;        /* that code's state; worker.wait_ctx is the model's task */
};

/* Called from the model's start (the window's): the task's worker (its
 * waits m->waits, with wait_ctx), its coroutine, and the first resume,
 * which runs until the first wait. A task that cannot have them fails, and
 * is finished in the window; the run goes on. */
void coro_job_start(struct coro_job *job, struct coro_model *m, struct task *task,
                    void *wait_ctx);

/* Resumes the task's coroutine until it waits again, or finishes: then its
 * stack is measured and the task finished in the window. Called only from
 * the loop, by the callback of what the task waited for. */
void coro_job_wake(struct coro_job *job);

/* Frees the worker and the coroutine (finished, or never made): from the
 * model's release, as the task goes. */
void coro_job_release(struct coro_job *job);

/* Before the run: the fact task_state_bytes, what a waiting task costs the
 * model itself, its stack aside: task_bytes (its task struct and what it
 * allocates for every task) and the coroutine's struct. */
void coro_model_begin(struct coro_model *m, struct run *run, size_t task_bytes);

/* After the run: the facts stack_kb and what the stacks touched. */
void coro_model_end(struct coro_model *m, struct run *run);

#endif
