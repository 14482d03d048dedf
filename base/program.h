/* program.h: the program's name, for the first word of its error messages,
 * and its standard descriptors.
 *
 * main() sets the name once, before anything can fail ("sync",
 * "mock_server"); shared code then writes "NAME: what failed: why" without
 * knowing which program linked it. */
#ifndef PROGRAM_H
#define PROGRAM_H

/* name must outlive the program: a string literal or a model's name. */
void program_set_name(const char *name);

/* The name set, or "aio-bench" before main has set one. */
const char *program_name(void);

/* Opens /dev/null onto each of descriptors 0, 1 and 2 that is closed, as
 * cron and some supervisors start a program (<&-, >&-, 2>&-). Otherwise the
 * next file opened takes that number: the loop's own descriptor became 0,
 * and libuv aborts when it closes one of 0 to 2; the trace could have been
 * written to "stdout". stdin is opened write-only and stdout and stderr
 * read-only, so that a read or a write fails with EBADF and the program's
 * own "cannot write" paths say so, rather than writing into nothing.
 * Called first thing in main, after program_set_name: 0, or -1 after
 * saying why if stderr can (the program then exits 3). */
int program_open_std_fds(void);

#endif
