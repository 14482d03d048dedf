/* model.h: the thread-pool model's parts, shared by its files. */
#ifndef ASYNC_THREADS_MODEL_H
#define ASYNC_THREADS_MODEL_H

#include "blocking.h"
#include "run.h"

/* A blocking task body from common/blocking.h. */
typedef void task_fn(struct run *run, struct worker *worker, struct task_record *rec);

/* Runs task on every record, on a pool of threads, each thread with its own
 * worker. 0, or -1 with a message when the pool could not be set up. */
int run_on_pool(struct run *run, task_fn *task);

int fetch_run(struct run *run);
int download_run(struct run *run);
int files_run(struct run *run);
int cook_run(struct run *run);

#endif
