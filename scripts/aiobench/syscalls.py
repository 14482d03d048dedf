"""syscalls.py: reading what `strace -f -c` and /proc say of a client.

parse_strace_summary reads strace's summary table (calls and errors per
system call name); SYSCALL_GROUPS and group_of sort the names into what a
reader compares between the models (a readiness wait, a read or write, a
ring entry, a pool's wake-up, a file step); count_threads splits a
process's threads, read from /proc, into its own and io_uring's kernel
workers. Pure functions of text: the step that runs the clients is
syscall_step.py, the report's section report/syscalls.py.
"""

import re

# The runs counted, (workload, fsync), in the report's order.
SYSCALL_WORKLOADS = (("fetch", False), ("download", False), ("files", False), ("files", True))

# The groups, in the report's order; a name in none is "other". strace -c
# counts per name and cannot tell a read of a socket from a read of a file,
# so the reads and writes are one group, sockets and files together.
SYSCALL_GROUPS = (
    ("readiness waits", ("epoll_wait", "epoll_pwait", "epoll_pwait2", "poll", "ppoll",
                         "select", "pselect6")),
    ("reads and writes", ("read", "write", "pread64", "pwrite64", "readv", "writev",
                          "preadv", "pwritev", "preadv2", "pwritev2", "recv*", "send*")),
    ("io_uring_enter", ("io_uring_enter",)),
    ("futex", ("futex", "futex_waitv")),
    ("file opens, closes, fsync, renames, unlinks",
     ("open", "openat", "openat2", "creat", "close", "close_range", "fsync", "fdatasync",
      "rename", "renameat", "renameat2", "unlink", "unlinkat")),
)
OTHER = "other"
GROUP_NAMES = tuple(name for name, _ in SYSCALL_GROUPS) + (OTHER,)

# A row of the table: "% time, seconds, usecs/call, calls, [errors,] name".
STRACE_ROW = re.compile(r"^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:(\d+)\s+)?(\S+)\s*$")


def parse_strace_summary(text):
    """{syscall: (calls, errors)} from the file `strace -c -o FILE` wrote.
    Raises ValueError when text is not that table, or when its rows do not
    add up to its total line (a table cut short)."""
    counts, total = {}, None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("%", "---")):
            continue
        match = STRACE_ROW.match(line)
        if match is None:
            raise ValueError(f"not a row of strace's summary: '{line.strip()[:80]}'")
        calls, errors, name = int(match.group(1)), int(match.group(2) or 0), match.group(3)
        if name == "total":
            total = (calls, errors)
        else:
            counts[name] = (calls, errors)
    if total is None:
        raise ValueError("no total line: not strace's summary, or cut short")
    summed = tuple(sum(c[i] for c in counts.values()) for i in (0, 1))
    if summed != total:
        raise ValueError(f"its rows add up to {summed[0]} calls and {summed[1]} errors, "
                         f"its total line says {total[0]} and {total[1]}")
    return counts


def group_of(syscall):
    """The name of syscall's group in SYSCALL_GROUPS, or OTHER; a pattern
    ending in * takes every name it begins (recvfrom, recvmsg, sendto...)."""
    for group, names in SYSCALL_GROUPS:
        for name in names:
            if syscall == name or (name.endswith("*") and syscall.startswith(name[:-1])):
                return group
    return OTHER


def grouped(calls):
    """{group: calls} over GROUP_NAMES, every group present, from {syscall: calls}."""
    out = dict.fromkeys(GROUP_NAMES, 0)
    for syscall, count in calls.items():
        out[group_of(syscall)] += count
    return out


# io_uring's threads in a process's task list (/proc/PID/task): io-wq
# workers that do the blocking part of a request (a buffered write), and
# the submission-queue poller of SQPOLL. The kernel marks each with
# PF_IO_WORKER (include/linux/sched.h) from its creation, and names it
# iou-wrk-PID or iou-sqp-PID only once it runs: a worker just started still
# bears the program's name, so the flag, not the name, says whose it is.
PF_IO_WORKER = 0x10
SQPOLL_PREFIX = "iou-sqp-"


def parse_task_stat(text):
    """(name, flags) of a thread from its /proc/PID/task/TID/stat line:
    "TID (NAME) STATE PPID ... FLAGS ...", FLAGS the 9th field; the name,
    which may hold spaces and parentheses, ends at the last ')'."""
    head, _, rest = text.rpartition(")")
    return head.partition("(")[2], int(rest.split()[6])


def count_threads(tasks):
    """{"own": n, "iou_wrk": n, "iou_sqp": n} for one look at a process's
    threads, given as (name, flags): io_uring's kernel workers by their
    flag, the SQPOLL thread among them by its name; every other thread the
    program's own (its main thread, a pool's)."""
    counts = {"own": 0, "iou_wrk": 0, "iou_sqp": 0}
    for name, flags in tasks:
        if not flags & PF_IO_WORKER:
            counts["own"] += 1
        else:
            counts["iou_sqp" if name.startswith(SQPOLL_PREFIX) else "iou_wrk"] += 1
    return counts
