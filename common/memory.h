/* memory.h: what a run's waiting tasks hold in memory, measured.
 *
 * Two yardsticks for the cost of one waiting task, the same for every
 * model: how much of a stack is really in memory (memory_resident), and the
 * most that malloc had handed out at any moment of the run (the heap
 * watch). Peak RSS, from getrusage, is the third; summary.c reads it. */
#ifndef MEMORY_H
#define MEMORY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

/* Sets *resident_bytes to how many bytes of the pages of [addr, addr+len)
 * are in memory (mincore): of a stack, the pages it has touched. addr is
 * page-aligned. 0, or a negative errno. */
int memory_resident(const void *addr, size_t len, size_t *resident_bytes);

/* Samples malloc's bytes in use (mallinfo2: in arenas and mmapped) every
 * HEAP_SAMPLE_MS on a thread of its own, from heap_watch_start to
 * heap_watch_stop, and keeps the peak. A thread, not a hook in each model,
 * so that it measures every model alike; it touches nothing of theirs.
 * Owned by client_main. */
struct heap_watch {
    pthread_t thread;
    pthread_mutex_t lock;     /* guards stop and peak_bytes */
    pthread_cond_t wake;      /* signalled by heap_watch_stop */
    bool stop;
    size_t peak_bytes;
};

/* Whether the watch sees the heap: not under ASan or TSan, whose own
 * allocator mallinfo2 knows nothing of. */
bool heap_watch_sees_heap(void);

/* 0, or -1 after printing what failed; nothing to stop then. */
int heap_watch_start(struct heap_watch *watch);

/* Stops and joins the thread; the peak of the samples, in bytes. */
size_t heap_watch_stop(struct heap_watch *watch);

#endif
