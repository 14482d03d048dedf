/* test_units.c: unit tests of the number and size parser (base/units.c).
 *
 * Every form it accepts, with and without a suffix, up to the largest
 * value; every form it refuses, each with the error it must give
 * (-EINVAL for a malformed text, -ERANGE for a value too large or too
 * small), and the value left untouched on failure; the same for decimals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>

#include "units.h"

/* A text, the table and max it is parsed with, and what must come out. */
struct parse_case {
    const char *text;
    const struct unit *units;
    uint64_t max;
    int rc;               /* 0, -EINVAL or -ERANGE */
    uint64_t value;       /* when rc is 0 */
};

static void check_cases(const struct parse_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        uint64_t value = 7;
        int rc = units_parse(cases[i].text, cases[i].units, cases[i].max, &value);

        if (rc != cases[i].rc)
            print_error("'%s': got %d, expected %d\n", cases[i].text, rc, cases[i].rc);
        assert_int_equal(rc, cases[i].rc);
        assert_int_equal(value, rc == 0 ? cases[i].value : 7);   /* untouched on failure */
    }
}

static void test_plain_accepted(void **state)
{
    static const struct parse_case cases[] = {
        {"0", units_none, 10, 0, 0},
        {"7", units_none, 10, 0, 7},
        {"10", units_none, 10, 0, 10},                        /* max itself */
        {"000012", units_none, 100, 0, 12},                   /* leading zeros */
        {"0000000000000000000000000", units_none, 0, 0, 0},   /* many zeros: no overflow */
        {"999999999", units_none, 999999999, 0, 999999999},
        {"18446744073709551615", units_none, UINT64_MAX, 0, UINT64_MAX},
    };

    (void)state;
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_plain_refused(void **state)
{
    static const struct parse_case cases[] = {
        {"", units_none, 10, -EINVAL, 0},
        {" 1", units_none, 10, -EINVAL, 0},
        {"1 ", units_none, 10, -EINVAL, 0},
        {"1\n", units_none, 10, -EINVAL, 0},
        {"+1", units_none, 10, -EINVAL, 0},
        {"-1", units_none, 10, -EINVAL, 0},
        {"-0", units_none, 10, -EINVAL, 0},
        {"1x", units_none, 10, -EINVAL, 0},
        {"1.5", units_none, 10, -EINVAL, 0},
        {"0x10", units_none, 100, -EINVAL, 0},
        {"1e3", units_none, 10000, -EINVAL, 0},
        {"abc", units_none, 10, -EINVAL, 0},
        {"1K", units_none, UINT64_MAX, -EINVAL, 0},           /* no suffix here */
        {"11", units_none, 10, -ERANGE, 0},
        {"1", units_none, 0, -ERANGE, 0},
        {"18446744073709551616", units_none, UINT64_MAX, -ERANGE, 0},   /* 2^64 */
        {"99999999999999999999999", units_none, UINT64_MAX, -ERANGE, 0},
        {"99999999999999999999999x", units_none, UINT64_MAX, -EINVAL, 0},
    };

    (void)state;
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_bytes_accepted(void **state)
{
    static const struct parse_case cases[] = {
        {"0", units_bytes, UINT64_MAX, 0, 0},
        {"512", units_bytes, UINT64_MAX, 0, 512},
        {"1K", units_bytes, UINT64_MAX, 0, 1024},
        {"1k", units_bytes, UINT64_MAX, 0, 1024},
        {"3M", units_bytes, UINT64_MAX, 0, 3u << 20},
        {"3m", units_bytes, UINT64_MAX, 0, 3u << 20},
        {"16G", units_bytes, UINT64_MAX, 0, 16ULL << 30},
        {"16g", units_bytes, UINT64_MAX, 0, 16ULL << 30},
        {"0G", units_bytes, 0, 0, 0},
        {"16G", units_bytes, 16ULL << 30, 0, 16ULL << 30},    /* max itself */
        {"17179869184", units_bytes, 16ULL << 30, 0, 16ULL << 30},
        {"16777216K", units_bytes, 16ULL << 30, 0, 16ULL << 30},
        {"16777215G", units_bytes, UINT64_MAX, 0, 16777215ULL << 30},
        {"17179869183G", units_bytes, UINT64_MAX, 0, 17179869183ULL << 30},   /* largest G */
        {"18446744073709551615", units_bytes, UINT64_MAX, 0, UINT64_MAX},
    };

    (void)state;
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_bytes_refused(void **state)
{
    static const struct parse_case cases[] = {
        {"", units_bytes, UINT64_MAX, -EINVAL, 0},
        {"K", units_bytes, UINT64_MAX, -EINVAL, 0},
        {"1KB", units_bytes, UINT64_MAX, -EINVAL, 0},
        {"1KK", units_bytes, UINT64_MAX, -EINVAL, 0},
        {"1 K", units_bytes, UINT64_MAX, -EINVAL, 0},
        {"1K ", units_bytes, UINT64_MAX, -EINVAL, 0},
        {" 1K", units_bytes, UINT64_MAX, -EINVAL, 0},
        {"+1K", units_bytes, UINT64_MAX, -EINVAL, 0},
        {"-1K", units_bytes, UINT64_MAX, -EINVAL, 0},
        {"1.5K", units_bytes, UINT64_MAX, -EINVAL, 0},
        {"1T", units_bytes, UINT64_MAX, -EINVAL, 0},
        {"1b", units_bytes, UINT64_MAX, -EINVAL, 0},
        {"1Ki", units_bytes, UINT64_MAX, -EINVAL, 0},
        {"16G", units_bytes, (16ULL << 30) - 1, -ERANGE, 0},
        {"17179869185", units_bytes, 16ULL << 30, -ERANGE, 0},
        {"16777217K", units_bytes, 16ULL << 30, -ERANGE, 0},
        {"1K", units_bytes, 1023, -ERANGE, 0},
        {"17179869184G", units_bytes, UINT64_MAX, -ERANGE, 0},        /* 2^34 G = 2^64 */
        {"18014398509481984K", units_bytes, UINT64_MAX, -ERANGE, 0},  /* 2^54 K = 2^64 */
        {"18446744073709551616", units_bytes, UINT64_MAX, -ERANGE, 0},
    };

    (void)state;
    check_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Each table ends with a NULL suffix, and every scale is a power of 1024. */
static void test_tables(void **state)
{
    size_t n = 0;

    (void)state;
    assert_null(units_none[0].suffix);
    for (; units_bytes[n].suffix != NULL; n++)
        assert_true(units_bytes[n].scale == 1ULL << 10 || units_bytes[n].scale == 1ULL << 20
                    || units_bytes[n].scale == 1ULL << 30);
    assert_int_equal(n, 6);
}

static void test_long(void **state)
{
    static const struct {
        const char *text;
        long min, max;
        int rc;
        long value;
    } cases[] = {
        {"0", 0, 10, 0, 0},
        {"10", 0, 10, 0, 10},
        {"5", 5, 10, 0, 5},
        {"4", 5, 10, -ERANGE, 0},
        {"11", 0, 10, -ERANGE, 0},
        {"0", -5, 10, 0, 0},                 /* a min below 0 acts as 0 */
        {"0", 0, -1, -ERANGE, 0},            /* an empty range takes nothing */
        {"-1", -5, 10, -EINVAL, 0},          /* no sign, whatever min says */
        {"+1", 0, 10, -EINVAL, 0},
        {"1K", 0, 100000, -EINVAL, 0},       /* no suffix */
        {"", 0, 10, -EINVAL, 0},
        {"9223372036854775807", 0, LONG_MAX, 0, LONG_MAX},
        {"9223372036854775808", 0, LONG_MAX, -ERANGE, 0},
        {"18446744073709551616", 0, LONG_MAX, -ERANGE, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        long value = 7;
        int rc = units_parse_long(cases[i].text, cases[i].min, cases[i].max, &value);

        if (rc != cases[i].rc)
            print_error("'%s': got %d, expected %d\n", cases[i].text, rc, cases[i].rc);
        assert_int_equal(rc, cases[i].rc);
        assert_int_equal(value, rc == 0 ? cases[i].value : 7);
    }
}

/* Decimals: DIGITS or DIGITS.DIGITS and nothing else, up to max. */
static void test_decimal(void **state)
{
    static const struct {
        const char *text;
        double max;
        int rc;
        double value;
    } cases[] = {
        {"0", 1, 0, 0},
        {"1", 1, 0, 1},                      /* max itself */
        {"0.25", 1, 0, 0.25},
        {"1.0", 1, 0, 1},
        {"007.50", 10, 0, 7.5},
        {"0.000001", 1, 0, 0.000001},
        {"1000", 1000, 0, 1000},
        {"1.01", 1, -ERANGE, 0},
        {"1000.0000001", 1000, -ERANGE, 0},
        {"1" "00000000000000000000000000000000000000000000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000000000000000000000000"
         "000000000000000000000000000000000000000000000000000000000000000000000000", 1e308,
         -ERANGE, 0},                        /* 10^360: past a double */
        {"", 1, -EINVAL, 0},
        {".", 1, -EINVAL, 0},
        {"1.", 1, -EINVAL, 0},
        {".5", 1, -EINVAL, 0},
        {"1..5", 1, -EINVAL, 0},
        {"1.5.", 10, -EINVAL, 0},
        {"+0.5", 1, -EINVAL, 0},
        {"-0", 1, -EINVAL, 0},
        {"-0.5", 1, -EINVAL, 0},
        {" 0.5", 1, -EINVAL, 0},
        {"0.5 ", 1, -EINVAL, 0},
        {"1e3", 10000, -EINVAL, 0},
        {"1E-3", 1, -EINVAL, 0},
        {"0x10", 100, -EINVAL, 0},
        {"0x1p-1", 1, -EINVAL, 0},
        {"nan", 1, -EINVAL, 0},
        {"inf", 1, -EINVAL, 0},
        {"infinity", 1, -EINVAL, 0},
        {"0,5", 1, -EINVAL, 0},
        {"1_0", 100, -EINVAL, 0},
        {"5K", 10000, -EINVAL, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double value = 7;
        int rc = units_parse_decimal(cases[i].text, cases[i].max, &value);

        if (rc != cases[i].rc)
            print_error("'%s': got %d, expected %d\n", cases[i].text, rc, cases[i].rc);
        assert_int_equal(rc, cases[i].rc);
        assert_true(value == (rc == 0 ? cases[i].value : 7));   /* untouched on failure */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_accepted),
        cmocka_unit_test(test_plain_refused),
        cmocka_unit_test(test_bytes_accepted),
        cmocka_unit_test(test_bytes_refused),
        cmocka_unit_test(test_tables),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_decimal),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
