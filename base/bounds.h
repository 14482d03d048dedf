/* bounds.h: the limits that several options, or a client and the server,
 * share, each written once.
 *
 * What a client may ask of the mock server is what the server takes, so
 * the two programs' option tables, the server's endpoints and the clients'
 * own checks read the same numbers. Plain integer literals, so that
 * BOUND_TEXT can put one into a constant string. */
#ifndef BOUNDS_H
#define BOUNDS_H

#define BOUND_TEXT_OF(x) #x
#define BOUND_TEXT(x) BOUND_TEXT_OF(x)     /* a bound's digits as a string literal */

/* The longest wait any option sets (a backoff, a timeout, a pause, a hang):
 * an hour; longer is never useful in a benchmark. */
#define WAIT_MAX_MS 3600000L

/* The most latency a request may ask for: --latency-ms of the clients and
 * the server, --jitter-ms, ?latency_ms. */
#define LATENCY_MAX_MS 600000

/* Tasks in one run (records are kept in memory: 320 bytes each), and so
 * the most ids /faults?count= lists. */
#define COUNT_MAX 1000000L

/* The highest --rate, tasks per second: a start every microsecond, about
 * as fine as a timer or a sleep here can place one. */
#define RATE_MAX 1000000L

/* The largest blob or file: --size, and /blobs?size=. */
#define SIZE_MAX_BYTES (16LL << 30)

/* The largest TCP port: --port, and a port in --url. */
#define PORT_MAX 65535

/* The most threads one program starts: async_threads' pool (and so its
 * --concurrency) and the mock server's workers (--threads). Each thread is
 * a kernel task, and the machine's task ids are shared by the server, the
 * clients and everyone else: docs/notes.md, "Threads", says what bounds
 * them, with a wide margin left. */
#define THREADS_MAX 10000L

/* The largest stack a task may be given, in KiB: --stack-kb of the models
 * that have it (64 MiB). */
#define STACK_KB_MAX 65536L

#endif
