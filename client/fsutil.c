/* fsutil.c: the few file-system chores the client programs share.
 *
 * The folder a run writes into, its removal afterwards, the names of a
 * task's file, and the outputs (a regular file written whole or not at all,
 * a device or a FIFO in place). Each failure of the folder's chores is
 * printed here as one line naming the path, so callers only pass -1 on. */
#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "program.h"

/* Creates a fresh aio-bench-XXXXXX folder under $TMPDIR or /tmp. */
static int make_temp_dir(char *dir, size_t size)
{
    const char *base = getenv("TMPDIR");
    int len;

    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    len = snprintf(dir, size, "%s/aio-bench-XXXXXX", base);
    if (len < 0 || (size_t)len >= size) {
        fprintf(stderr, "%s: temporary folder under %s: path too long\n", program_name(), base);
        return -1;
    }
    if (mkdtemp(dir) == NULL) {
        fprintf(stderr, "%s: mkdtemp %s: %s\n", program_name(), dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* Creates want if it is missing and checks that it is a folder we may
 * write in. */
static int use_dir(const char *want, char *dir, size_t size)
{
    struct stat st;

    if (strlen(want) >= size) {
        fprintf(stderr, "%s: %s: path too long\n", program_name(), want);
        return -1;
    }
    if (mkdir(want, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "%s: mkdir %s: %s\n", program_name(), want, strerror(errno));
        return -1;
    }
    if (stat(want, &st) != 0) {
        fprintf(stderr, "%s: stat %s: %s\n", program_name(), want, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s: %s: not a folder\n", program_name(), want);
        return -1;
    }
    if (access(want, W_OK | X_OK) != 0) {
        fprintf(stderr, "%s: %s: %s\n", program_name(), want, strerror(errno));
        return -1;
    }
    memcpy(dir, want, strlen(want) + 1);
    return 0;
}

int dir_prepare(const char *want, char *dir, size_t size, int *created)
{
    *created = 0;
    if (want[0] != '\0')
        return use_dir(want, dir, size);
    if (make_temp_dir(dir, size) != 0)
        return -1;
    *created = 1;
    return 0;
}

/* Unlinks every entry of the open folder d (at dir) but . and .. */
static int remove_entries(DIR *d, const char *dir)
{
    struct dirent *entry;
    int rc = 0;

    for (;;) {
        errno = 0;
        entry = readdir(d);
        if (entry == NULL)
            break;
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        if (unlinkat(dirfd(d), entry->d_name, 0) != 0) {
            fprintf(stderr, "%s: unlink %s/%s: %s\n", program_name(), dir,
                    entry->d_name, strerror(errno));
            rc = -1;   /* go on: remove as much as can be removed */
        }
    }
    if (errno != 0) {
        fprintf(stderr, "%s: readdir %s: %s\n", program_name(), dir, strerror(errno));
        rc = -1;
    }
    return rc;
}

int dir_remove(const char *dir)
{
    DIR *d = opendir(dir);
    int rc;

    if (d == NULL) {
        fprintf(stderr, "%s: opendir %s: %s\n", program_name(), dir, strerror(errno));
        return -1;
    }
    rc = remove_entries(d, dir);
    if (closedir(d) != 0) {
        fprintf(stderr, "%s: closedir %s: %s\n", program_name(), dir, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rmdir(dir) != 0) {
        fprintf(stderr, "%s: rmdir %s: %s\n", program_name(), dir, strerror(errno));
        rc = -1;
    }
    return rc;
}

int file_paths(const char *dir, const char *prefix, long id,
               char *final_path, char *part_path, size_t size)
{
    int len = snprintf(final_path, size, "%s/%s-%ld.bin", dir, prefix, id);

    if (len < 0 || (size_t)len >= size)
        return -1;
    len = snprintf(part_path, size, "%s/.%s-%ld.bin.part", dir, prefix, id);
    if (len < 0 || (size_t)len >= size)
        return -1;
    return 0;
}

const char *file_name_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash != NULL ? slash + 1 : path;
}

/* The folder holding path, for its temporary file: "." when path has no
 * '/'. */
static void folder_of(const char *path, char *folder, size_t size)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        snprintf(folder, size, ".");
    else if (slash == path)
        snprintf(folder, size, "/");
    else
        snprintf(folder, size, "%.*s", (int)(slash - path), path);
}

/* How an output is written, from what its path names when it is written. */
enum output_kind {
    OUTPUT_WHOLE,      /* a regular file, or nothing yet: a temporary file renamed over it */
    OUTPUT_STD,        /* this process's stdout or stderr: written to that descriptor */
    OUTPUT_IN_PLACE,   /* a device, a FIFO: opened and written where it is */
};

/* Whether descriptor fd is open for writing on the file st describes. */
static int is_output_fd(int fd, const struct stat *st)
{
    struct stat fd_st;
    int flags = fcntl(fd, F_GETFL);

    return flags >= 0 && (flags & O_ACCMODE) != O_RDONLY && fstat(fd, &fd_st) == 0 &&
           fd_st.st_dev == st->st_dev && fd_st.st_ino == st->st_ino;
}

/* What path names, links followed: *kind, and in *std_fd the descriptor of
 * OUTPUT_STD. /dev/stdout, or a file stdout was sent to, is written through
 * stdout itself: opening it again would replace a file the shell opened,
 * and a pipe or socket another user made cannot be opened again at all.
 * 0, or -1 with errno set: a folder (EISDIR), a socket (ENXIO: it cannot be
 * opened), or what stat says of a path that is not merely missing. */
static int output_kind_of(const char *path, enum output_kind *kind, int *std_fd)
{
    struct stat st;

    *std_fd = -1;
    if (stat(path, &st) != 0) {
        if (errno != ENOENT)
            return -1;
        *kind = OUTPUT_WHOLE;
        return 0;
    }
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        return -1;
    }
    for (int fd = STDOUT_FILENO; fd <= STDERR_FILENO; fd++) {
        if (is_output_fd(fd, &st)) {
            *kind = OUTPUT_STD;
            *std_fd = fd;
            return 0;
        }
    }
    if (S_ISSOCK(st.st_mode)) {
        errno = ENXIO;
        return -1;
    }
    *kind = S_ISREG(st.st_mode) ? OUTPUT_WHOLE : OUTPUT_IN_PLACE;
    return 0;
}

/* The file a whole write replaces: path's target when it is a link (the
 * link stays a link), else path itself, also when nothing is there yet.
 * 0, or -1 with errno set. */
static int whole_target(const char *path, char *target, size_t size)
{
    char resolved[PATH_MAX];

    if (realpath(path, resolved) != NULL)
        path = resolved;
    else if (errno != ENOENT)
        return -1;
    if (strlen(path) >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(target, path, strlen(path) + 1);
    return 0;
}

/* Creates a temporary file beside target: FOLDER/.aio-bench-XXXXXX, made
 * by mkostemp, so the name is new whatever the process id (a leftover of a
 * killed run blocks nothing) and no longer than target's folder allows
 * (never target's name plus a suffix). Made with O_EXCL, it is never a link
 * planted under that name. Its name goes to tmp_path. The descriptor, or -1
 * with errno set. */
static int open_temp_beside(const char *target, char *tmp_path, size_t size)
{
    char folder[PATH_MAX];
    int len;

    folder_of(target, folder, sizeof folder);
    len = snprintf(tmp_path, size, "%s/.aio-bench-XXXXXX", folder);
    if (len < 0 || (size_t)len >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return mkostemp(tmp_path, O_CLOEXEC);
}

/* Runs write_fn on an open descriptor and closes it. 0, or -1 with errno
 * set (the descriptor closed). */
static int write_to_fd(int fd, void (*write_fn)(FILE *file, const void *arg), const void *arg)
{
    FILE *file = fdopen(fd, "w");
    int failed, saved_errno;

    if (file == NULL) {
        saved_errno = errno;
        close(fd);
        errno = saved_errno;
        return -1;
    }
    errno = 0;
    write_fn(file, arg);
    /* stdio remembers any write error: one check covers every write. */
    failed = ferror(file) || fflush(file) == EOF;
    saved_errno = errno != 0 ? errno : EIO;
    if (fclose(file) == EOF && !failed) {
        failed = 1;
        saved_errno = errno;
    }
    errno = saved_errno;
    return failed ? -1 : 0;
}

/* A regular file, or none yet: into a temporary file renamed over it. */
static int write_whole(const char *path, void (*write_fn)(FILE *file, const void *arg),
                       const void *arg)
{
    char target[PATH_MAX], tmp_path[PATH_MAX + 32];
    mode_t mask;
    int fd, saved_errno;

    if (whole_target(path, target, sizeof target) != 0)
        return -1;
    fd = open_temp_beside(target, tmp_path, sizeof tmp_path);
    if (fd < 0)
        return -1;
    /* mkostemp makes it 0600; an output is as readable as open() would make
     * it. umask() is read by setting it and back, a race with any thread
     * making files meanwhile: the callers write after the run, when none is. */
    mask = umask(022);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask) != 0) {
        saved_errno = errno;
        close(fd);
        unlink(tmp_path);
        errno = saved_errno;
        return -1;
    }
    if (write_to_fd(fd, write_fn, arg) != 0 || rename(tmp_path, target) != 0) {
        saved_errno = errno;
        unlink(tmp_path);
        errno = saved_errno;
        return -1;
    }
    return 0;
}

/* A device, a FIFO or stdout: written where it is, never replaced. A FIFO
 * with no reader is not waited for: ENXIO at once (O_NONBLOCK, which is
 * cleared once it is open, so that writes wait for a slow reader). */
static int write_in_place(const char *path, int std_fd,
                          void (*write_fn)(FILE *file, const void *arg), const void *arg)
{
    int fd, flags;

    if (std_fd >= 0) {
        /* What the program printed there before comes first. */
        if (fflush(std_fd == STDOUT_FILENO ? stdout : stderr) == EOF)
            return -1;
        fd = fcntl(std_fd, F_DUPFD_CLOEXEC, 0);
    } else {
        fd = open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    }
    if (fd < 0)
        return -1;
    if (std_fd < 0 && ((flags = fcntl(fd, F_GETFL)) < 0 ||
                       fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0)) {
        int saved_errno = errno;
        close(fd);
        errno = saved_errno;
        return -1;
    }
    return write_to_fd(fd, write_fn, arg);
}

int file_write_output(const char *path, void (*write_fn)(FILE *file, const void *arg),
                      const void *arg)
{
    enum output_kind kind;
    int std_fd;

    if (output_kind_of(path, &kind, &std_fd) != 0)
        return -1;
    if (kind == OUTPUT_WHOLE)
        return write_whole(path, write_fn, arg);
    return write_in_place(path, std_fd, write_fn, arg);
}

int file_check_writable(const char *path)
{
    char target[PATH_MAX], tmp_path[PATH_MAX + 32];
    enum output_kind kind;
    int fd, std_fd;

    if (output_kind_of(path, &kind, &std_fd) != 0)
        return -1;
    if (kind == OUTPUT_STD)
        return 0;
    /* Not opened: opening a FIFO waits for its reader, which may come only
     * when the run is over. Root passes access() on any device. */
    if (kind == OUTPUT_IN_PLACE)
        return access(path, W_OK);
    if (whole_target(path, target, sizeof target) != 0)
        return -1;
    fd = open_temp_beside(target, tmp_path, sizeof tmp_path);
    if (fd < 0)
        return -1;
    if (close(fd) != 0 || unlink(tmp_path) != 0) {
        int saved_errno = errno;
        unlink(tmp_path);
        errno = saved_errno;
        return -1;
    }
    return 0;
}

/* The resolved folder and the name of a path that does not exist yet, into
 * name; path itself when its folder cannot be resolved either. */
static void missing_name(const char *path, char *name, size_t size)
{
    char folder[PATH_MAX], resolved[PATH_MAX];
    const char *slash = strrchr(path, '/');

    folder_of(path, folder, sizeof folder);
    if (realpath(folder, resolved) == NULL)
        snprintf(name, size, "%s", path);
    else
        snprintf(name, size, "%s/%s", resolved, slash != NULL ? slash + 1 : path);
}

int file_same_regular(const char *a, const char *b)
{
    char name_a[2 * PATH_MAX], name_b[2 * PATH_MAX];
    struct stat st_a, st_b;
    int a_exists = stat(a, &st_a) == 0, b_exists = stat(b, &st_b) == 0;

    if (a_exists && b_exists)
        return S_ISREG(st_a.st_mode) && st_a.st_dev == st_b.st_dev &&
               st_a.st_ino == st_b.st_ino;
    if (a_exists || b_exists)
        return 0;
    missing_name(a, name_a, sizeof name_a);
    missing_name(b, name_b, sizeof name_b);
    return strcmp(name_a, name_b) == 0;
}

int fd_write_all(int fd, const void *buf, size_t len)
{
    const char *data = buf;

    for (size_t done = 0; done < len;) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -EIO;
        done += (size_t)n;
    }
    return 0;
}
