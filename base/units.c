/* units.c: the one parser of whole numbers, sizes and decimals, for clients
 * and server.
 *
 * One scan of the digits, then a look-up of what follows in a small table
 * (wrk's scan_units does the same with sscanf; here the digits are read by
 * hand, because sscanf and strtoull also take blanks, a sign and "0x").
 * A decimal's form is checked by hand too, as strtod also takes an
 * exponent, "inf", "nan" and hexadecimal. */
#include "units.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
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

/* The number of decimal digits at the start of text. */
static size_t digits_at(const char *text)
{
    size_t n = 0;

    while (text[n] >= '0' && text[n] <= '9')
        n++;
    return n;
}

int units_parse_decimal(const char *text, double max, double *value)
{
    size_t whole = digits_at(text);
    size_t end = whole;
    double number;

    if (whole == 0)
        return -EINVAL;
    if (text[end] == '.') {
        size_t fraction = digits_at(text + end + 1);

        if (fraction == 0)
            return -EINVAL;
        end += 1 + fraction;
    }
    if (text[end] != '\0')
        return -EINVAL;
    /* What is left is a subset of what strtod reads, and strtod rounds it
     * correctly; no program here sets a locale, so '.' is the point. Too
     * large for a double is HUGE_VAL, above any max; too small rounds
     * towards 0, which the caller's lower bound judges. */
    number = strtod(text, NULL);
    if (isinf(number) || number > max)
        return -ERANGE;
    *value = number;
    return 0;
}
