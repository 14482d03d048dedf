/* attempt.h: a task of the libuv model, one attempt after another.
 *
 * The window of loop/window.h runs the tasks on loop/loop_uv.h's loop; here
 * a task is a chain of callbacks, one per step, that ends each attempt in
 * task_succeeded() or task_failed(); task_failed() applies the retry policy
 * of tasks/task.c's attempt_until_done, with a timer for the sleep. Each
 * workload file brings its steps as a struct workload_ops. */
#ifndef ASYNC_UV_ATTEMPT_H
#define ASYNC_UV_ATTEMPT_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "loop_uv.h"
#include "record.h"
#include "run.h"

/* What a workload tells the model: its task and its steps. One const per
 * workload file, picked from model.c's table. */
struct workload_ops {
    size_t task_size;      /* sizeof the workload's task, which begins with a struct loop_task */
    /* Begins one attempt, after record_attempt. It must end, now or from a
     * later callback, in exactly one task_succeeded or task_failed. */
    task_step_fn *attempt;
    /* fetch, download: called from the loop when the attempt's transfer has
     * ended (and left the multi handle). NULL: this workload uses no libcurl. */
    transfer_done_fn *transfer_done;
    /* Frees what the workload keeps in its task, its easy handle too, just
     * before the task goes. NULL when it keeps nothing. */
    task_step_fn *release;
    /* Prints what the workload counted, after the run, under --verbose.
     * NULL when it counts nothing. */
    void (*report)(const struct run *run);
};

/* Runs every record as a task of the workload, on one loop. 0 when the
 * run went through, -1 after printing one line. */
int attempt_run(struct run *run, const struct workload_ops *workload,
                const struct loop_options *opts);

/* The attempt ended well: record_complete, and the task is finished. */
void task_succeeded(struct task *task, uint64_t bytes, uint64_t checksum);

/* The attempt failed: record_attempt_failed, then a retry after the backoff
 * (a timer), or record_give_up and the task is finished. */
void task_failed(struct task *task, enum fail_cause cause, const char *why, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets up the task's transfer t for its URL (http_setup; t->easy is made
 * at the first attempt, for the workload's release to free) and adds it to
 * the multi handle; the workload's transfer_done follows. CAUSE_NONE, or
 * the cause with a reason in why when the transfer could not start. */
enum fail_cause transfer_start(struct task *task, struct transfer *t, curl_write_callback on_body,
                               void *body_data, char *why, size_t why_size);

#endif
