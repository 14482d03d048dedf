/* model.h: the libuv model's parts, shared by its files.
 *
 * The window of loop/window.h runs the tasks; here a task is a chain of
 * callbacks, one per step, that ends in task_succeeded() or task_failed();
 * task_failed() applies the retry policy of common/task.c's
 * attempt_until_done, with a timer for the sleep. */
#ifndef ASYNC_UV_MODEL_H
#define ASYNC_UV_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <uv.h>

#include "record.h"
#include "run.h"
#include "window.h"

/* What a workload tells the model. One static const per workload file. */
struct task_ops {
    size_t task_size;      /* sizeof the workload's task, which begins with a struct task */
    size_t task_align;     /* _Alignof it (a checksum_state wants 64 bytes) */
    /* Begins one attempt, after record_attempt. It must end, now or from a
     * later callback, in exactly one task_succeeded or task_failed. */
    task_step_fn *attempt;
    /* fetch, download: called from the loop when the attempt's transfer has
     * ended (and left the multi handle). NULL: this workload uses no libcurl. */
    void (*transfer_done)(struct task *task, CURLcode result);
    /* Frees what the workload keeps in its task, just before the task goes.
     * NULL when it keeps nothing. */
    task_step_fn *release;
};

/* Runs every record as a task of the workload, on the window. 0 when the
 * run went through, -1 after printing one line. */
int run_workload(struct run *run, const struct task_ops *workload);

/* The attempt ended well: record_complete, and the task is finished. */
void task_succeeded(struct task *task, uint64_t bytes, uint64_t checksum);

/* The attempt failed: record_attempt_failed, then a retry after the backoff
 * (a timer), or record_give_up and the task is finished. */
void task_failed(struct task *task, enum fail_cause cause, const char *why, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets up the task's easy handle for its URL (http_setup) and adds it to the
 * multi handle; ops->transfer_done follows. CAUSE_NONE, or the cause with a
 * reason in why when the transfer could not start. */
enum fail_cause transfer_start(struct task *task, curl_write_callback on_body, void *body_data,
                               char *why, size_t why_size);

int fetch_run(struct run *run);
int download_run(struct run *run);
int files_run(struct run *run);
int cook_run(struct run *run);
int cpu_run(struct run *run);

#endif
