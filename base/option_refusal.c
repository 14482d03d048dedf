/* option_refusal.c: what getopt_long refused, in the words of every program.
 *
 * With opterr = 0, glibc says what went wrong only through its return
 * value, optopt and the word it stopped at; this reads the three. */
#include "option_refusal.h"

#include <stdio.h>
#include <string.h>

const char *option_long_name(const struct option *options, int id)
{
    for (const struct option *o = options; o->name != NULL; o++)
        if (o->val == id)
            return o->name;
    return "?";
}

/* How many long options start with the name in arg ("--NAME" or
 * "--NAME=VALUE"): getopt_long takes any unique prefix. */
static int count_prefix_matches(const struct option *options, const char *arg)
{
    size_t len = strcspn(arg + 2, "=");
    int matches = 0;

    for (const struct option *o = options; o->name != NULL; o++)
        if (strncmp(o->name, arg + 2, len) == 0)
            matches++;
    return matches;
}

/* glibc leaves optopt = 0 for an unknown or ambiguous long option (then
 * arg is it), the option's val for a long option given a value it does not
 * take ("--json=1", and "--help=1", whose val is 'h') or missing its value,
 * and the character for an unknown short option. */
void option_refusal(int code, const struct option *options, const char *arg,
                    char *why, size_t why_size)
{
    int name_len = (int)strcspn(arg, "=");
    const char *name = option_long_name(options, optopt);

    if (code == ':' && strcmp(name, "?") != 0)
        snprintf(why, why_size, "--%s: needs a value", name);
    else if (code == ':')   /* a short option with no long name */
        snprintf(why, why_size, "-%c: needs a value", optopt);
    /* arg is "--NAME=VALUE" only then: for an unknown short option inside
     * a cluster ("-xq"), argv[optind - 1] is still the word before it. */
    else if (optopt != 0 && strncmp(arg, "--", 2) == 0 && arg[name_len] == '='
             && strncmp(name, arg + 2, (size_t)name_len - 2) == 0)
        snprintf(why, why_size, "--%s: takes no value", name);
    else if (optopt != 0)
        snprintf(why, why_size, "unknown option '-%c' (see --help)", optopt);
    else if (strncmp(arg, "--", 2) == 0 && count_prefix_matches(options, arg) > 1)
        snprintf(why, why_size, "ambiguous option '%.*s' (see --help)", name_len, arg);
    else
        snprintf(why, why_size, "unknown option '%.*s' (see --help)", name_len, arg);
}
