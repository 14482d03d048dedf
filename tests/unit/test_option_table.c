/* test_option_table.c: unit tests of the table-made parser (base/option_table.c).
 *
 * A small table of every kind, as a program would hold one: the getopt
 * tables made from it, the defaults (an initial parsed, "not given" below
 * the least a whole number takes), each kind's value stored where its row
 * says and refused in its words, with the range rendered from the row, and
 * the --help entries: ranges and defaults filled in, lines indented, a
 * usage too wide for its column. The programs' own tables are tested
 * through the programs (test_cli.c, test_options.sh). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "option_table.h"

enum colour { COLOUR_RED, COLOUR_GREEN, COLOUR_BLUE };

struct settings {
    bool loud;
    long count;
    long wait_ms;              /* no default: -1 */
    uint64_t size_bytes;
    double scale;
    double rate;
    enum colour colour;
    char file[8];
    char folder[8];
    char custom[16];
};

static const char *const colours[] = { "red", "green", "blue", NULL };
static long own_value;

/* A custom row: takes only "ok", and says so in its own words. */
static int take_custom(void *context, const char *text, char *why, size_t why_size)
{
    struct settings *s = context;

    if (strcmp(text, "ok") != 0) {
        snprintf(why, why_size, "--custom: '%s' is not ok", text);
        return -1;
    }
    snprintf(s->custom, sizeof s->custom, "%s", text);
    return 0;
}

#define FIELD(name) .offset = offsetof(struct settings, name)

static const struct option_spec table[] = {
    { .name = "loud", .letter = 'l', .kind = OPTION_FLAG, FIELD(loud),
      .help = "shout (default: off)" },
    { .name = "count", .letter = 'n', .kind = OPTION_WHOLE, .value_name = "N",
      .min = 1, .max = 1000, .initial = "10", FIELD(count),
      .help = "how many, {range} (default: {default})" },
    { .name = "wait-ms", .kind = OPTION_WHOLE, .value_name = "MS",
      .min = 0, .max = 60, FIELD(wait_ms), .help = "a wait,\n{range}" },
    { .name = "size", .kind = OPTION_SIZE, .value_name = "BYTES",
      .min = 0, .max = 2L << 30, .initial = "1M", FIELD(size_bytes),
      .help = "bytes, {range} (default: {default})" },
    { .name = "scale", .kind = OPTION_DECIMAL, .value_name = "F",
      .min = 0, .above_min = true, .max = 10, .initial = "1", FIELD(scale),
      .help = "{range}" },
    { .name = "rate", .kind = OPTION_DECIMAL, .value_name = "P",
      .min = 0, .max = 1, .initial = "0.5", FIELD(rate), .help = "{range}" },
    { .name = "colour", .kind = OPTION_CHOICE, .value_name = "C", .choices = colours,
      .initial = "green", FIELD(colour), .help = "one of three (default {default})" },
    { .name = "file", .kind = OPTION_FILE, .value_name = "FILE", FIELD(file),
      .size = sizeof ((struct settings *)NULL)->file, .help = "a file" },
    { .name = "folder", .kind = OPTION_FOLDER, .value_name = "DIR", FIELD(folder),
      .size = sizeof ((struct settings *)NULL)->folder, .help = "a folder" },
    { .name = "custom", .kind = OPTION_CUSTOM, .value_name = "WORD", .take = take_custom,
      .help = "only ok" },
    { .name = "own", .kind = OPTION_WHOLE, .value_name = "K", .min = 5, .max = 9,
      .value = &own_value, .help = "a variable of its own, {range}" },
    { .name = "a-name-too-wide-for-its-column", .kind = OPTION_HELP, .help = "below it" },
};
#define TABLE_COUNT (sizeof table / sizeof table[0])

static const struct option_spec *row(const char *name)
{
    for (size_t i = 0; i < TABLE_COUNT; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    fail_msg("no row %s", name);
    return NULL;
}

/* Takes text as the named row's value into s; the refusal, if any, in why. */
static int take(struct settings *s, const char *name, const char *text, char *why,
                size_t why_size)
{
    why[0] = '\0';
    return option_take(row(name), s, s, text, why, why_size);
}

static void test_getopt_tables(void **state)
{
    struct option long_options[TABLE_COUNT + 1];
    char short_options[3 * TABLE_COUNT + 2];

    (void)state;
    option_build_getopt(table, TABLE_COUNT, ":", long_options, short_options,
                        sizeof short_options);
    assert_string_equal(short_options, ":ln:");
    assert_string_equal(long_options[1].name, "count");
    assert_int_equal(long_options[1].has_arg, required_argument);
    assert_int_equal(long_options[1].val, 'n');
    assert_int_equal(long_options[0].has_arg, no_argument);
    assert_int_equal(long_options[2].val, OPTION_ID_FIRST + 2);
    assert_null(long_options[TABLE_COUNT].name);
    assert_ptr_equal(option_find(table, TABLE_COUNT, 'n'), &table[1]);
    assert_ptr_equal(option_find(table, TABLE_COUNT, OPTION_ID_FIRST + 2), &table[2]);
    assert_null(option_find(table, TABLE_COUNT, 'x'));
    assert_null(option_find(table, TABLE_COUNT, OPTION_ID_FIRST + (int)TABLE_COUNT));
}

static void test_defaults(void **state)
{
    struct settings s;
    char why[128];

    (void)state;
    memset(&s, 0, sizeof s);
    own_value = 7;
    assert_int_equal(option_set_defaults(table, TABLE_COUNT, &s, &s, why, sizeof why), 0);
    assert_false(s.loud);
    assert_int_equal(s.count, 10);
    assert_int_equal(s.wait_ms, -1);        /* no initial: min - 1 */
    assert_int_equal(s.size_bytes, 1 << 20);
    assert_true(s.scale == 1.0 && s.rate == 0.5);
    assert_int_equal(s.colour, COLOUR_GREEN);
    assert_string_equal(s.file, "");
    assert_int_equal(own_value, 7);         /* a variable of its own is its owner's */

    /* An initial that does not parse is reported, not stored. */
    struct option_spec bad = *row("count");
    bad.initial = "0";
    assert_int_equal(option_set_defaults(&bad, 1, &s, &s, why, sizeof why), -1);
    assert_string_equal(why, "--count: '0' is not a whole number from 1 to 1000");
}

static void test_values_stored(void **state)
{
    struct settings s = {0};
    char why[128];

    (void)state;
    assert_int_equal(take(&s, "loud", NULL, why, sizeof why), 0);
    assert_true(s.loud);
    assert_int_equal(take(&s, "count", "1000", why, sizeof why), 0);
    assert_int_equal(s.count, 1000);
    assert_int_equal(take(&s, "size", "2G", why, sizeof why), 0);
    assert_int_equal(s.size_bytes, 2ULL << 30);
    assert_int_equal(take(&s, "scale", "0.001", why, sizeof why), 0);
    assert_true(s.scale == 0.001);
    assert_int_equal(take(&s, "rate", "0", why, sizeof why), 0);
    assert_true(s.rate == 0);
    assert_int_equal(take(&s, "colour", "blue", why, sizeof why), 0);
    assert_int_equal(s.colour, COLOUR_BLUE);
    assert_int_equal(take(&s, "file", "1234567", why, sizeof why), 0);
    assert_string_equal(s.file, "1234567");
    assert_int_equal(take(&s, "custom", "ok", why, sizeof why), 0);
    assert_string_equal(s.custom, "ok");
    assert_int_equal(take(&s, "own", "9", why, sizeof why), 0);
    assert_int_equal(own_value, 9);
}

static void test_values_refused(void **state)
{
    static const struct { const char *name, *text, *why; } cases[] = {
        { "count", "0", "--count: '0' is not a whole number from 1 to 1000" },
        { "count", "+5", "--count: '+5' is not a whole number from 1 to 1000" },
        { "size", "3G", "--size: '3G' is not a byte count from 0 to 2G "
                        "(K, M, G suffixes allowed)" },
        { "size", "1T", "--size: '1T' is not a byte count from 0 to 2G "
                        "(K, M, G suffixes allowed)" },
        { "scale", "0", "--scale: '0' is not a number above 0 and at most 10" },
        { "scale", "10.5", "--scale: '10.5' is not a number above 0 and at most 10" },
        { "rate", "1.5", "--rate: '1.5' is not a number from 0 to 1" },
        { "colour", "Red", "--colour: 'Red' is not red, green or blue" },
        { "file", "", "--file: the file name is empty" },
        { "folder", "", "--folder: the folder's name is empty" },
        { "file", "12345678", "--file: the path is longer than 7 bytes" },
        { "custom", "no", "--custom: 'no' is not ok" },
        { "own", "4", "--own: '4' is not a whole number from 5 to 9" },
    };
    struct settings s = {0};
    char why[128];

    (void)state;
    s.count = 3;
    own_value = 6;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(take(&s, cases[i].name, cases[i].text, why, sizeof why), -1);
        assert_string_equal(why, cases[i].why);
    }
    assert_int_equal(s.count, 3);           /* untouched by a refused value */
    assert_int_equal(own_value, 6);
    assert_string_equal(s.file, "");
}

static void test_help(void **state)
{
    static const char expected[] =
        "  -l, --loud   shout (default: off)\n"
        "  -n, --count N\n"
        "               how many, 1..1000 (default: 10)\n"
        "  --wait-ms MS a wait,\n"
        "               0..60\n"
        "  --size BYTES bytes, 0..2G (default: 1M)\n"
        "  --scale F    above 0 up to 10\n"
        "  --rate P     0..1\n"
        "  --colour C   one of three (default green)\n"
        "  --file FILE  a file\n"
        "  --folder DIR a folder\n"
        "  --custom WORD\n"
        "               only ok\n"
        "  --own K      a variable of its own, 5..9\n"
        "  --a-name-too-wide-for-its-column\n"
        "               below it\n";
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);

    (void)state;
    assert_non_null(out);
    option_print_help(out, table, TABLE_COUNT, 12);
    assert_int_equal(fclose(out), 0);
    assert_string_equal(text, expected);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_getopt_tables),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values_stored),
        cmocka_unit_test(test_values_refused),
        cmocka_unit_test(test_help),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
