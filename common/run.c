/* run.c: the run's cancellation flag and the program's name.
 *
 * The flag is set from a signal handler and read by every thread, so it is
 * a lock-free atomic: the C standard lets a handler write one, and unlike a
 * volatile sig_atomic_t it is also safe to read from other threads (TSan
 * holds us to that in the thread-pool model). */
#include "run.h"

#include <stdatomic.h>

static atomic_bool cancelled;

#if ATOMIC_BOOL_LOCK_FREE != 2
#error "a signal handler may only touch an always lock-free atomic"
#endif

bool run_cancelled(void)
{
    return atomic_load(&cancelled);
}

void run_cancel(void)
{
    atomic_store(&cancelled, true);
}

const char *run_program(void)
{
    return model.name;
}
