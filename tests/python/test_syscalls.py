"""test_syscalls.py: system calls and threads per task, and a model that cannot run here.

strace's summary read from two real `strace -f -c` files captured on this
suite's machine (fixtures/strace/: async_uv's fetch and async_threads'
files --fsync, 20 tasks each) against their known counts; the grouping;
the threads told apart by the kernel's flag for io_uring's workers, from
stat lines of this machine's and from /proc of this very process; the
report's section made from a small syscalls.csv (runs of 10 tasks and of
one: the start-up's calls taken out) and threads.csv of its own; and the probe that leaves out a model which exits
3 (async_uring without io_uring), with the report's line for it.
tests/integration/test_bench.sh runs the step, and a fake async_uring,
in a whole bench.
"""

import json
import os
import shutil
import threading

import pytest

from aiobench import plan, schema
from aiobench.clients import model_unavailable
from aiobench.report import skipped, syscalls as section
from aiobench.report.context import Context
from aiobench.report.results import Results
from aiobench.syscall_step import plan_syscall_step, task_threads, traced_env, workload_params
from aiobench.syscalls import (GROUP_NAMES, SYSCALL_WORKLOADS, count_threads, group_of, grouped,
                               parse_strace_summary, parse_task_stat)
from by_path import ROOT
from conftest import RESULTS, RecordedCharts

STRACE_FIXTURES = os.path.join(ROOT, "tests", "python", "fixtures", "strace")


def read_fixture(name):
    with open(os.path.join(STRACE_FIXTURES, name)) as fixture:
        return fixture.read()


# ---- strace's summary ----

def test_the_summary_of_a_loop_model_s_fetch():
    counts = parse_strace_summary(read_fixture("async_uv-fetch-20.txt"))
    assert len(counts) == 39
    assert counts["epoll_ctl"] == (142, 20)      # a row with errors
    assert counts["connect"] == (21, 21)         # non-blocking: every connect "fails" EINPROGRESS
    assert counts["epoll_wait"] == (7, 0) and counts["poll"] == (24, 0)
    assert counts["recvfrom"] == (21, 0) and counts["getrandom"] == (2, 0)
    assert sum(c for c, _ in counts.values()) == 919
    assert sum(e for _, e in counts.values()) == 44


def test_the_summary_of_a_thread_pool_s_files_with_fsync():
    counts = parse_strace_summary(read_fixture("async_threads-files-fsync-20.txt"))
    assert counts["fsync"] == (20, 0) and counts["rename"] == (20, 0)
    assert counts["clone3"] == (20, 0)           # a thread per task
    assert counts["futex"] == (177, 10)
    assert sum(c for c, _ in counts.values()) == 1032


@pytest.mark.parametrize("text, said", [
    ("", "no total line"),
    ("hello\n", "not a row of strace's summary: 'hello'"),
    # A table cut short: its rows do not add up to its total.
    (" 50.00 0.000010 10 1 read\n 50.00 0.000010 10 3 total\n",
     "its rows add up to 1 calls and 0 errors, its total line says 3 and 0"),
])
def test_what_is_not_a_whole_summary_is_refused(text, said):
    with pytest.raises(ValueError, match=said):
        parse_strace_summary(text)


# ---- The groups ----

@pytest.mark.parametrize("syscall, group", [
    ("epoll_wait", "readiness waits"), ("ppoll", "readiness waits"),
    ("read", "reads and writes"), ("pwrite64", "reads and writes"),
    ("recvfrom", "reads and writes"), ("sendmsg", "reads and writes"),
    ("io_uring_enter", "io_uring_enter"), ("io_uring_setup", "other"),
    ("futex", "futex"), ("openat", "file opens, closes, fsync, renames, unlinks"),
    ("fsync", "file opens, closes, fsync, renames, unlinks"),
    ("renameat2", "file opens, closes, fsync, renames, unlinks"),
    ("mmap", "other"), ("epoll_ctl", "other"), ("readlink", "other"),
])
def test_group_of(syscall, group):
    assert group_of(syscall) == group


def test_the_groups_of_the_fixtures_add_up_to_their_totals():
    def calls(name):
        return {s: c for s, (c, _) in parse_strace_summary(read_fixture(name)).items()}
    # Counted by hand from the files: poll 24 + epoll_wait 7; sendto 21 +
    # recvfrom 21 + read 41 + write 2 + pread64 2; openat 38 + close 69.
    assert grouped(calls("async_uv-fetch-20.txt")) == dict(zip(GROUP_NAMES, (
        31, 87, 0, 18, 107, 919 - 31 - 87 - 18 - 107)))
    # write 21 + read 81 + pread64 2; fsync 20 + openat 78 + close 78 + rename 20.
    assert grouped(calls("async_threads-files-fsync-20.txt")) == dict(zip(GROUP_NAMES, (
        0, 104, 0, 177, 196, 1032 - 104 - 177 - 196)))


# ---- Threads ----

# /proc/PID/task/TID/stat lines as this machine's kernel wrote them for
# async_uring's files run (flags, the 9th field: 0x400000 its own thread,
# 0x404050 an io-wq worker: PF_IO_WORKER, 0x10), shortened after the flags.
OWN_STAT = "23001 (async_uring) R 22990 23001 22990 0 -1 4194304 120 0 0 0 1 0"
WORKER_STAT = "23005 (iou-wrk-23001) S 22990 23001 22990 0 -1 4210768 0 0 0 0 0 0"
# A worker just started, not yet renamed: it still bears the program's name.
NEW_WORKER_STAT = "23006 (async_uring) R 22990 23001 22990 0 -1 4210768 0 0 0 0 0 0"
SQPOLL_STAT = "23007 (iou-sqp-23001) S 22990 23001 22990 0 -1 4210768 0 0 0 0 0 0"


def test_a_stat_line_gives_the_name_and_the_flags():
    assert parse_task_stat(WORKER_STAT) == ("iou-wrk-23001", 0x404050)
    # A name with spaces and parentheses ends at the last ')'.
    assert parse_task_stat("7 (a (b) c) S 1 7 7 0 -1 64 0 0") == ("a (b) c", 64)


def test_threads_are_told_apart_by_the_kernel_s_flag():
    tasks = [parse_task_stat(line) for line in
             (OWN_STAT, WORKER_STAT, WORKER_STAT, NEW_WORKER_STAT, SQPOLL_STAT)]
    # The worker not yet renamed is the kernel's, whatever its name.
    assert count_threads(tasks) == {"own": 1, "iou_wrk": 3, "iou_sqp": 1}
    assert count_threads([]) == {"own": 0, "iou_wrk": 0, "iou_sqp": 0}


def test_the_threads_of_a_live_process_are_read_from_proc():
    before = count_threads(task_threads(os.getpid()))
    release = threading.Event()
    worker = threading.Thread(target=release.wait, args=(30,))
    worker.start()
    try:
        now = count_threads(task_threads(os.getpid()))
        assert now == dict(before, own=before["own"] + 1) and before["iou_wrk"] == 0
    finally:
        release.set()
        worker.join(timeout=30)
    assert task_threads(2 ** 22 + 1) == []       # above pid_max: no such process


def test_a_thread_gone_between_the_listing_and_its_stat_is_not_counted(tmp_path):
    # /proc as a sampler may find it: the main thread, an io-wq worker, and
    # one that ended after the listing (its stat unreadable: no file here).
    for tid, stat in ((23001, OWN_STAT), (23005, WORKER_STAT), (23009, None)):
        (tmp_path / "23001" / "task" / str(tid)).mkdir(parents=True)
        if stat is not None:
            (tmp_path / "23001" / "task" / str(tid) / "stat").write_text(stat + "\n")
    threads = task_threads(23001, proc=str(tmp_path))
    assert sorted(threads) == [("async_uring", 0x400000), ("iou-wrk-23001", 0x404050)]
    assert count_threads(threads) == {"own": 1, "iou_wrk": 1, "iou_sqp": 0}


def test_every_model_gets_the_same_options():
    params = {"count": 100, "latency_ms": 20, "size": "256K"}
    assert workload_params(params, "fetch", False) == \
        {"workload": "fetch", "count": 100, "latency_ms": 20}
    assert workload_params(params, "files", True) == \
        {"workload": "files", "count": 100, "size": "256K", "fsync": True}


@pytest.mark.parametrize("options, traced", [
    # tests/run.sh's, for the ASan build: the last setting of a flag wins.
    ("detect_leaks=1:exitcode=86", "detect_leaks=1:exitcode=86:detect_leaks=0"),
    (None, "detect_leaks=0"),
])
def test_a_traced_run_has_no_leak_check(options, traced):
    # LeakSanitizer cannot work under ptrace: it would fail every traced run.
    env = {"PATH": "/usr/bin"} if options is None else {"PATH": "/usr/bin", "ASAN_OPTIONS": options}
    assert traced_env(env) == {"PATH": "/usr/bin", "ASAN_OPTIONS": traced}
    assert env.get("ASAN_OPTIONS") == options        # the clients' own env is left alone


# ---- The report's section, from results of its own ----

# Each fetch run with 10 tasks and with one (the start-up's calls); the
# files --fsync run without its run of one task, as a step that failed it.
SYSCALLS_CSV = """model,workload,fsync,tasks,syscall,calls,errors
sync,fetch,0,10,poll,40,0
sync,fetch,0,10,recvfrom,20,0
sync,fetch,0,10,sendto,10,0
sync,fetch,0,10,mmap,39,0
sync,fetch,0,10,openat,12,0
sync,fetch,0,1,poll,4,0
sync,fetch,0,1,recvfrom,2,0
sync,fetch,0,1,sendto,1,0
sync,fetch,0,1,mmap,30,0
sync,fetch,0,1,openat,12,0
async_uring,fetch,0,10,io_uring_enter,30,0
async_uring,fetch,0,10,read,14,0
async_uring,fetch,0,10,openat,2,1
async_uring,fetch,0,10,close,3,0
async_uring,fetch,0,10,mmap,38,0
async_uring,fetch,0,1,io_uring_enter,3,0
async_uring,fetch,0,1,read,5,0
async_uring,fetch,0,1,openat,2,1
async_uring,fetch,0,1,close,3,0
async_uring,fetch,0,1,mmap,20,0
async_uring,fetch,0,1,futex,2,0
async_uring,files,1,10,io_uring_enter,12,0
"""
THREADS_CSV = """model,workload,fsync,tasks,own_max,iou_wrk_max,iou_sqp_max,samples
sync,files,0,10,1,0,0,9
async_uring,files,0,10,1,3,0,8
async_uring,files,1,10,0,0,0,0
"""


@pytest.fixture()
def counted(tmp_path):
    """The fixture's results with async_uring among the models, a small
    syscalls.csv and threads.csv, and the step in meta.json."""
    folder = tmp_path / "results"
    shutil.copytree(RESULTS, folder)
    meta = json.loads((folder / "meta.json").read_text())
    meta["models"] = meta["models"] + ["async_uring"]
    meta["syscalls"] = {"command": "strace ...", "params": {"count": 10, "latency_ms": 20,
                                                             "size": "256K"},
                        "skipped": None, "errors": [], "sample_interval_ms": 2.0,
                        "syscall_rows": 22, "thread_rows": 2}
    (folder / "meta.json").write_text(json.dumps(meta))
    (folder / "syscalls.csv").write_text(SYSCALLS_CSV)
    (folder / "threads.csv").write_text(THREADS_CSV)
    return Context(Results(str(folder)), RecordedCharts(tmp_path))


def test_the_section_s_table_gives_calls_per_task_by_group(counted):
    text = "\n".join(section.section(counted))
    assert text.startswith("## System calls and threads per task\n")
    # (calls of 10 tasks - calls of one) / 9: poll 36 / 9 = 4, recvfrom +
    # sendto 27 / 9 = 3, mmap 9 / 9 = 1, openat 0 (the start-up's only).
    assert "| sync | fetch | 8.0 | 4.0 | 3.0 | 0.0 | 0.0 | 0.0 | 1.0 |" in text
    # The ring 27 / 9 = 3, read 9 / 9 = 1, openat and close 0, mmap 18 / 9
    # = 2; futex, made by the run of one task only, counts 0, not -2 / 9.
    assert "| async_uring | fetch | 6.0 | 0.0 | 1.0 | 3.0 | 0.0 | 0.0 | 2.0 |" in text
    # No run of one task: the whole run's 12 calls over its 10 tasks, said.
    assert "| async_uring | files --fsync | 1.2 | 0.0 | 0.0 | 1.2 | 0.0 | 0.0 | 0.0 |" in text
    assert "No run of one task was counted for async_uring files --fsync: there the figure " \
           "is the whole run's calls over its tasks, the start-up's included." in text
    assert "- fetch: async_uring made the fewest system calls per task (6.0), sync the " \
           "most (8.0), 1.33x as many." in text
    assert "the start-up's calls (loading the program and its libraries, a few hundred), " \
           "measured in a run of one task, are taken out, (calls of 10 tasks - calls of " \
           "one) / 9, per system call" in text
    # The other calls: mmap, 1 per task for sync, 2 for async_uring.
    assert "- sync: mmap, 1.0 per task in fetch." in text
    assert "- async_uring: mmap, 2.0 per task in fetch." in text
    assert "strace sees only the program's own threads: what io_uring does in the kernel, " \
           "its iou-wrk workers included, makes no system call there." in text


def test_the_marginal_calls_take_the_run_of_one_task_out():
    # (calls(10) - calls(1)) / 9 per call; one made only at start-up gives
    # 0, and one made less often in the run of 10 than of one counts 0.
    assert section.marginal_calls({"poll": 40, "mmap": 39, "openat": 12},
                                  {"poll": 4, "mmap": 30, "openat": 12, "futex": 2}, 10) == \
        {"poll": 4.0, "mmap": 1.0, "openat": 0.0, "futex": 0.0}


def test_the_step_s_estimate_holds_the_runs_of_one_task():
    if shutil.which("strace") is None:
        pytest.skip("strace is not installed: the step is planned as skipped")
    facts = plan.Facts([("probe", 0.001)], 1, 2)
    params = {"count": 100, "latency_ms": 20, "size": "256K"}
    step = plan_syscall_step({"syscalls": params}, None, ["sync"], facts)
    runs = [workload_params(params, w, f) for w, f in SYSCALL_WORKLOADS]
    # Each run of 100 tasks and of one, under strace; the files runs again.
    expected = sum(plan.estimate_s("sync", r, facts) * (2 if r["workload"] == "files" else 1) +
                   plan.estimate_s("sync", dict(r, count=1), facts) for r in runs)
    assert step.estimate_s == pytest.approx(expected)


def test_the_section_says_the_kernel_s_threads(counted):
    text = "\n".join(section.section(counted))
    assert "- async_uring, files: 1 thread of its own, up to 3 iou-wrk threads of the " \
           "kernel's." in text
    assert "- sync, files: 1 thread of its own; no io_uring worker seen in 9 looks." in text
    assert "counted in /proc/PID/task every 2 ms" in text
    # A run over before the sampler's first look claims no count at all.
    assert "- async_uring, files --fsync: it ended before the first look at its threads." \
        in text


def test_the_section_s_chart_stacks_the_groups_per_model(counted):
    section.section(counted)
    chart = counted.charts.rendered["syscalls"]
    assert chart["script"] == "syscalls.gp"
    assert chart["variables"]["models"] == "sync async_uring"
    # fetch's cluster: sync at 0, async_uring at 1; files --fsync after a gap.
    with open(counted.charts.data("syscalls-async_uring.dat")) as dat:
        rows = [line.split() for line in dat if not line.startswith("#")]
    assert rows == [["1", "0", "1", "3", "0", "0", "2", "6"],
                    ["3", "0", "0", "1.2", "0", "0", "0", "1.2"]]


def test_a_step_that_did_not_run_is_said(counted):
    counted.meta["syscalls"] = dict(counted.meta["syscalls"], skipped="strace is not installed")
    assert list(section.section(counted)) == [
        "## System calls and threads per task", "",
        "Not counted in this run: strace is not installed.", ""]


def test_a_model_that_cannot_run_here_is_said_in_skipped(counted):
    counted.meta["models_unavailable"] = {"async_uring": "async_uring: io_uring_setup: "
                                                         "Operation not permitted"}
    lines = list(skipped.section(counted))
    assert lines[2] == "- async_uring: skipped: async_uring: io_uring_setup: Operation not permitted"


def test_syscalls_csv_s_columns_are_checked(tmp_path):
    (tmp_path / "syscalls.csv").write_text("model,calls\nsync,1\n")
    with pytest.raises(schema.ReportError, match="columns"):
        schema.load_table(str(tmp_path / "syscalls.csv"), schema.SYSCALL_FIELDS)
    assert schema.load_table(str(tmp_path / "absent.csv"), schema.SYSCALL_FIELDS) is None


# ---- The probe: a model that cannot set up here ----

def fake_program(tmp_path, body):
    path = tmp_path / "async_uring"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


def test_a_model_that_exits_3_is_unavailable_with_its_line(tmp_path):
    program = fake_program(tmp_path, 'echo "starting" >&2\n'
                                     'echo "async_uring: io_uring_setup: Operation not '
                                     'permitted" >&2; exit 3')
    assert model_unavailable(program, dict(os.environ)) == \
        "async_uring: io_uring_setup: Operation not permitted"


@pytest.mark.parametrize("body", ["exit 0", "echo 'a task failed' >&2; exit 1", "exit 2"])
def test_a_model_that_exits_otherwise_runs(tmp_path, body):
    assert model_unavailable(fake_program(tmp_path, body), dict(os.environ)) is None
