/* nofile.h: the open-files limit, raised for thousands of sockets.
 *
 * Shared by the clients and the mock server; it depends on nothing else in
 * the project, so the server links it alone (as it does content.c). */
#ifndef NOFILE_H
#define NOFILE_H

/* Raises the soft limit on open files to the hard limit, so that thousands
 * of sockets or files can be open at once. Returns the soft limit now in
 * force: the old one, with a message naming program, if it could not be
 * raised; -1 with a message if it cannot be read. */
long nofile_raise(const char *program);

#endif
