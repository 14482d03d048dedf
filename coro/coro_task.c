/* coro_task.c: a task of the window on a coroutine, whatever the loop.
 *
 * The part of a coroutine model that does not depend on its loop: the
 * task's coroutine runs the workload's straight code (coro_body), each
 * wake resumes it, and when it returns the task is finished in the
 * window. async_coro/model.c and async_uring/model.c each wrap it in a
 * few lines; their waits.c are what differs. */
#include "coro_task.h"

#include <string.h>

/* The coroutine's body: one task from start to end. */
static void coro_body(struct coro *self, void *arg)
{
    struct coro_job *job = arg;
    struct run *run = job->task->window->run;

    (void)self;
    task_of(run->opts->workload)(run, &job->worker, job->task->rec);
}

void coro_job_wake(struct coro_job *job)
{
    size_t touched;

    coro_resume(job->coro);
    if (!coro_finished(job->coro))
        return;
    if (coro_stack_touched(job->coro, &touched) == 0)
        stack_tally_add(&job->model->stacks, touched);
    window_task_finish(job->task);
}

void coro_job_start(struct coro_job *job, struct coro_model *m, struct task *task,
                    void *wait_ctx)
{
    struct run *run = task->window->run;
    const char *why = NULL;

    job->model = m;
    job->task = task;
    /* curl_easy_init fails only for memory once libcurl's global init is
     * done, as client_main has done it. */
    if (worker_init(&job->worker, m->waits, wait_ctx) != 0) {
        why = "no memory for a libcurl handle";
    } else {
        int rc = coro_create(&job->coro, (size_t)m->stack_kb * 1024, coro_body, job);
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
    coro_job_wake(job);
}

void coro_job_release(struct coro_job *job)
{
    worker_cleanup(&job->worker);
    coro_free(job->coro);
}

void coro_model_begin(struct coro_model *m, struct run *run, size_t task_bytes)
{
    (void)m;
    run_add_fact(run, "task_state_bytes", (double)(task_bytes + coro_struct_bytes()));
}

void coro_model_end(struct coro_model *m, struct run *run)
{
    run_add_fact(run, "stack_kb", m->stack_kb);
    stack_tally_report(&m->stacks, run);
}
