/* cpu.c: compute N tasks' rounds (cpu.h), waiting for nothing, on one loop.
 *
 * With nothing to wait for there is nothing to overlap: on the loop's one
 * thread the tasks run one after another, no faster than sync, and the
 * loop serves nothing else meanwhile. With --offload each task's work goes
 * to libuv's thread pool and the loop waits for the results as it waits
 * for a socket: then the tasks run up to one per core. Compare cpu_task in
 * tasks/task.c. */
#include "model.h"

#include "cpu.h"

/* One task's work. Owned by the window, like every task. */
struct cpu_task {
    struct loop_task loop; /* first: the loop's part, which begins with the window's */
    uint64_t result;       /* the last round's hash */
    int rc;                /* cpu_rounds': 0, -1 out of memory, 1 cancelled */
};

/* The work, on the loop's thread or a pool thread (task_compute). */
static void cpu_work(void *arg)
{
    struct cpu_task *ct = arg;
    const struct task *task = &ct->loop.task;

    ct->rc = cpu_rounds(task->rec->id, task->window->run->opts->rounds, run_stop_test, NULL,
                        &ct->result);
}

/* Called once the work is done, on the loop. */
static void cpu_computed(struct task *task)
{
    struct cpu_task *ct = (struct cpu_task *)task;

    if (ct->rc > 0)
        task_failed(task, CAUSE_CANCELLED, "cancelled while computing");
    else if (ct->rc < 0)
        task_failed(task, CAUSE_IO, "cannot allocate %d bytes to compute in", CPU_BUFFER_BYTES);
    else
        task_succeeded(task, 0, ct->result);
}

static void cpu_attempt(struct task *task)
{
    task_compute(task, cpu_work, task, cpu_computed);
}

const struct workload_ops cpu_workload = {
    .task_size = sizeof(struct cpu_task),
    .attempt = cpu_attempt,
};
