/* memory.c: how much of a stack a waiting task has really touched, and the
 * tally of a run's stacks.
 *
 * Used by async_threads (each thread's stack, when it ends) and async_coro
 * (each coroutine's, when its task ends). */
#include "memory.h"

#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include "run.h"

int memory_resident(const void *addr, size_t len, size_t *resident_bytes)
{
    const unsigned char *start = addr;
    size_t page_bytes = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (len + page_bytes - 1) / page_bytes, resident = 0;
    unsigned char in_memory[64];   /* one byte a page, 64 pages at a time */

    for (size_t first = 0; first < pages; first += sizeof in_memory) {
        size_t n = pages - first < sizeof in_memory ? pages - first : sizeof in_memory;

        if (mincore((void *)(start + first * page_bytes), n * page_bytes, in_memory) != 0)
            return -errno;
        for (size_t i = 0; i < n; i++)
            resident += in_memory[i] & 1;
    }
    *resident_bytes = resident * page_bytes;
    return 0;
}

void stack_tally_add(struct stack_tally *tally, size_t touched)
{
    size_t seen = atomic_load(&tally->max);

    atomic_fetch_add(&tally->total, touched);
    atomic_fetch_add(&tally->count, 1);
    while (touched > seen && !atomic_compare_exchange_weak(&tally->max, &seen, touched))
        ;   /* another thread raised it meanwhile: seen now holds its figure */
}

void stack_tally_report(struct stack_tally *tally, struct run *run)
{
    size_t count = atomic_load(&tally->count);

    run_add_fact(run, "stack_touched_kb", (double)((atomic_load(&tally->max) + 1023) / 1024));
    if (count > 0)
        run_add_fact(run, "stack_touched_avg_kb",
                     (double)atomic_load(&tally->total) / (double)count / 1024);
}
