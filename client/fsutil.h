/* fsutil.h: the few file-system chores the client programs share. */
#ifndef FSUTIL_H
#define FSUTIL_H

#include <stddef.h>
#include <stdio.h>

/* Makes the folder a run writes into. With want = "" it creates a fresh
 * temporary folder (under $TMPDIR, else /tmp) and sets *created = 1; else it
 * creates want if missing (one level) and checks it is a writable folder;
 * *created is then 0, for a folder the user named is never removed.
 * The path goes to dir (size bytes). 0, or -1 with a message printed. */
int dir_prepare(const char *want, char *dir, size_t size, int *created);

/* Removes a folder this program created and every file in it (one level:
 * the programs write no subfolders). 0, or -1 with a message printed. */
int dir_remove(const char *dir);

/* The final and the temporary path of task id's file: DIR/PREFIX-ID.bin and
 * DIR/.PREFIX-ID.bin.part. A file exists under its final name only once it
 * is whole. 0, or -1 when a path does not fit. */
int file_paths(const char *dir, const char *prefix, long id,
               char *final_path, char *part_path, size_t size);

/* The name of path's file, after its last '/': what a failed rename into
 * the same folder says it was renaming to. */
const char *file_name_of(const char *path);

/* Writes an output at path, as a Unix tool would: write_fn(file, arg)
 * writes it, and what path names (links followed) decides how.
 *  - A regular file, or nothing yet: whole or not at all. write_fn writes
 *    into a new temporary file .aio-bench-XXXXXX in the same folder (a
 *    unique name, whatever the process id and however long path's name),
 *    renamed over the file only when every write and the close succeeded,
 *    so a reader never sees half a file. Through a link, the link's target
 *    is replaced and the link stays; a link to nothing is replaced. Nothing
 *    is fsync'd: a report lost to a power cut is rerun, not recovered (the
 *    cache, which must survive one, is SQLite's to keep: cache.c).
 *  - This process's stdout or stderr (/dev/stdout, or the file stdout was
 *    sent to): written to that descriptor, after what stdio holds for it.
 *  - A character device or a FIFO: opened (never created nor truncated)
 *    and written in place; a FIFO with no reader fails at once (ENXIO).
 *  - A folder: refused (EISDIR); a socket: ENXIO.
 * 0, or -1 with errno set and no temporary file left. Unlike the rest
 * of this file it prints nothing: the caller names the file. */
int file_write_output(const char *path, void (*write_fn)(FILE *file, const void *arg),
                      const void *arg);

/* Checks, before a run, that file_write_output could write path, by the
 * same rules: a folder is refused; for a regular file (or none) a temporary
 * file is created beside it and removed; a device or a FIFO must be
 * writable (access(), not opened: a FIFO would wait for its reader).
 * 0, or -1 with errno set. */
int file_check_writable(const char *path);

/* Writes all len bytes of buf to fd at its position, again after a signal
 * (EINTR) and after a short write (a full disk?). 0, or a negative errno:
 * -EIO for a write that makes no progress, which would never end. Prints
 * nothing. The one write loop of the blocking tasks and of async_uv's
 * writes on libuv's pool. */
int fd_write_all(int fd, const void *buf, size_t len);

/* 1 when a and b name one regular file: by device and inode when both
 * exist, by resolved folder and name when neither does (a device such as
 * /dev/null may take any number of outputs); else 0. */
int file_same_regular(const char *a, const char *b);

#endif
