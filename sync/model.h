/* model.h: the sync model's parts, shared by its files. */
#ifndef SYNC_MODEL_H
#define SYNC_MODEL_H

#include "blocking.h"
#include "run.h"

/* A blocking task body from common/blocking.h. */
typedef void task_fn(struct run *run, struct worker *worker, struct task_record *rec);

/* Runs task on every record, one after another, on this thread. */
int run_in_turn(struct run *run, task_fn *task);

int fetch_run(struct run *run);
int download_run(struct run *run);
int files_run(struct run *run);
int cook_run(struct run *run);

#endif
