/* model.h: the libuv model's workloads, for model.c's table.
 *
 * Each workload file defines its steps as data (attempt.h); model.c picks
 * the run's from its table and hands it to attempt.c. No file calls back
 * into model.c. */
#ifndef ASYNC_UV_MODEL_H
#define ASYNC_UV_MODEL_H

#include "attempt.h"

extern const struct workload_ops fetch_workload;
extern const struct workload_ops download_workload;
extern const struct workload_ops files_workload;
extern const struct workload_ops cook_workload;
extern const struct workload_ops cpu_workload;

#endif
