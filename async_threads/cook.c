/* cook.c: cook the dishes at once, one thread per dish.
 *
 * Each dish's timer is a sleep that blocks only its own thread, so the meal
 * takes the longest dish (3 s by default) and the dishes are ready shortest
 * first; the price is a whole thread, stack and all, just to wait. Compare
 * sync/cook.c, in turn, and async_uv/cook.c, every timer on one thread. */
#include "model.h"

int cook_run(struct run *run)
{
    return run_on_pool(run, cook_task);
}
