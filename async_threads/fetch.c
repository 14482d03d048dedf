/* fetch.c: fetch N JSON items on a pool of threads.
 *
 * Each GET still blocks its thread for a whole latency, but T threads wait
 * at once: N items at L ms take about ceil(N / T)·L. The task is fetch_task
 * in common/blocking.c, the very code sync/fetch.c runs in turn. Compare
 * sync/fetch.c, then async_uv/fetch.c, the same overlap on one thread. */
#include "model.h"

int fetch_run(struct run *run)
{
    return run_on_pool(run, fetch_task);
}
