/* cpu.c: work that only computes: the same bytes in every model. */
#include "cpu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>

#include "content.h"
#include "program.h"

#define WORDS (CPU_BUFFER_BYTES / 8)
#define ROUNDS_BETWEEN_STOP_TESTS 256   /* how often Ctrl-C is looked for: a small part of a task */

int cpu_rounds(long id, long rounds, bool (*stop)(void *arg), void *arg, uint64_t *result)
{
    unsigned char *buf = malloc(CPU_BUFFER_BYTES);
    uint64_t hash = (uint64_t)id;

    if (buf == NULL)
        return -1;
    content_fill((uint64_t)id, 0, buf, CPU_BUFFER_BYTES);
    for (long round = 0; round < rounds; round++) {
        if (stop != NULL && round % ROUNDS_BETWEEN_STOP_TESTS == 0 && stop(arg)) {
            free(buf);
            return 1;
        }
        unsigned char *word = buf + (size_t)(round % WORDS) * 8;

        hash = XXH3_64bits_withSeed(buf, CPU_BUFFER_BYTES, hash);
        for (int b = 0; b < 8; b++)
            word[b] = (unsigned char)(hash >> (8 * b));
    }
    free(buf);
    *result = hash;
    return 0;
}

/* This thread's CPU time in ns. */
static uint64_t thread_cpu_ns(void)
{
    struct timespec now;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) != 0) {
        /* Linux always has this clock: failing is a bug, not a condition. */
        fprintf(stderr, "%s: clock_gettime(CLOCK_THREAD_CPUTIME_ID): %s\n", program_name(),
                strerror(errno));
        abort();
    }
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

uint64_t cpu_busy_ms(long ms, bool (*stop)(void *arg), void *arg)
{
    uint64_t until_ns = thread_cpu_ns() + (uint64_t)(ms > 0 ? ms : 0) * 1000000u;
    uint64_t hash = 0;
    unsigned char block[256] = {0};

    /* Hashing a small block between looks at the clock: each hash feeds the
     * next block, and the last is returned, so no compiler may skip it. */
    while (thread_cpu_ns() < until_ns && (stop == NULL || !stop(arg))) {
        for (int i = 0; i < 64; i++) {
            hash = XXH3_64bits_withSeed(block, sizeof block, hash);
            block[i] ^= (unsigned char)hash;
        }
    }
    return hash;
}
