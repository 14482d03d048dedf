"""test_runner.py: the runner's small parts against known values.

Which counted run stands for a configuration (its trace is the one kept:
the median run, as the report's Stat times it), a client's exit status
through the shell, the progress clock, the last line of a message, and a
second stop signal during the cleanup of the first.
tests/integration/test_bench.sh runs the whole bench.
"""

import os
import signal
import time
import types

import pytest

from aiobench import bench, process, progress, runner, schema, stats
from aiobench.errors import Interrupted


def rows(*runs):
    """Counted rows as the runner makes them: (status, wall_ms) a run."""
    return [{"status": status, "wall_ms": wall} for status, wall in runs]


# ---- The representative run: the median ----

# What stats.Stat reads of a row besides status and wall_ms.
STAT_ROW = dict.fromkeys(schema.NUMERIC)
del STAT_ROW["wall_ms"]


def test_median_run_of_an_odd_count_is_the_middle_one():
    assert runner.median_run(rows((0, 30.0), (0, 10.0), (0, 20.0))) == 2


def test_median_run_is_neither_the_fastest_nor_the_slowest():
    runs = rows((0, 12.0), (0, 50.0), (0, 31.0), (0, 8.0), (0, 20.0))
    assert runner.median_run(runs) == 4


def test_median_run_of_an_even_count_is_the_lower_middle_one():
    # 10, 20, 30, 40: the median time is 25, which no run took; 20 did.
    assert runner.median_run(rows((0, 40.0), (0, 10.0), (0, 30.0), (0, 20.0))) == 3
    assert runner.median_run(rows((0, 9.0), (0, 3.0))) == 1


def test_median_run_of_equal_times_is_the_earlier_run():
    assert runner.median_run(rows((0, 20.0), (0, 5.0), (0, 20.0))) == 0
    assert runner.median_run(rows((0, 7.0), (0, 7.0), (0, 7.0))) == 1
    # Twelve equal times: the 6th run in run order (sorted by the trace
    # files' names, runs 10 to 12 would come before run 2).
    runs = rows(*[(0, 1.0)] * 12)
    assert runner.median_run(runs) == 5


def test_median_run_counts_a_run_with_failed_tasks_as_the_report_does():
    # Status 1 (some tasks failed, the run went through) is timed by
    # stats.Stat too: it takes part in the median.
    runs = rows((1, 10.0), (0, 30.0), (1, 20.0))
    assert runner.median_run(runs) == 2
    stat = stats.Stat([{**r, **STAT_ROW} for r in runs])
    assert stat.median == runs[runner.median_run(runs)]["wall_ms"]


@pytest.mark.parametrize("failed", [
    (2, ""), (3, 5.0), ("timeout", ""), ("signal 9", ""), ("cannot run", ""), (0, ""),
])
def test_median_run_leaves_out_a_run_that_errored(failed):
    # Without the errored run (index 1), the median of 10, 20, 30: 20, index 2.
    runs = rows((0, 10.0), failed, (0, 20.0), (0, 30.0))
    assert runner.median_run(runs) == 2


def test_median_run_of_csv_cells():
    assert runner.median_run(rows(("0", "3.5"), ("0", "1.5"), ("1", "2.5"))) == 2


def test_median_run_of_no_timed_run_is_none():
    assert runner.median_run([]) is None
    assert runner.median_run(rows(("timeout", ""), (3, ""))) is None


def test_the_median_run_s_trace_is_the_one_kept(tmp_path):
    (tmp_path / "traces").mkdir()
    paths = []
    for run, wall in enumerate((30, 10, 20, 25, 5), 1):
        path = tmp_path / f"fetch-sync-{run}.csv"
        path.write_text(f"run {run}\n")
        paths.append(str(path))
    paths[2] = str(tmp_path / "never-written.csv")     # run 3 (20 ms) left no trace
    spec = types.SimpleNamespace(
        rows=rows((0, 30.0), (0, 10.0), (0, 20.0), (0, 25.0), (0, 5.0)),
        trace_paths=paths, trace_name="fetch", model="sync")
    runner.keep_median_trace(types.SimpleNamespace(work=str(tmp_path)), spec)
    # Of 30, 10, 25 and 5 (those with a trace), the lower middle: 10, run 2.
    assert (tmp_path / "traces" / "fetch-sync.csv").read_text() == "run 2\n"


def test_no_trace_kept_without_a_timed_run(tmp_path):
    (tmp_path / "traces").mkdir()
    spec = types.SimpleNamespace(rows=rows(("timeout", "")), trace_paths=[str(tmp_path / "x")],
                                 trace_name="fetch", model="sync")
    runner.keep_median_trace(types.SimpleNamespace(work=str(tmp_path)), spec)
    assert list((tmp_path / "traces").iterdir()) == []


# ---- A client's exit status, the clock, a message's last line ----

@pytest.mark.parametrize("returncode, status", [
    (0, 0), (1, 1), (3, 3), (130, 130), (143, 143), (129, 129),
    (137, "signal 9"), (139, "signal 11"), (-9, "signal 9"),
])
def test_exit_status(returncode, status):
    assert process.exit_status(returncode) == status


@pytest.mark.parametrize("seconds, shown", [(0, "0:00"), (59.4, "0:59"), (59.6, "1:00"),
                                            (125, "2:05"), (3600, "60:00")])
def test_clock(seconds, shown):
    assert progress.clock(seconds) == shown


def test_last_line_of_a_text():
    assert process.last_line("one\ntwo  \n\n  \n", is_path=False) == "two"
    assert process.last_line("", is_path=False) == ""


# ---- A stop signal, and the one after it ----

def test_a_second_stop_signal_does_not_interrupt_the_cleanup_the_first_began():
    saved = {signum: signal.getsignal(signum) for signum in bench.STOP_SIGNALS}
    try:
        for signum in bench.STOP_SIGNALS:
            signal.signal(signum, bench.on_signal)
        with pytest.raises(Interrupted):
            os.kill(os.getpid(), signal.SIGHUP)
            time.sleep(5)   # the handler raises before this ends
        # timeout(1) sends its signal again to the process group; Ctrl-C may follow.
        os.kill(os.getpid(), signal.SIGHUP)
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.01)
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)
