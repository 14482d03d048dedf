/* fetch.c: fetch N JSON items, one at a time.
 *
 * Each GET blocks the thread for a whole latency, then the next one starts:
 * N items at L ms take N·L. The task (GET, parse, check, process, retry) is
 * fetch_task in common/blocking.c. Compare async_threads/fetch.c, the same
 * task on a pool, and async_uv/fetch.c, the same work with nothing blocking. */
#include "model.h"

int fetch_run(struct run *run)
{
    return run_in_turn(run, fetch_task);
}
