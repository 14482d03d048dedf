/* fetch.c: fetch N JSON items at once, on one thread.
 *
 * Every GET joins one libcurl multi handle and the loop waits on all their
 * sockets together: N items at L ms take about L (ceil(N/C)·L with a window
 * of C). Notice that no step waits: each arranges the next and returns.
 * Compare fetch_task in tasks/task.c: the same steps, written straight. */
#include "model.h"

#include "clock.h"
#include "cpu.h"
#include "http.h"
#include "workload.h"

/* One item's task. Owned by the window, like every task. */
struct fetch_task {
    struct loop_task loop; /* first: the loop's part, which begins with the window's */
    struct transfer transfer; /* the item's GET, its easy handle reused by retries */
    struct body body;      /* the item being received, reused by retries */
    uint64_t checksum;     /* of the checked item, kept while it is processed */
};

static void fetch_attempt(struct task *task)
{
    struct fetch_task *ft = (struct fetch_task *)task;
    char why[RECORD_ERROR_MAX];

    body_reset(&ft->body);
    enum fail_cause cause = transfer_start(task, &ft->transfer, http_on_body, &ft->body, why,
                                           sizeof why);
    if (cause != CAUSE_NONE)
        task_failed(task, cause, "%s", why);
}

/* Called by the timer once the simulated processing is over. */
static void fetch_processed(struct task *task)
{
    struct fetch_task *ft = (struct fetch_task *)task;

    record_process_end(task->window->run, task->rec);
    task_succeeded(task, ft->body.len, ft->checksum);
}

/* The simulated processing: a timer, where task.c waits. With
 * --blocking-process, the pitfall: a blocking sleep on the loop's thread,
 * and every other task waits with it. */
static void fetch_pause(struct task *task)
{
    long process_ms = task->window->run->opts->process_ms;

    if (run_cancelled()) {      /* Ctrl-C cut the CPU work short */
        task_failed(task, CAUSE_CANCELLED, "cancelled while processing");
        return;
    }
    if (!loop_of(task)->opts->blocking_process) {
        task_wait(task, process_ms, "while processing", fetch_processed);
        return;
    }
    /* The loop's thread sleeps: every other task waits with it. Only
     * Ctrl-C, which it looks for as a blocking sleep in sync does, cuts it
     * short; the loop, held here, could not. */
    if (clock_sleep_ms(process_ms, RUN_CANCEL_CHECK_MS, run_stop_test, NULL) != 0) {
        task_failed(task, CAUSE_CANCELLED, "cancelled while processing");
        return;
    }
    fetch_processed(task);
}

/* The real processing, --process-cpu-ms of busy CPU. */
static void fetch_busy(void *arg)
{
    struct fetch_task *ft = arg;

    (void)cpu_busy_ms(ft->loop.task.window->run->opts->process_cpu_ms, run_stop_test, NULL);
}

/* Called from the loop when the item's transfer has ended: judge it, check
 * the item, then process it. */
static void fetch_transfer_done(struct task *task, CURLcode result)
{
    struct fetch_task *ft = (struct fetch_task *)task;
    char why[RECORD_ERROR_MAX];

    const struct options *opts = task->window->run->opts;
    enum fail_cause cause = http_judge(ft->transfer.easy, result, ft->transfer.errbuf, opts,
                                       task->rec, why, sizeof why);
    cause = http_judge_body(&ft->body, cause, why, sizeof why);
    if (cause == CAUSE_NONE)
        cause = item_check(opts->verify, task->rec->id, ft->body.data, ft->body.len,
                           &ft->checksum, why, sizeof why);
    if (cause != CAUSE_NONE) {
        task_failed(task, cause, "%s", why);
        return;
    }
    record_process_begin(task->window->run, task->rec);
    /* Real processing runs here, on the loop's thread, one item after
     * another, or with --offload on libuv's pool; then the pause. */
    if (task->window->run->opts->process_cpu_ms > 0)
        task_compute(task, fetch_busy, ft, fetch_pause);
    else
        fetch_pause(task);
}

static void fetch_release(struct task *task)
{
    struct fetch_task *ft = (struct fetch_task *)task;

    body_free(&ft->body);
    curl_easy_cleanup(ft->transfer.easy);   /* NULL, before the first attempt, is fine */
}

const struct workload_ops fetch_workload = {
    .task_size = sizeof(struct fetch_task),
    .attempt = fetch_attempt,
    .transfer_done = fetch_transfer_done,
    .release = fetch_release,
};
