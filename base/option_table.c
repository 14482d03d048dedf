/* option_table.c: the parser, the defaults and the --help entries made from
 * one table of options (option_table.h).
 *
 * Every refusal is one line in the words the tests pin (test_options.sh,
 * and scripts/options.py says the same for the Python programs); a range
 * in a refusal and in --help is rendered from the row's own min and max. */
#include "option_table.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "option_refusal.h"
#include "units.h"

/* Where a row's value lands in base. */
static void *field_of(const struct option_spec *spec, void *base)
{
    return spec->value != NULL ? (void *)spec->value : (char *)base + spec->offset;
}

static int refuse(char *why, size_t why_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes the message into why. -1, for the caller to return. */
static int refuse(char *why, size_t why_size, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vsnprintf(why, why_size, format, args);
    va_end(args);
    return -1;
}

/* A byte count as people type it: the largest of units.h's byte suffixes
 * that divides it exactly ("16G", "1M"), else plain digits ("0"). */
static void size_text(uint64_t bytes, char *buf, size_t size)
{
    const struct unit *best = NULL;

    for (const struct unit *u = units_bytes; u->suffix != NULL; u++)
        if (bytes > 0 && bytes % u->scale == 0 && (best == NULL || u->scale > best->scale))
            best = u;
    if (best != NULL)
        snprintf(buf, size, "%llu%s", (unsigned long long)(bytes / best->scale), best->suffix);
    else
        snprintf(buf, size, "%llu", (unsigned long long)bytes);
}

/* The range as --help shows it: "MIN..MAX", "0..16G" for a size, "above
 * MIN up to MAX" for a decimal with an open lower bound; "" for a kind
 * that has none. */
static void range_text(const struct option_spec *spec, char *buf, size_t size)
{
    char min[32], max[32];

    switch (spec->kind) {
    case OPTION_WHOLE:
        snprintf(buf, size, "%ld..%ld", spec->min, spec->max);
        return;
    case OPTION_SIZE:
        size_text((uint64_t)spec->min, min, sizeof min);
        size_text((uint64_t)spec->max, max, sizeof max);
        snprintf(buf, size, "%s..%s", min, max);
        return;
    case OPTION_DECIMAL:
        snprintf(buf, size, spec->above_min ? "above %ld up to %ld" : "%ld..%ld",
                 spec->min, spec->max);
        return;
    default:
        snprintf(buf, size, "%s", "");
        return;
    }
}

void option_build_getopt(const struct option_spec *specs, size_t count, const char *prefix,
                         struct option *long_options, char *short_options, size_t short_size)
{
    size_t n = (size_t)snprintf(short_options, short_size, "%s", prefix);

    for (size_t i = 0; i < count; i++) {
        const struct option_spec *s = &specs[i];
        int has_arg = s->value_name != NULL ? required_argument : no_argument;

        long_options[i] = (struct option){
            s->name, has_arg, NULL, s->letter != 0 ? s->letter : OPTION_ID_FIRST + (int)i,
        };
        if (s->letter != 0 && n + 3 <= short_size) {
            short_options[n++] = s->letter;
            if (has_arg == required_argument)
                short_options[n++] = ':';
            short_options[n] = '\0';
        }
    }
    memset(&long_options[count], 0, sizeof long_options[count]);
}

const struct option_spec *option_find(const struct option_spec *specs, size_t count, int id)
{
    if (id >= OPTION_ID_FIRST && (size_t)(id - OPTION_ID_FIRST) < count)
        return &specs[id - OPTION_ID_FIRST];
    for (size_t i = 0; id > 0 && i < count; i++)
        if (specs[i].letter == id)
            return &specs[i];
    return NULL;
}

int option_set_defaults(const struct option_spec *specs, size_t count, void *base,
                        void *context, char *why, size_t why_size)
{
    for (size_t i = 0; i < count; i++) {
        const struct option_spec *s = &specs[i];

        if (s->initial != NULL) {
            if (option_take(s, base, context, s->initial, why, why_size) != 0)
                return -1;
        } else if (s->kind == OPTION_WHOLE && s->value == NULL) {
            *(long *)field_of(s, base) = s->min - 1;
        }
    }
    return 0;
}

/* Stores a path, or refuses one empty or too long. An empty value would
 * read as the option's absence (no trace, a fresh temporary folder): say
 * so rather than run without what was asked for. */
static int take_path(const struct option_spec *s, char *field, const char *text,
                     char *why, size_t why_size)
{
    size_t len = strlen(text);

    if (len == 0)
        return refuse(why, why_size, "--%s: the %s name is empty", s->name,
                      s->kind == OPTION_FOLDER ? "folder's" : "file");
    if (len >= s->size)
        return refuse(why, why_size, "--%s: the path is longer than %zu bytes",
                      s->name, s->size - 1);
    memcpy(field, text, len + 1);
    return 0;
}

/* Stores the index of text among the row's choices (an enum's values are
 * stored as an int: every program's enum here is int-sized), or refuses
 * it with the list: "'x' is not content, id or status". */
static int take_choice(const struct option_spec *s, int *field, const char *text,
                       char *why, size_t why_size)
{
    size_t n = 0, len;

    for (; s->choices[n] != NULL; n++) {
        if (strcmp(text, s->choices[n]) == 0) {
            *field = (int)n;
            return 0;
        }
    }
    len = (size_t)snprintf(why, why_size, "--%s: '%s' is not ", s->name, text);
    for (size_t i = 0; i < n && len < why_size; i++)
        len += (size_t)snprintf(why + len, why_size - len, "%s%s",
                                i == 0 ? "" : i + 1 == n ? " or " : ", ", s->choices[i]);
    return -1;
}

int option_take(const struct option_spec *s, void *base, void *context,
                const char *text, char *why, size_t why_size)
{
    void *field = field_of(s, base);
    char min[32], max[32];
    uint64_t bytes;
    double number;
    long whole;

    switch (s->kind) {
    case OPTION_FLAG:
        if (s->value != NULL)
            *s->value = 1;
        else
            *(bool *)field = true;
        return 0;
    case OPTION_WHOLE:
        if (units_parse_long(text, s->min, s->max, &whole) != 0)
            return refuse(why, why_size, "--%s: '%s' is not a whole number from %ld to %ld",
                          s->name, text, s->min, s->max);
        *(long *)field = whole;
        return 0;
    case OPTION_SIZE:
        if (units_parse(text, units_bytes, (uint64_t)s->max, &bytes) != 0
            || bytes < (uint64_t)s->min) {
            size_text((uint64_t)s->min, min, sizeof min);
            size_text((uint64_t)s->max, max, sizeof max);
            return refuse(why, why_size, "--%s: '%s' is not a byte count from %s to %s "
                          "(K, M, G suffixes allowed)", s->name, text, min, max);
        }
        *(uint64_t *)field = bytes;
        return 0;
    case OPTION_DECIMAL:
        /* units_parse_decimal judges the form and the upper bound; the
         * lower one, open or not, is the row's. */
        if (units_parse_decimal(text, (double)s->max, &number) != 0
            || number < (double)s->min || (s->above_min && number == (double)s->min))
            return refuse(why, why_size, s->above_min
                          ? "--%s: '%s' is not a number above %ld and at most %ld"
                          : "--%s: '%s' is not a number from %ld to %ld",
                          s->name, text, s->min, s->max);
        *(double *)field = number;
        return 0;
    case OPTION_CHOICE:
        return take_choice(s, field, text, why, why_size);
    case OPTION_FILE:
    case OPTION_FOLDER:
        return take_path(s, field, text, why, why_size);
    case OPTION_CUSTOM:
        return s->take(context, text, why, why_size);
    case OPTION_HELP:
    case OPTION_VERSION:
        return 0;   /* the program acts on them itself */
    }
    return refuse(why, why_size, "--%s: an option of no known kind", s->name);
}

enum option_verdict option_apply(const struct option_spec *specs, size_t count,
                                 const struct option *long_options, int id, char **argv,
                                 void *base, void *context, char *why, size_t why_size)
{
    const struct option_spec *spec = option_find(specs, count, id);

    /* On a refusal getopt_long leaves the word it refused just before
     * optind; on success optarg holds the value, if any. */
    if (id == '?' || id == ':' || spec == NULL) {
        option_refusal(id, long_options, argv[optind - 1], why, why_size);
        return OPTION_REFUSED;
    }
    if (spec->kind == OPTION_HELP)
        return OPTION_ASKS_HELP;
    if (spec->kind == OPTION_VERSION)
        return OPTION_ASKS_VERSION;
    if (option_take(spec, base, context, optarg, why, why_size) != 0)
        return OPTION_REFUSED;
    return OPTION_STORED;
}

/* Prints a row's help, "{range}" and "{default}" filled in and each line
 * after the first indented by indent columns. */
static void print_entry_help(FILE *out, const struct option_spec *s, int indent)
{
    static const char range_mark[] = "{range}", default_mark[] = "{default}";

    for (const char *c = s->help; *c != '\0'; c++) {
        if (strncmp(c, range_mark, strlen(range_mark)) == 0) {
            char range[80];

            range_text(s, range, sizeof range);
            fputs(range, out);
            c += strlen(range_mark) - 1;
        } else if (strncmp(c, default_mark, strlen(default_mark)) == 0) {
            fputs(s->initial != NULL ? s->initial : "", out);
            c += strlen(default_mark) - 1;
        } else if (*c == '\n') {
            fprintf(out, "\n%*s", indent, "");
        } else {
            fputc(*c, out);
        }
    }
    fputc('\n', out);
}

void option_print_help(FILE *out, const struct option_spec *specs, size_t count, int width)
{
    for (size_t i = 0; i < count; i++) {
        const struct option_spec *s = &specs[i];
        char usage[96];
        int len = s->letter != 0 ? snprintf(usage, sizeof usage, "-%c, ", s->letter) : 0;

        snprintf(usage + len, sizeof usage - (size_t)len, "--%s%s%s", s->name,
                 s->value_name != NULL ? " " : "", s->value_name != NULL ? s->value_name : "");
        if ((int)strlen(usage) <= width)
            fprintf(out, "  %-*s ", width, usage);
        else
            fprintf(out, "  %s\n%*s", usage, width + 3, "");
        print_entry_help(out, s, width + 3);
    }
}
