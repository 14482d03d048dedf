/* memory.c: what a run's waiting tasks hold in memory, measured.
 *
 * The heap watch is the one thread in common/: a measurement that must run
 * beside whatever the model does (a loop busy computing, 10,000 blocked
 * threads) cannot be a step of the model. It wakes every HEAP_SAMPLE_MS, a
 * few hundred cheap calls a second, and holds no lock any model takes. */
#include "memory.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "program.h"

/* Waiting tasks hold their memory for a whole latency (200 ms in the
 * headline): a sample every 5 ms sees the plateau many times. */
#define HEAP_SAMPLE_MS 5

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

/* Bytes malloc has handed out and not had back. */
static size_t heap_in_use(void)
{
    struct mallinfo2 info = mallinfo2();

    return info.uordblks + info.hblkhd;
}

bool heap_watch_sees_heap(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    return false;
#else
    return true;
#endif
}

/* A pthread call that cannot fail unless the watch itself is broken. */
static void must(int rc, const char *what)
{
    if (rc != 0) {
        fprintf(stderr, "%s: heap watch: %s: %s\n", program_name(), what, strerror(rc));
        abort();
    }
}

/* The watch's thread; called by pthread_create. */
static void *heap_watch_main(void *arg)
{
    struct heap_watch *watch = arg;
    uint64_t next_ns = clock_now_ns();

    must(pthread_mutex_lock(&watch->lock), "pthread_mutex_lock");
    while (!watch->stop) {
        size_t now = heap_in_use();

        if (now > watch->peak_bytes)
            watch->peak_bytes = now;
        next_ns += HEAP_SAMPLE_MS * 1000000u;
        struct timespec next = {
            .tv_sec = (time_t)(next_ns / 1000000000u),
            .tv_nsec = (long)(next_ns % 1000000000u),
        };
        int rc = pthread_cond_timedwait(&watch->wake, &watch->lock, &next);
        if (rc != ETIMEDOUT)
            must(rc, "pthread_cond_timedwait");
    }
    must(pthread_mutex_unlock(&watch->lock), "pthread_mutex_unlock");
    return NULL;
}

int heap_watch_start(struct heap_watch *watch)
{
    pthread_condattr_t attr;
    const char *what;
    int rc;

    watch->stop = false;
    watch->peak_bytes = heap_in_use();
    if ((rc = pthread_mutex_init(&watch->lock, NULL)) != 0) {
        what = "pthread_mutex_init";
        goto out;
    }
    if ((rc = pthread_condattr_init(&attr)) != 0) {
        what = "pthread_condattr_init";
        goto out_lock;
    }
    /* The sample times are on the monotonic clock, as every time here. */
    if ((rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC)) != 0
        || (rc = pthread_cond_init(&watch->wake, &attr)) != 0) {
        what = "pthread_cond_init";
        pthread_condattr_destroy(&attr);
        goto out_lock;
    }
    pthread_condattr_destroy(&attr);
    if ((rc = pthread_create(&watch->thread, NULL, heap_watch_main, watch)) != 0) {
        what = "pthread_create";
        goto out_cond;
    }
    return 0;

out_cond:
    pthread_cond_destroy(&watch->wake);
out_lock:
    pthread_mutex_destroy(&watch->lock);
out:
    fprintf(stderr, "%s: heap watch: %s: %s\n", program_name(), what, strerror(rc));
    return -1;
}

size_t heap_watch_stop(struct heap_watch *watch)
{
    size_t peak_bytes;

    must(pthread_mutex_lock(&watch->lock), "pthread_mutex_lock");
    watch->stop = true;
    must(pthread_cond_signal(&watch->wake), "pthread_cond_signal");
    must(pthread_mutex_unlock(&watch->lock), "pthread_mutex_unlock");
    must(pthread_join(watch->thread, NULL), "pthread_join");
    peak_bytes = watch->peak_bytes;
    must(pthread_cond_destroy(&watch->wake), "pthread_cond_destroy");
    must(pthread_mutex_destroy(&watch->lock), "pthread_mutex_destroy");
    return peak_bytes;
}
