/* program.h: the program's name, for the first word of its error messages.
 *
 * main() sets it once, before anything can fail ("sync", "mock_server");
 * shared code then writes "NAME: what failed: why" without knowing which
 * program linked it. */
#ifndef PROGRAM_H
#define PROGRAM_H

/* name must outlive the program: a string literal or a model's name. */
void program_set_name(const char *name);

/* The name set, or "aio-bench" before main has set one. */
const char *program_name(void);

#endif
