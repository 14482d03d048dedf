/* workload.h: what the four workloads are, defined once.
 *
 * The URLs a task requests, the bytes a blob or file must hold, the JSON an
 * item must carry and the checksums over results all live here, so the
 * three models (and the mock server, which produces the same bytes) cannot
 * drift apart. Nothing here does I/O. */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

/* XXH3_state_t is opaque unless XXH_STATIC_LINKING_ONLY is defined, and
 * checksum_state must be a complete type so that a task can keep one on
 * its stack or in its struct. The trade-off: the layout is xxHash's own,
 * so this must be built against the libxxhash it runs with (it is). */
#ifndef XXH_STATIC_LINKING_ONLY
#define XXH_STATIC_LINKING_ONLY
#endif
#include <xxhash.h>

#include "content.h"

struct run;
struct task_record;

/* ---- URLs ---- */

/* Writes the task's URL into buf: BASE/items/ID or BASE/blobs/ID?size=S,
 * with latency_ms=L appended when the user set --latency-ms. Returns 0, or
 * -1 when it does not fit. */
int workload_url(const struct run *run, long id, char *buf, size_t size);

/* Parses an item's body {"id": ID, "payload": "..."} with cJSON and checks
 * that the id is the one asked for and the payload the one expected.
 * Returns CAUSE_NONE with *checksum set, else CAUSE_BAD_JSON or
 * CAUSE_MISMATCH with a reason in why. */
int item_check(long id, const char *body, size_t len, uint64_t *checksum,
               char *why, size_t why_size);

/* ---- Checksums (xxHash XXH3, streaming) ---- */

/* A task's checksum over a byte stream: init, update with each piece in
 * order, digest. Used for blobs and files as they are received or read. */
typedef XXH3_state_t checksum_state;
void checksum_init(checksum_state *state);
void checksum_update(checksum_state *state, const void *data, size_t len);
uint64_t checksum_digest(const checksum_state *state);

/* The checksum of one buffer. */
uint64_t checksum_bytes(const void *data, size_t len);

/* The run's checksum: over every record in id order, its id, whether it
 * completed, and its checksum. Equal for every model given the same data. */
uint64_t checksum_run(const struct task_record *records, size_t count);

/* ---- Cook ---- */

/* The duration of dish index i in ms, after --time-scale. */
long cook_dish_ms(const struct run *run, size_t i);

/* The checksum of a cooked dish: of its name. */
uint64_t cook_dish_checksum(const struct run *run, size_t i);

/* Prints "Starting to prepare NAME" or "NAME is ready" with the elapsed
 * time: on stdout, on stderr under --json (stdout holds only the JSON),
 * nowhere under --quiet. One write per line, so threads do not interleave. */
void cook_say_start(const struct run *run, size_t i);
void cook_say_ready(const struct run *run, size_t i);

#endif
