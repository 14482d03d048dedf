/* units.h: the one parser of whole numbers and sizes, for clients and server.
 *
 * In the manner of wrk's units.c: one scanner, and small tables that say
 * which suffixes a value may carry and what each multiplies by. Strict:
 * decimal digits only (no blanks, no sign, no "0x"), then nothing or exactly
 * one suffix of the table; overflow and the range are checked. Decimal
 * values (--time-scale, --fail-rate, a dish's seconds) are read as
 * strictly: digits, then at most one '.' with digits after it, nothing
 * else (no sign, no blank, no exponent, no "0x", no "nan" or "inf").
 *
 * Nothing here depends on anything else in the project, so the server
 * links it alone. */
#ifndef UNITS_H
#define UNITS_H

#include <stdint.h>

/* One suffix a number may carry. A table is an array of them ended by a
 * NULL suffix; a number with no suffix at all is always accepted, as
 * itself. */
struct unit {
    const char *suffix;   /* matched exactly, case included: "K" */
    uint64_t scale;       /* what the number is multiplied by: 1024 */
};

/* Plain whole numbers: no suffix at all. */
extern const struct unit units_none[];

/* Byte counts: K, M, G (or k, m, g) as powers of 1024. */
extern const struct unit units_bytes[];

/* Parses text, digits and then nothing or one suffix of units, into
 * *value. 0; -EINVAL when text is not of that form; -ERANGE when its value
 * is above max (or above UINT64_MAX). *value is untouched on failure. */
int units_parse(const char *text, const struct unit *units, uint64_t max,
                uint64_t *value);

/* As units_parse with units_none, into a long in min..max. No sign is
 * accepted, so a min below 0 acts as 0. */
int units_parse_long(const char *text, long min, long max, long *value);

/* Parses text, DIGITS or DIGITS.DIGITS, into *value. 0; -EINVAL when text
 * is not of that form ("1.", ".5", "1e3", "+1" and "0x10" are not);
 * -ERANGE when its value is above max. A lower bound, which may or may
 * not be open (--time-scale must be above 0), is the caller's.
 * *value is untouched on failure. */
int units_parse_decimal(const char *text, double max, double *value);

#endif
