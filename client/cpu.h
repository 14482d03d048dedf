/* cpu.h: work that only computes: the same bytes in every model.
 *
 * The cpu workload's task and fetch's --process-cpu-ms step use the CPU and
 * wait for nothing, which is where asynchronous I/O cannot help: one loop
 * thread computes one task after another, while threads (or a loop that
 * offloads the work to libuv's pool) compute up to one task per core. */
#ifndef CPU_H
#define CPU_H

#include <stdbool.h>
#include <stdint.h>

#define CPU_BUFFER_BYTES (64 * 1024)   /* what each round hashes */

/* id's work of `rounds` rounds: a buffer holding the first CPU_BUFFER_BYTES
 * of id's content (content.h) is hashed with XXH3-64, seeded with the last
 * hash (id for the first), and each hash is written back into the buffer,
 * little-endian, at word (round % words): every round depends on the one
 * before. Returns the last hash, or id when rounds is 0, as *result; 0,
 * -1 when the buffer cannot be allocated, or 1 when stop(arg) said to stop
 * (asked every 256 rounds; stop may be NULL). Thread-safe; on the heap, so
 * a coroutine's small stack can run it. */
int cpu_rounds(long id, long rounds, bool (*stop)(void *arg), void *arg, uint64_t *result);

/* Keeps the calling thread busy until it has used ms milliseconds of CPU
 * time (CLOCK_THREAD_CPUTIME_ID, so a thread that is not scheduled does
 * not count), or until stop(arg) says to stop (stop may be NULL): real
 * processing, not a pause. Returns what it computed, which means nothing. */
uint64_t cpu_busy_ms(long ms, bool (*stop)(void *arg), void *arg);

#endif
