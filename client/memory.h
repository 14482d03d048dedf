/* memory.h: how much of a stack a waiting task has really touched.
 *
 * A thread's or a coroutine's stack is address space reserved whole, and
 * memory only where it has been touched: mincore() tells which pages are
 * in memory. The cost chart's stack part is this figure. */
#ifndef MEMORY_H
#define MEMORY_H

#include <stddef.h>

struct run;

/* Sets *resident_bytes to how many bytes of the pages of [addr, addr+len)
 * are in memory (mincore): of a stack, the pages it has touched. addr is
 * page-aligned. 0, or a negative errno. */
int memory_resident(const void *addr, size_t len, size_t *resident_bytes);

/* The stacks a run's tasks touched: the most any one did, all of them
 * together, and how many were measured. A thread pool's threads add to it
 * as they end, together: atomics. Zero-initialized, it is empty. */
struct stack_tally {
    _Atomic size_t max, total, count;
};

/* Adds one stack that touched touched bytes. */
void stack_tally_add(struct stack_tally *tally, size_t touched);

/* Reports the tally as the run's facts stack_touched_kb (the most, rounded
 * up) and stack_touched_avg_kb (when any stack was measured). */
void stack_tally_report(struct stack_tally *tally, struct run *run);

#endif
