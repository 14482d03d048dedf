/* cook.c: cook the dishes one after another.
 *
 * Each dish's timer is a sleep that blocks the cook, so the meal takes the
 * sum of the dishes (3 s + 2 s + 1 s = 6 s by default) and the dishes are
 * ready in the order given. Compare async_uv/cook.c, where all the timers
 * run at once and the meal takes the longest dish. */
#include "model.h"

int cook_run(struct run *run)
{
    return run_in_turn(run, cook_task);
}
