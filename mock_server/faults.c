/* faults.c: the deterministic choice of failing ids and their attempts.
 *
 * An id fails when (hash(seed, id) >> 11) / 2^53 < fail_rate, a pure
 * function (defined in docs/mock-server.md, Faults), so the server, /faults
 * and a test script all agree on the failing set. The
 * attempt counters are a flat array of 16-bit atomics indexed by id: no
 * locks, no hashing, exact for ids below FAULT_EXACT_IDS. */
#include "faults.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"

const char *const fault_kind_names[FAULT_KIND_COUNT + 1] = {
    [FAULT_STATUS] = "status",
    [FAULT_RESET] = "reset",
    [FAULT_HANG] = "hang",
    [FAULT_TRUNCATE] = "truncate",
    [FAULT_BADJSON] = "badjson",
    [FAULT_KIND_COUNT] = NULL,
};

/* Salt that separates the fault choice from other uses of fault_hash. */
#define SALT_FAULT 0x6661756c74u /* "fault" */

const char *fault_kind_name(enum fault_kind kind)
{
    if ((unsigned)kind >= FAULT_KIND_COUNT)
        return "unknown";
    return fault_kind_names[kind];
}

uint64_t fault_hash(uint64_t seed, uint64_t id, uint64_t salt)
{
    return content_mix64(content_mix64(seed ^ salt) ^ id);
}

int fault_plan_init(struct fault_plan *plan, uint64_t seed, double rate,
                    unsigned times, enum fault_kind kind)
{
    memset(plan, 0, sizeof *plan);
    plan->seed = seed;
    plan->rate = rate;
    plan->times = times;
    plan->kind = kind;
    if (rate > 0 && times > 0) {
        /* calloc of this size maps fresh zero pages: 32 MiB of address
         * space, almost none of it resident. */
        plan->attempts = calloc(FAULT_EXACT_IDS, sizeof *plan->attempts);
        if (plan->attempts == NULL)
            return -ENOMEM;
    }
    return 0;
}

void fault_plan_destroy(struct fault_plan *plan)
{
    free((void *)plan->attempts);
    plan->attempts = NULL;
}

bool fault_id_is_failing(const struct fault_plan *plan, uint64_t id)
{
    if (plan->rate <= 0)
        return false;
    if (plan->rate >= 1)
        return true;
    /* The top 53 bits as a double in [0, 1): exact, uniform. */
    double u = (double)(fault_hash(plan->seed, id, SALT_FAULT) >> 11) * 0x1p-53;
    return u < plan->rate;
}

bool fault_take_attempt(struct fault_plan *plan, uint64_t id)
{
    if (!fault_id_is_failing(plan, id))
        return false;
    if (plan->times == 0 || plan->attempts == NULL)
        return true;

    /* Saturating increment: a counter stops at `times`, so it never wraps
     * and every later request of this id succeeds. */
    _Atomic uint16_t *slot = &plan->attempts[id % FAULT_EXACT_IDS];
    uint16_t seen = atomic_load(slot);
    while (seen < plan->times) {
        if (atomic_compare_exchange_weak(slot, &seen, (uint16_t)(seen + 1)))
            return true;
    }
    return false;
}

void fault_plan_reset(struct fault_plan *plan)
{
    if (plan->attempts == NULL)
        return;
    /* Load before store: reading an untouched page maps the shared zero
     * page, so the reset does not make the whole table resident. */
    for (size_t i = 0; i < FAULT_EXACT_IDS; i++) {
        if (atomic_load_explicit(&plan->attempts[i], memory_order_relaxed) != 0)
            atomic_store(&plan->attempts[i], 0);
    }
}
