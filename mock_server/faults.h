/* faults.h: which requests the mock server makes fail, and how.
 *
 * Whether an id fails depends only on (seed, id), so every client model run
 * against the same --seed meets the same failing ids. A failing id fails
 * its first fail_times requests and then succeeds, which a per-id attempt
 * counter tracks; POST /stats/reset zeroes those counters. */
#ifndef MOCK_FAULTS_H
#define MOCK_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fault_kind {
    FAULT_STATUS,    /* a 500 with a short text body */
    FAULT_RESET,     /* the connection closed without any response */
    FAULT_HANG,      /* no answer for --hang-ms, then closed without one */
    FAULT_TRUNCATE,  /* the full Content-Length, half the body, then closed */
    FAULT_BADJSON,   /* 200 with a body that is not valid JSON (items) */
    FAULT_KIND_COUNT
};

/* Attempts are counted exactly for ids below this; a larger id shares the
 * counter of id % FAULT_EXACT_IDS. The table is 2 bytes a slot, allocated
 * untouched, so only the pages of ids that fail ever become resident. */
#define FAULT_EXACT_IDS (1UL << 24)

/* The fault configuration and the per-id attempt counters. Owned by the
 * server; shared by every worker thread (the counters are atomic). */
struct fault_plan {
    uint64_t seed;            /* --seed */
    double rate;              /* --fail-rate */
    unsigned times;           /* --fail-times; 0: a failing id always fails */
    enum fault_kind kind;     /* --fail-kind */
    _Atomic uint16_t *attempts; /* FAULT_EXACT_IDS counters, or NULL when
                                   no counting is needed */
};

/* "status", "reset", ... for kind. */
const char *fault_kind_name(enum fault_kind kind);

/* Every kind's name, in the enum's order, NULL-ended: --fail-kind's
 * choices. */
extern const char *const fault_kind_names[FAULT_KIND_COUNT + 1];

/* Prepares plan; allocates the attempt counters when rate > 0 and
 * times > 0. 0, or a negative errno value. */
int fault_plan_init(struct fault_plan *plan, uint64_t seed, double rate,
                    unsigned times, enum fault_kind kind);

/* Frees what fault_plan_init allocated. */
void fault_plan_destroy(struct fault_plan *plan);

/* True when id is one of the ids configured to fail (pure; counts nothing). */
bool fault_id_is_failing(const struct fault_plan *plan, uint64_t id);

/* Counts one request for id and tells whether this one must fail: true for
 * the first `times` requests of a failing id (always, when times is 0).
 * Thread-safe and exact under concurrency. */
bool fault_take_attempt(struct fault_plan *plan, uint64_t id);

/* Zeroes every attempt counter, so a new run meets the same faults. */
void fault_plan_reset(struct fault_plan *plan);

/* A well-mixed 64-bit hash of (seed, id, salt): splitmix64 applied twice.
 * Used for fault choice and for the latency jitter. */
uint64_t fault_hash(uint64_t seed, uint64_t id, uint64_t salt);

#endif
