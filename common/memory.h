/* memory.h: how much of a stack a waiting task has really touched.
 *
 * A thread's or a coroutine's stack is address space reserved whole, and
 * memory only where it has been touched: mincore() tells which pages are
 * in memory. The cost chart's stack part is this figure. */
#ifndef MEMORY_H
#define MEMORY_H

#include <stddef.h>

/* Sets *resident_bytes to how many bytes of the pages of [addr, addr+len)
 * are in memory (mincore): of a stack, the pages it has touched. addr is
 * page-aligned. 0, or a negative errno. */
int memory_resident(const void *addr, size_t len, size_t *resident_bytes);

#endif
