/* fsutil.c: the few file-system chores the client programs share.
 *
 * The folder a run writes into, its removal afterwards, the names of a
 * task's file, and the reports written whole or not at all. Each failure of
 * the folder's chores is printed here as one line naming the path, so
 * callers only pass -1 on. */
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

#include "run.h"

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

/* PATH.tmp-PID into tmp_path (size bytes). 0, or -1 with errno set. */
static int temp_path_of(const char *path, char *tmp_path, size_t size)
{
    int len = snprintf(tmp_path, size, "%s.tmp-%ld", path, (long)getpid());

    if (len < 0 || (size_t)len >= size) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

/* The folder holding path, for its fsync: "." when path has no '/'. */
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

/* Makes a rename into path durable: fsync of its folder. 0, or -1. */
static int sync_folder(const char *path)
{
    char folder[PATH_MAX];
    int fd, rc, saved_errno;

    folder_of(path, folder, sizeof folder);
    fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    saved_errno = errno;
    close(fd);
    errno = saved_errno;
    return rc;
}

int file_write_atomic(const char *path, void (*write_fn)(FILE *file, const void *arg),
                      const void *arg, int durable)
{
    char tmp_path[PATH_MAX + 32];
    FILE *file;
    int fd, failed, saved_errno;

    if (temp_path_of(path, tmp_path, sizeof tmp_path) != 0)
        return -1;
    /* O_NOFOLLOW: never write through a link planted under the temporary name. */
    fd = open(tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0)
        return -1;
    file = fdopen(fd, "w");
    if (file == NULL) {
        saved_errno = errno;
        close(fd);
        unlink(tmp_path);
        errno = saved_errno;
        return -1;
    }
    errno = 0;
    write_fn(file, arg);
    /* stdio remembers any write error: one check covers every write. */
    failed = ferror(file) || fflush(file) == EOF;
    saved_errno = errno != 0 ? errno : EIO;
    if (!failed && durable && fsync(fileno(file)) != 0) {
        failed = 1;
        saved_errno = errno;
    }
    if (fclose(file) == EOF && !failed) {
        failed = 1;
        saved_errno = errno;
    }
    if (!failed && rename(tmp_path, path) != 0) {
        failed = 1;
        saved_errno = errno;
    }
    if (failed) {
        unlink(tmp_path);
        errno = saved_errno;
        return -1;
    }
    return durable ? sync_folder(path) : 0;
}

int file_check_writable(const char *path)
{
    char tmp_path[PATH_MAX + 32];
    int fd;

    if (temp_path_of(path, tmp_path, sizeof tmp_path) != 0)
        return -1;
    /* O_EXCL: never truncate, then remove, a file this program did not make. */
    fd = open(tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
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
