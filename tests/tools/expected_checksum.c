/* expected_checksum.c: the run checksum a client should report, computed
 * straight from the workload definitions, with no transfer and no model.
 *
 *   expected_checksum fetch N [FAILED_ID ...]
 *   expected_checksum download|files N SIZE_BYTES [FAILED_ID ...]
 *   expected_checksum cook [DISHES]
 *   expected_checksum cpu N ROUNDS [FAILED_ID ...]
 *
 * The integration tests compare each model's reported checksum with this,
 * so a model that fetched a wrong item or a wrong byte cannot pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "options.h"
#include "run.h"
#include "units.h"
#include "workload.h"

static uint64_t stream_checksum(long id, uint64_t size)
{
    static unsigned char buf[64 * 1024];
    struct checksum *state = checksum_new();

    if (state == NULL) {
        fprintf(stderr, "expected_checksum: no memory for a checksum state\n");
        exit(3);
    }
    checksum_init(state);
    for (uint64_t offset = 0; offset < size;) {
        size_t len = size - offset < sizeof buf ? (size_t)(size - offset) : sizeof buf;
        content_fill((uint64_t)id, offset, buf, len);
        checksum_update(state, buf, len);
        offset += len;
    }
    uint64_t checksum = checksum_digest(state);
    checksum_free(state);
    return checksum;
}

static uint64_t item_checksum(long id)
{
    char payload[ITEM_PAYLOAD_LEN + 1];

    item_payload(id, payload);
    return checksum_bytes(payload, ITEM_PAYLOAD_LEN);
}

static int usage(void)
{
    fprintf(stderr, "usage: expected_checksum fetch N [FAILED_ID ...]\n"
                    "       expected_checksum download|files N SIZE_BYTES [FAILED_ID ...]\n"
                    "       expected_checksum cook [DISHES]\n"
                    "       expected_checksum cpu N ROUNDS [FAILED_ID ...]\n");
    return 2;
}

int main(int argc, char **argv)
{
    static struct options opts;
    struct run run = { .opts = &opts };
    char why[128];
    int first_failed;

    program_set_name("expected_checksum");
    if (argc < 2)
        return usage();
    if (strcmp(argv[1], "cook") == 0) {
        const char *dishes = argc > 2 ? argv[2]
            : "Green Pepper with Meat:3,Tomato and Eggs:2,Garlic Lettuce:1";
        opts.dish_count = dish_list_parse(dishes, opts.dishes, DISHES_MAX, why, sizeof why);
        if (opts.dish_count < 0) {
            fprintf(stderr, "expected_checksum: %s\n", why);
            return 2;
        }
        run.count = (size_t)opts.dish_count;
        first_failed = argc;
    } else {
        /* download and files: SIZE_BYTES; cpu: ROUNDS, read the same way. */
        int sized = strcmp(argv[1], "fetch") != 0;
        uint64_t count;
        if (argc < 3 + sized || units_parse(argv[2], units_none, COUNT_MAX, &count) != 0
            || (sized && units_parse(argv[3], units_bytes, UINT64_MAX, &opts.size_bytes) != 0))
            return usage();
        run.count = (size_t)count;
        first_failed = 3 + sized;
    }

    struct task_record *records = calloc(run.count, sizeof *records);
    if (records == NULL)
        return 3;
    for (size_t i = 0; i < run.count; i++) {
        long id = (long)i + 1;
        records[i].id = id;
        records[i].state = TASK_COMPLETED;
        if (strcmp(argv[1], "fetch") == 0)
            records[i].checksum = item_checksum(id);
        else if (strcmp(argv[1], "cook") == 0)
            records[i].checksum = cook_dish_checksum(&run, i);
        else if (strcmp(argv[1], "cpu") == 0) {
            if (cpu_rounds(id, (long)opts.size_bytes, NULL, NULL, &records[i].checksum) != 0)
                return 3;
        } else
            records[i].checksum = stream_checksum(id, opts.size_bytes);
    }
    for (int a = first_failed; a < argc; a++) {
        long id;
        if (units_parse_long(argv[a], 1, (long)run.count, &id) != 0)
            return usage();
        records[id - 1].state = TASK_FAILED;
        records[id - 1].checksum = 0;
    }
    printf("%016llx\n", (unsigned long long)checksum_run(records, run.count));
    free(records);
    return 0;
}
