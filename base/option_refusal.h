/* option_refusal.h: what getopt_long refused, in the words of every program.
 *
 * The clients (cli.c) and the mock server turn getopt's own messages off
 * and say what went wrong in one line of their own; this gives that line
 * the same words everywhere, naming an option by its long name:
 * "--NAME: needs a value", "--NAME: takes no value", "ambiguous option
 * '--NA' (see --help)", "unknown option '-x' (see --help)".
 * scripts/options.py says the same for the Python programs. It depends on
 * nothing else in the project, so the server links it alone. */
#ifndef OPTION_REFUSAL_H
#define OPTION_REFUSAL_H

#include <getopt.h>
#include <stddef.h>

/* The long name of the option whose val is id in options (ended by a NULL
 * name), or "?" when none has it. */
const char *option_long_name(const struct option *options, int id);

/* Writes into why (why_size bytes) why getopt_long returned code, ':' (a
 * value missing) or '?' (anything else refused), for the word arg, which is
 * argv[optind - 1] just after that call; reads optopt. */
void option_refusal(int code, const struct option *options, const char *arg,
                    char *why, size_t why_size);

#endif
