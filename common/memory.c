/* memory.c: how much of a stack a waiting task has really touched.
 *
 * Used by async_threads (each thread's stack, when it ends) and async_coro
 * (each coroutine's, when its task ends). */
#include "memory.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

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
