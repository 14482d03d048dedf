/* units.c: the one parser of whole numbers and sizes, for clients and server.
 *
 * One scan of the digits, then a look-up of what follows in a small table
 * (wrk's scan_units does the same with sscanf; here the digits are read by
 * hand, because sscanf and strtoull also take blanks, a sign and "0x"). */
#include "units.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

const struct unit units_none[] = {
    { NULL, 0 },
};

const struct unit units_bytes[] = {
    { "K", 1ULL << 10 }, { "k", 1ULL << 10 },
    { "M", 1ULL << 20 }, { "m", 1ULL << 20 },
    { "G", 1ULL << 30 }, { "g", 1ULL << 30 },
    { NULL, 0 },
};

/* The scale of suffix in units: 1 for no suffix, 0 for one not in the table. */
static uint64_t scale_of(const char *suffix, const struct unit *units)
{
    if (*suffix == '\0')
        return 1;
    for (const struct unit *u = units; u->suffix != NULL; u++)
        if (strcmp(suffix, u->suffix) == 0)
            return u->scale;
    return 0;
}

int units_parse(const char *text, const struct unit *units, uint64_t max,
                uint64_t *value)
{
    const char *p = text;
    uint64_t number = 0;
    bool too_big = false;

    if (*p < '0' || *p > '9')
        return -EINVAL;
    /* Past UINT64_MAX the digits are still read to the end, so that
     * "99999999999999999999x" is malformed rather than out of range. */
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (number > (UINT64_MAX - digit) / 10)
            too_big = true;
        else
            number = number * 10 + digit;
    }
    uint64_t scale = scale_of(p, units);
    if (scale == 0)
        return -EINVAL;
    /* number * scale <= max exactly when number <= floor(max / scale). */
    if (too_big || number > max / scale)
        return -ERANGE;
    *value = number * scale;
    return 0;
}

int units_parse_long(const char *text, long min, long max, long *value)
{
    uint64_t number;
    int rc = units_parse(text, units_none, UINT64_MAX, &number);

    if (rc != 0)
        return rc;
    if (max < 0 || number > (uint64_t)max || (min > 0 && number < (uint64_t)min))
        return -ERANGE;
    *value = (long)number;
    return 0;
}
