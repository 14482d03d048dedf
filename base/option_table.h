/* option_table.h: a program's options as one table, for clients and server.
 *
 * In the manner of git's parse-options: each option is one row (its name,
 * the kind of value it takes, its limits, its default, its --help entry and
 * where its value lands), and the getopt_long table, the value checks, the
 * defaults and the --help entries are all made from the rows, so that a
 * limit or a default is written once. client/cli.c and mock_server/options.c
 * each hold one table and run their own getopt_long loop over it (each has
 * its own positional words and its own words around the entries).
 * It depends on units.c and option_refusal.c only, so the server links it
 * alone. */
#ifndef OPTION_TABLE_H
#define OPTION_TABLE_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* What an option's value is, and so how it is checked, stored, refused
 * and shown in --help. */
enum option_kind {
    OPTION_FLAG,      /* no value: true in a bool (1 in a long of its own) */
    OPTION_WHOLE,     /* a long, min..max (units_parse_long) */
    OPTION_SIZE,      /* a uint64_t byte count, K, M or G allowed, min..max */
    OPTION_DECIMAL,   /* a double, DIGITS or DIGITS.DIGITS, min..max */
    OPTION_CHOICE,    /* one of choices: its index, in an enum */
    OPTION_FILE,      /* a file's path: not empty, and fits a char[size] */
    OPTION_FOLDER,    /* a folder's path: the same */
    OPTION_CUSTOM,    /* checked and stored by the row's take */
    OPTION_HELP,      /* -h, --help: the program prints its help */
    OPTION_VERSION,   /* --version: the program prints its version */
};

/* One option. A row's limits, default and help are its only home: the
 * parser, the refusals and --help all read them here. */
struct option_spec {
    const char *name;            /* long name, without "--": "count" */
    char letter;                 /* its short form ('n'), or 0 */
    enum option_kind kind;
    const char *value_name;      /* in --help: "N"; NULL when it takes no value */
    long min, max;               /* whole, size, decimal: accepted, inclusive */
    bool above_min;              /* decimal: min itself is refused ("above 0") */
    const char *const *choices;  /* choice: the names, in the enum's order, NULL-ended */
    const char *initial;         /* the default as typed ("1M"): parsed like a value
                                  * before the command line, and {default} in help;
                                  * NULL: no default (option_set_defaults) */
    const char *help;            /* the --help entry, its lines split at '\n';
                                  * "{range}" and "{default}" are filled in */
    size_t offset;               /* where the value lands: offsetof in the program's
                                  * options struct ... */
    long *value;                 /* ... or, when set, a variable of its own (a model's
                                  * option: whole and flag only) */
    size_t size;                 /* file, folder: the char array's size */
    /* custom: checks text and stores it, given the program's context; 0, or
     * -1 with the whole message ("--url: ...") in why */
    int (*take)(void *context, const char *text, char *why, size_t why_size);
};

/* The getopt_long val of an option without a letter is this plus its row. */
#define OPTION_ID_FIRST 256

/* Fills long_options (count + 1 entries: the last is zeros) and
 * short_options (short_size bytes, which 3 * count + strlen(prefix) + 1
 * always fit) from the count rows of specs; short_options starts with
 * prefix (":" tells a missing value from an unknown option). */
void option_build_getopt(const struct option_spec *specs, size_t count, const char *prefix,
                         struct option *long_options, char *short_options, size_t short_size);

/* The row whose getopt_long val is id, or NULL. */
const struct option_spec *option_find(const struct option_spec *specs, size_t count, int id);

/* Gives each row its default in base (which the caller has zeroed): its
 * initial, taken as a value is. A row with no initial keeps what is there,
 * but for a whole number in base, which holds min - 1, below anything it
 * accepts, so that "not given" is plain (--latency-ms: -1, the server's
 * own; --concurrency: 0, no limit). 0, or -1 with why: an initial that
 * does not parse, a bug the caller reports. */
int option_set_defaults(const struct option_spec *specs, size_t count, void *base,
                        void *context, char *why, size_t why_size);

/* Checks text as spec's value and stores it in base (or spec->value). 0,
 * or -1 with one line in why that names the option and the value:
 * "--count: 'x' is not a whole number from MIN to MAX". */
int option_take(const struct option_spec *spec, void *base, void *context,
                const char *text, char *why, size_t why_size);

/* What option_apply made of one option getopt_long returned. */
enum option_verdict {
    OPTION_STORED,        /* its value was checked and stored (a flag: set) */
    OPTION_ASKS_HELP,     /* -h, --help: the program prints its help */
    OPTION_ASKS_VERSION,  /* --version: the program prints its version */
    OPTION_REFUSED,       /* one line in why: a bad value, or what getopt refused */
};

/* Acts on id, what getopt_long just returned for argv (not -1, nor 1 for
 * a positional word: those are the program's): finds its row, and checks
 * and stores its value in base (option_take), or says in why what
 * getopt_long refused (option_refusal.h) in the words of every program. */
enum option_verdict option_apply(const struct option_spec *specs, size_t count,
                                 const struct option *long_options, int id, char **argv,
                                 void *base, void *context, char *why, size_t why_size);

/* Prints each row's --help entry to out: "  -n, --count N" padded to 2 +
 * width columns, a blank, then the help, its further lines indented as far;
 * an entry too wide for the column puts the help on the lines below. */
void option_print_help(FILE *out, const struct option_spec *specs, size_t count, int width);

#endif
