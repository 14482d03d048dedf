/* test_fsutil.c: unit tests of the file-system chores (client/fsutil.c)
 * and the clock (base/clock.c).
 *
 * Folders made, checked and removed, the names of a task's files, outputs
 * written whole (a regular file) or in place (a device, a FIFO), the
 * open-files limit, the sleep's length and when it stops early. Expected
 * failures print their one-line message on stderr; those lines are
 * captured and checked. Device nodes are made in the test's own folder
 * (mknod, as root; skipped otherwise), never taken from /dev. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "clock.h"
#include "fsutil.h"
#include "nofile.h"
#include "run.h"

static char base[] = "/tmp/test_fsutil-XXXXXX";   /* each test's playground */

static int make_base(void **state)
{
    (void)state;
    strcpy(base, "/tmp/test_fsutil-XXXXXX");
    return mkdtemp(base) != NULL ? 0 : -1;
}

static int remove_base(void **state)
{
    char command[128];

    (void)state;
    snprintf(command, sizeof command, "rm -rf '%s'", base);
    return system(command) == 0 ? 0 : -1;
}

/* stderr pointed at a temporary file while an expected failure runs. */
struct stderr_capture {
    FILE *sink;
    int saved;
};

static void capture_start(struct stderr_capture *cap)
{
    fflush(stderr);
    cap->sink = tmpfile();
    assert_non_null(cap->sink);
    cap->saved = dup(STDERR_FILENO);
    assert_true(cap->saved >= 0);
    assert_true(dup2(fileno(cap->sink), STDERR_FILENO) >= 0);
}

/* Restores stderr and checks that exactly one line holding want came. */
static void capture_expect(struct stderr_capture *cap, const char *want)
{
    char text[1024] = "";

    fflush(stderr);
    assert_true(dup2(cap->saved, STDERR_FILENO) >= 0);
    close(cap->saved);
    rewind(cap->sink);
    assert_true(fread(text, 1, sizeof text - 1, cap->sink) < sizeof text - 1);
    fclose(cap->sink);
    if (strstr(text, want) == NULL)
        print_error("stderr was '%s', wanted '%s'\n", text, want);
    assert_non_null(strstr(text, want));
    assert_int_equal(strncmp(text, "test_fsutil: ", 13), 0);
    assert_ptr_equal(strchr(text, '\n'), text + strlen(text) - 1);
}

static int is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void touch(const char *dir, const char *name)
{
    char path[512];
    FILE *file;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    file = fopen(path, "w");
    assert_non_null(file);
    assert_true(fputs("x", file) >= 0);
    assert_int_equal(fclose(file), 0);
}

static void test_temp_dir(void **state)
{
    char dir[512], prefix[512];
    int created = -1;

    (void)state;
    assert_int_equal(setenv("TMPDIR", base, 1), 0);
    assert_int_equal(dir_prepare("", dir, sizeof dir, &created), 0);
    assert_int_equal(created, 1);
    snprintf(prefix, sizeof prefix, "%s/aio-bench-", base);
    assert_int_equal(strncmp(dir, prefix, strlen(prefix)), 0);
    assert_int_equal(strlen(dir), strlen(prefix) + 6);
    assert_true(is_dir(dir));

    /* Two runs never share a folder. */
    char other[512];
    assert_int_equal(dir_prepare("", other, sizeof other, &created), 0);
    assert_string_not_equal(dir, other);
    assert_int_equal(dir_remove(other), 0);

    touch(dir, "blob-1.bin");
    touch(dir, ".blob-2.bin.part");
    assert_int_equal(dir_remove(dir), 0);
    assert_false(is_dir(dir));
    assert_int_equal(access(dir, F_OK), -1);

    /* A path that does not fit is refused. */
    struct stderr_capture cap;
    capture_start(&cap);
    assert_int_equal(dir_prepare("", dir, 10, &created), -1);
    capture_expect(&cap, "path too long");
    assert_int_equal(unsetenv("TMPDIR"), 0);
}

static void test_named_dir(void **state)
{
    char want[512], dir[512], file_path[512];
    struct stderr_capture cap;
    int created = -1;

    (void)state;
    /* Missing: created (one level), but not ours to remove. */
    snprintf(want, sizeof want, "%s/out", base);
    assert_int_equal(dir_prepare(want, dir, sizeof dir, &created), 0);
    assert_int_equal(created, 0);
    assert_string_equal(dir, want);
    assert_true(is_dir(want));
    /* Existing: fine. */
    assert_int_equal(dir_prepare(want, dir, sizeof dir, &created), 0);

    /* A file is not a folder. */
    touch(base, "plain");
    snprintf(file_path, sizeof file_path, "%s/plain", base);
    capture_start(&cap);
    assert_int_equal(dir_prepare(file_path, dir, sizeof dir, &created), -1);
    capture_expect(&cap, "not a folder");

    /* Only one level is created. */
    snprintf(want, sizeof want, "%s/a/b", base);
    capture_start(&cap);
    assert_int_equal(dir_prepare(want, dir, sizeof dir, &created), -1);
    capture_expect(&cap, "mkdir");
    assert_false(is_dir(want));

    capture_start(&cap);
    assert_int_equal(dir_prepare(base, dir, 5, &created), -1);
    capture_expect(&cap, "path too long");
}

static void test_dir_remove_missing(void **state)
{
    char dir[512];
    struct stderr_capture cap;

    (void)state;
    snprintf(dir, sizeof dir, "%s/never-made", base);
    capture_start(&cap);
    assert_int_equal(dir_remove(dir), -1);
    capture_expect(&cap, "opendir");
}

static void test_file_paths(void **state)
{
    char final_path[64], part_path[64];

    (void)state;
    assert_int_equal(file_paths("/tmp/d", "blob", 42, final_path, part_path, sizeof final_path), 0);
    assert_string_equal(final_path, "/tmp/d/blob-42.bin");
    assert_string_equal(part_path, "/tmp/d/.blob-42.bin.part");
    /* "/tmp/d/.file-7.bin.part" is 23 bytes: 24 fit it, 23 do not. */
    assert_int_equal(file_paths("/tmp/d", "file", 7, final_path, part_path, 24), 0);
    assert_int_equal(file_paths("/tmp/d", "file", 7, final_path, part_path, 23), -1);
    assert_int_equal(file_paths("/tmp/d", "file", 7, final_path, part_path, 10), -1);
}

static void write_text(FILE *file, const void *arg)
{
    fputs(arg, file);
}

static void expect_file(const char *path, const char *want)
{
    char text[64] = "";
    FILE *file = fopen(path, "r");

    assert_non_null(file);
    assert_true(fread(text, 1, sizeof text - 1, file) == strlen(want));
    assert_int_equal(fclose(file), 0);
    assert_string_equal(text, want);
}

/* Counts the entries of base but . and .. */
static int entries_in_base(void)
{
    char command[160];
    FILE *ls;
    int n = 0, c;

    snprintf(command, sizeof command, "ls -A '%s'", base);
    ls = popen(command, "r");
    assert_non_null(ls);
    while ((c = fgetc(ls)) != EOF)
        n += c == '\n';
    assert_int_equal(pclose(ls), 0);
    return n;
}

static void test_write_atomic(void **state)
{
    char path[512], cwd[512];

    (void)state;
    snprintf(path, sizeof path, "%s/report.txt", base);
    assert_int_equal(file_write_output(path, write_text, "one\n"), 0);
    expect_file(path, "one\n");
    /* A bare name: the temporary file goes in ".". */
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(base), 0);
    assert_int_equal(file_write_output("report.txt", write_text, "two\n"), 0);
    assert_int_equal(chdir(cwd), 0);
    expect_file(path, "two\n");
    assert_int_equal(entries_in_base(), 1);
    /* A folder that does not exist: -1 with errno, nothing made. */
    snprintf(path, sizeof path, "%s/missing/report.txt", base);
    assert_int_equal(file_write_output(path, write_text, "x"), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(entries_in_base(), 1);
    assert_int_equal(file_check_writable(path), -1);
}

/* The kind of file at path, as stat -c %F would say it, and its device
 * numbers when it is one ("character 1,3"); "missing" when there is none. */
static const char *kind_of(const char *path, char *text, size_t size)
{
    struct stat st;

    if (lstat(path, &st) != 0)
        snprintf(text, size, "missing");
    else if (S_ISCHR(st.st_mode))
        snprintf(text, size, "character %u,%u", major(st.st_rdev), minor(st.st_rdev));
    else
        snprintf(text, size, "%s", S_ISREG(st.st_mode) ? "regular" : S_ISDIR(st.st_mode)
                 ? "folder" : S_ISFIFO(st.st_mode) ? "fifo" : S_ISLNK(st.st_mode) ? "link"
                 : "other");
    return text;
}

static void expect_kind(const char *path, const char *want)
{
    char text[64];

    assert_string_equal(kind_of(path, text, sizeof text), want);
}

/* A regular file is written whole: through a temporary file renamed over
 * it, so that while it is being written the old one is still all there; a
 * link to it stays a link, and its target is what is replaced. A new file
 * gets 0666 less the umask, as open() would give it. */
struct while_writing {
    const char *path;    /* the target, read back from inside write_fn */
    char seen[16];       /* what it held then */
};

static void write_and_look(FILE *file, const void *arg)
{
    struct while_writing *w = (struct while_writing *)arg;
    FILE *old = fopen(w->path, "r");

    fputs("new\n", file);
    assert_non_null(old);
    assert_non_null(fgets(w->seen, sizeof w->seen, old));
    assert_int_equal(fclose(old), 0);
}

static void test_write_regular_whole(void **state)
{
    char path[512], link_path[512];
    struct while_writing w = { path, "" };
    struct stat st;
    mode_t mask = umask(022);

    (void)state;
    snprintf(path, sizeof path, "%s/trace.csv", base);
    snprintf(link_path, sizeof link_path, "%s/latest.csv", base);
    assert_int_equal(file_write_output(path, write_text, "old\n"), 0);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    assert_int_equal(file_write_output(path, write_and_look, &w), 0);
    assert_string_equal(w.seen, "old\n");
    expect_file(path, "new\n");

    assert_int_equal(symlink("trace.csv", link_path), 0);
    assert_int_equal(file_check_writable(link_path), 0);
    assert_int_equal(file_write_output(link_path, write_text, "through\n"), 0);
    expect_kind(link_path, "link");
    expect_file(path, "through\n");
    assert_int_equal(entries_in_base(), 2);
    assert_int_equal(umask(mask), 022);
}

/* A FIFO is written in place, to the reader at its other end, and stays a
 * FIFO; without a reader it is refused at once, not waited on for ever. */
static void test_write_fifo_in_place(void **state)
{
    char path[512], got[64] = "";
    int reader;

    (void)state;
    snprintf(path, sizeof path, "%s/fifo", base);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(file_check_writable(path), 0);
    expect_kind(path, "fifo");
    reader = open(path, O_RDONLY | O_NONBLOCK);
    assert_true(reader >= 0);
    assert_int_equal(file_write_output(path, write_text, "to the reader\n"), 0);
    assert_int_equal(read(reader, got, sizeof got - 1), 14);
    assert_string_equal(got, "to the reader\n");
    assert_int_equal(close(reader), 0);
    expect_kind(path, "fifo");

    assert_int_equal(file_write_output(path, write_text, "nobody reads\n"), -1);
    assert_int_equal(errno, ENXIO);
    expect_kind(path, "fifo");
    assert_int_equal(entries_in_base(), 1);
}

/* A character device is written in place: a null device takes it, a full
 * one fails with ENOSPC, reported, and both stay the devices they were.
 * The nodes are the test's own (mknod needs root: skipped without it). */
static void test_write_device_in_place(void **state)
{
    char null_path[512], full_path[512];

    (void)state;
    snprintf(null_path, sizeof null_path, "%s/null", base);
    snprintf(full_path, sizeof full_path, "%s/full", base);
    if (mknod(null_path, S_IFCHR | 0666, makedev(1, 3)) != 0) {
        print_message("# skipped: mknod %s: %s (needs root)\n", null_path, strerror(errno));
        skip();
    }
    assert_int_equal(mknod(full_path, S_IFCHR | 0666, makedev(1, 7)), 0);

    assert_int_equal(file_check_writable(null_path), 0);
    assert_int_equal(file_write_output(null_path, write_text, "gone\n"), 0);
    expect_kind(null_path, "character 1,3");

    assert_int_equal(file_check_writable(full_path), 0);
    errno = 0;
    assert_int_equal(file_write_output(full_path, write_text, "no room\n"), -1);
    assert_int_equal(errno, ENOSPC);
    expect_kind(full_path, "character 1,7");
    assert_int_equal(entries_in_base(), 2);
}

/* A folder is refused by the check before the run, and by the write. */
static void test_folder_refused(void **state)
{
    char path[512];

    (void)state;
    snprintf(path, sizeof path, "%s/out", base);
    assert_int_equal(mkdir(path, 0755), 0);
    errno = 0;
    assert_int_equal(file_check_writable(path), -1);
    assert_int_equal(errno, EISDIR);
    errno = 0;
    assert_int_equal(file_write_output(path, write_text, "x"), -1);
    assert_int_equal(errno, EISDIR);
    expect_kind(path, "folder");
    assert_int_equal(entries_in_base(), 1);
}

/* A temporary file left behind by a killed run, even one of this very
 * process id (in a container every run is PID 1), blocks nothing and is
 * not touched; the writer leaves no temporary file of its own. */
static void test_stale_temporary_file(void **state)
{
    char path[512], stale[600];

    (void)state;
    snprintf(path, sizeof path, "%s/trace.csv", base);
    snprintf(stale, sizeof stale, "%s.tmp-%ld", path, (long)getpid());
    assert_int_equal(symlink("/nonexistent/elsewhere", stale), 0);
    assert_int_equal(file_check_writable(path), 0);
    assert_int_equal(file_write_output(path, write_text, "whole\n"), 0);
    expect_file(path, "whole\n");
    expect_kind(stale, "link");
    assert_int_equal(entries_in_base(), 2);
}

/* A name of NAME_MAX bytes, the longest a folder takes, is written: the
 * temporary name does not grow with it. */
static void test_longest_name(void **state)
{
    char name[NAME_MAX + 1], path[512 + NAME_MAX];

    (void)state;
    memset(name, 'n', NAME_MAX);
    name[NAME_MAX] = '\0';
    snprintf(path, sizeof path, "%s/%s", base, name);
    assert_int_equal(file_check_writable(path), 0);
    assert_int_equal(file_write_output(path, write_text, "long\n"), 0);
    expect_file(path, "long\n");
    assert_int_equal(entries_in_base(), 1);
}

/* Two outputs on one regular file, however the paths are spelled, existing
 * or not; a device takes any number; different files are different. */
static void test_same_regular(void **state)
{
    char a[512], b[512], sub[512], link_path[512], fifo[512];

    (void)state;
    snprintf(a, sizeof a, "%s/out.csv", base);
    snprintf(sub, sizeof sub, "%s/sub", base);
    assert_int_equal(mkdir(sub, 0755), 0);
    snprintf(b, sizeof b, "%s/sub/../out.csv", base);
    assert_int_equal(file_same_regular(a, b), 1);             /* neither exists */
    snprintf(b, sizeof b, "%s/sub/out.csv", base);
    assert_int_equal(file_same_regular(a, b), 0);
    touch(base, "out.csv");
    snprintf(link_path, sizeof link_path, "%s/link.csv", base);
    assert_int_equal(symlink("out.csv", link_path), 0);
    assert_int_equal(file_same_regular(a, link_path), 1);     /* both exist: one inode */
    assert_int_equal(file_same_regular(a, b), 0);             /* one exists */
    assert_int_equal(file_same_regular(b, a), 0);
    snprintf(fifo, sizeof fifo, "%s/fifo", base);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(file_same_regular(fifo, fifo), 0);       /* not a regular file */
}

/* fd_write_all: every byte of a write larger than a pipe holds reaches the
 * reader, in order; a closed descriptor is -EBADF. */
static void test_fd_write_all(void **state)
{
    enum { LEN = 256 * 1024 };   /* 4 times a pipe's default 64 KiB */
    static char out[LEN], in[LEN];
    int fds[2];

    (void)state;
    for (size_t i = 0; i < LEN; i++)
        out[i] = (char)(i * 7 + i / 251);
    assert_int_equal(pipe(fds), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(fds[0]);
        _exit(fd_write_all(fds[1], out, LEN) == 0 ? 0 : 1);
    }
    close(fds[1]);
    size_t got = 0;
    for (ssize_t n; got < LEN && (n = read(fds[0], in + got, LEN - got)) > 0;)
        got += (size_t)n;
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(got, LEN);
    assert_memory_equal(in, out, LEN);
    assert_int_equal(fd_write_all(fds[1], out, 1), -EBADF);
}

static void test_nofile_raise(void **state)
{
    struct rlimit before, after;
    long limit;

    (void)state;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &before), 0);
    limit = nofile_raise("test_fsutil");
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &after), 0);
    assert_true(limit >= (long)before.rlim_cur);
    assert_int_equal(limit, (long)after.rlim_cur);
}

static void test_clock(void **state)
{
    uint64_t start = clock_now_ns();

    (void)state;
    assert_true(clock_now_ns() >= start);
    assert_int_equal(clock_sleep_ms(0, 0, NULL, NULL), 0);
    assert_int_equal(clock_sleep_ms(-5, 0, NULL, NULL), 0);
    assert_int_equal(clock_sleep_ms(120, 0, NULL, NULL), 0);
    double elapsed = clock_elapsed_ms(start);
    assert_true(elapsed >= 120.0);
    assert_true(elapsed < 1000.0);
    assert_true(clock_elapsed_ms(clock_now_ns() + 1000000000u) == 0.0);   /* never negative */
}

/* A stop test for clock_sleep_ms: says stop on its *arg-th question. */
static bool stop_on_call(void *arg)
{
    int *calls_left = arg;

    return --*calls_left <= 0;
}

static bool never_stop(void *arg)
{
    (*(int *)arg)++;
    return false;
}

static void test_clock_sleep_stops(void **state)
{
    uint64_t start = clock_now_ns();
    int calls = 0;

    (void)state;
    /* Asked first: a stop already due returns at once, even for 0 ms. */
    calls = 1;
    assert_int_equal(clock_sleep_ms(0, 10, stop_on_call, &calls), -1);
    calls = 1;
    assert_int_equal(clock_sleep_ms(5000, 10, stop_on_call, &calls), -1);
    assert_true(clock_elapsed_ms(start) < 1000.0);

    /* Asked every slice: the third question, after two 20 ms slices. */
    start = clock_now_ns();
    calls = 3;
    assert_int_equal(clock_sleep_ms(5000, 20, stop_on_call, &calls), -1);
    assert_true(clock_elapsed_ms(start) >= 40.0);
    assert_true(clock_elapsed_ms(start) < 1000.0);

    /* Never stopped: the whole time, asked first, after each slice and at
     * the end (a busy machine that oversleeps a slice needs fewer). */
    start = clock_now_ns();
    calls = 0;
    assert_int_equal(clock_sleep_ms(100, 30, never_stop, &calls), 0);
    assert_true(clock_elapsed_ms(start) >= 100.0);
    assert_true(calls >= 2);
}

int main(void)
{
    program_set_name("test_fsutil");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_temp_dir, make_base, remove_base),
        cmocka_unit_test_setup_teardown(test_named_dir, make_base, remove_base),
        cmocka_unit_test_setup_teardown(test_dir_remove_missing, make_base, remove_base),
        cmocka_unit_test(test_file_paths),
        cmocka_unit_test_setup_teardown(test_write_atomic, make_base, remove_base),
        cmocka_unit_test_setup_teardown(test_write_regular_whole, make_base, remove_base),
        cmocka_unit_test_setup_teardown(test_write_fifo_in_place, make_base, remove_base),
        cmocka_unit_test_setup_teardown(test_write_device_in_place, make_base, remove_base),
        cmocka_unit_test_setup_teardown(test_folder_refused, make_base, remove_base),
        cmocka_unit_test_setup_teardown(test_stale_temporary_file, make_base, remove_base),
        cmocka_unit_test_setup_teardown(test_longest_name, make_base, remove_base),
        cmocka_unit_test_setup_teardown(test_same_regular, make_base, remove_base),
        cmocka_unit_test(test_fd_write_all),
        cmocka_unit_test(test_nofile_raise),
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_clock_sleep_stops),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
