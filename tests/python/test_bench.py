"""test_bench.py: scripts/bench.py's small pure parts against known values.

Which counted run stands for a configuration (its trace is the one kept),
the size parser (checked beside report.py's and the Python client's, the
same fact in three places), the server's thread count, the window, the
ideal times, the client's command line and its exit status.
tests/integration/test_bench.sh runs the whole bench.
"""

import types

import pytest

from by_path import load

bench = load("scripts/bench.py", "bench")
report = load("scripts/report.py", "report")
peer = load("peers/python_asyncio", "python_asyncio")


def rows(*runs):
    """Counted rows as bench.py makes them: (status, wall_ms) a run."""
    return [{"status": status, "wall_ms": wall} for status, wall in runs]


# ---- The representative run: the median ----

# What report.Stat reads of a row besides status and wall_ms.
STAT_ROW = dict.fromkeys(report.NUMERIC)
del STAT_ROW["wall_ms"]


def test_median_run_of_an_odd_count_is_the_middle_one():
    assert bench.median_run(rows((0, 30.0), (0, 10.0), (0, 20.0))) == 2


def test_median_run_is_neither_the_fastest_nor_the_slowest():
    runs = rows((0, 12.0), (0, 50.0), (0, 31.0), (0, 8.0), (0, 20.0))
    assert bench.median_run(runs) == 4


def test_median_run_of_an_even_count_is_the_lower_middle_one():
    # 10, 20, 30, 40: the median time is 25, which no run took; 20 did.
    assert bench.median_run(rows((0, 40.0), (0, 10.0), (0, 30.0), (0, 20.0))) == 3
    assert bench.median_run(rows((0, 9.0), (0, 3.0))) == 1


def test_median_run_of_equal_times_is_the_earlier_run():
    assert bench.median_run(rows((0, 20.0), (0, 5.0), (0, 20.0))) == 0
    assert bench.median_run(rows((0, 7.0), (0, 7.0), (0, 7.0))) == 1
    # Twelve equal times: the 6th run in run order (sorted by the trace
    # files' names, runs 10 to 12 would come before run 2).
    runs = rows(*[(0, 1.0)] * 12)
    assert bench.median_run(runs) == 5


def test_median_run_counts_a_run_with_failed_tasks_as_the_report_does():
    # Status 1 (some tasks failed, the run went through) is timed by
    # report.Stat too: it takes part in the median.
    runs = rows((1, 10.0), (0, 30.0), (1, 20.0))
    assert bench.median_run(runs) == 2
    stat = report.Stat([{**r, **STAT_ROW} for r in runs])
    assert stat.median == runs[bench.median_run(runs)]["wall_ms"]


@pytest.mark.parametrize("failed", [
    (2, ""), (3, 5.0), ("timeout", ""), ("signal 9", ""), ("cannot run", ""), (0, ""),
])
def test_median_run_leaves_out_a_run_that_errored(failed):
    # Without the errored run (index 1), the median of 10, 20, 30: 20, index 2.
    runs = rows((0, 10.0), failed, (0, 20.0), (0, 30.0))
    assert bench.median_run(runs) == 2


def test_median_run_of_csv_cells():
    assert bench.median_run(rows(("0", "3.5"), ("0", "1.5"), ("1", "2.5"))) == 2


def test_median_run_of_no_timed_run_is_none():
    assert bench.median_run([]) is None
    assert bench.median_run(rows(("timeout", ""), (3, ""))) is None


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
    bench.keep_median_trace(types.SimpleNamespace(work=str(tmp_path)), spec)
    # Of 30, 10, 25 and 5 (those with a trace), the lower middle: 10, run 2.
    assert (tmp_path / "traces" / "fetch-sync.csv").read_text() == "run 2\n"


def test_no_trace_kept_without_a_timed_run(tmp_path):
    (tmp_path / "traces").mkdir()
    spec = types.SimpleNamespace(rows=rows(("timeout", "")), trace_paths=[str(tmp_path / "x")],
                                 trace_name="fetch", model="sync")
    bench.keep_median_trace(types.SimpleNamespace(work=str(tmp_path)), spec)
    assert list((tmp_path / "traces").iterdir()) == []


# ---- Sizes: K, M and G are powers of 1024 ----

SIZES = [("0", 0), ("512", 512), ("16K", 16384), ("256K", 262144), ("1M", 1048576),
         ("3M", 3 << 20), ("2G", 2 << 30), ("1024K", 1 << 20)]


@pytest.mark.parametrize("text, size", SIZES)
def test_parse_size(text, size):
    assert bench.parse_size(text) == size


@pytest.mark.parametrize("text, size", SIZES)
def test_the_report_and_the_python_client_read_sizes_alike(text, size):
    assert report.parse_size(text) == size
    assert peer.options.byte_count("--size")(text) == size


@pytest.mark.parametrize("text", ["", "K", "1.5M", "-1", "1 M", "1KB", "1T", " 1K", "1k"])
def test_parse_size_refuses(text):
    with pytest.raises(ValueError):
        bench.parse_size(text)


@pytest.mark.parametrize("size", [0, 512, 1536, 16384, 1 << 20, 3 << 30])
def test_sizes_read_back_from_the_report_s_words(size):
    words = report.fmt_size(size)
    number, unit = words.split()
    assert bench.parse_size(number + {"bytes": "", "KiB": "K", "MiB": "M", "GiB": "G"}[unit]) == size


# ---- The server, the window, the ideals ----

@pytest.mark.parametrize("in_flight, threads", [
    (0, 256), (192, 256), (193, 512), (448, 512), (449, 1024), (1000, 2048), (10000, 10000),
])
def test_server_threads_are_in_flight_and_a_margin_rounded_up_to_a_power_of_two(in_flight, threads):
    assert bench.server_threads_for(in_flight) == threads


@pytest.mark.parametrize("model, params, window", [
    ("sync", {"count": 100, "concurrency": 10}, 1),
    ("async_uv", {"count": 100}, 100),
    ("async_threads", {"count": 100, "concurrency": 10}, 10),
    ("async_coro", {"count": 100, "concurrency": 500}, 100),
    ("curl_parallel", {"count": 1000}, 300),
    ("curl_parallel", {"count": 100}, 100),
    ("python_asyncio", {"count": 3000}, 3000),
])
def test_window(model, params, window):
    assert bench.window_of(model, params) == window


FACTS = bench.Facts(dishes=[("soup", 3), ("rice", 2), ("tea", 1)], rounds=8000, cores=2)
FETCH = {"workload": "fetch", "count": 100, "latency_ms": 200}
PROCESS = {"workload": "fetch", "count": 50, "latency_ms": 100}


@pytest.mark.parametrize("model, params, task_ms, ideal", [
    ("sync", FETCH, None, 20000),                                   # N*L
    ("async_uv", FETCH, None, 200),                                 # L
    ("async_threads", dict(FETCH, concurrency=30), None, 800),      # ceil(100/30) * L
    ("sync", {"workload": "cook"}, None, 6000),                     # the sum of the dishes
    ("async_coro", {"workload": "cook"}, None, 3000),               # the longest
    ("async_uv", {"workload": "cook", "time_scale": 0.1}, None, 300),
    ("sync", {"workload": "files", "count": 10, "size": "1M"}, None, None),
    ("sync", {"workload": "cpu", "count": 8}, 50, 400),             # N*W on one thread
    ("async_threads", {"workload": "cpu", "count": 8}, 50, 200),    # over min(8, 2 cores)
    ("async_uv", {"workload": "cpu", "count": 8}, None, None),      # no W measured
    ("sync", dict(PROCESS, process_ms=20), None, 6000),             # N*(L+P)
    ("async_uv", dict(PROCESS, process_ms=20), None, 120),          # L+P
    ("async_uv", dict(PROCESS, process_ms=20, blocking_process=True), None, 1100),   # L + N*P
    ("async_threads", dict(PROCESS, process_cpu_ms=20), None, 600),  # L + N*P/min(T, cores)
    ("async_uv", dict(PROCESS, process_cpu_ms=20), None, 1100),     # the loop computes alone
    ("async_uv", {"workload": "fetch", "count": 100}, None, None),  # another server's latency
])
def test_ideal_ms(model, params, task_ms, ideal):
    got = bench.ideal_ms(model, params, FACTS, task_ms)
    assert got == (None if ideal is None else pytest.approx(ideal))


# ---- The client's command line and its exit status ----

@pytest.mark.parametrize("model, params, args", [
    ("async_threads", dict(FETCH, concurrency=10),
     ["fetch", "-n", "100", "--latency-ms", "200", "--concurrency", "10"]),
    ("sync", dict(FETCH, concurrency=10), ["fetch", "-n", "100", "--latency-ms", "200"]),
    ("async_uv", {"workload": "download", "count": 3, "latency_ms": 10, "size": "16K"},
     ["download", "-n", "3", "--latency-ms", "10", "--size", "16K"]),
    ("sync", {"workload": "files", "count": 3, "size": "16K", "fsync": True},
     ["files", "-n", "3", "--size", "16K", "--fsync"]),
    ("async_coro", {"workload": "cook", "time_scale": 0.1}, ["cook", "--time-scale", "0.1"]),
    ("async_uv", {"workload": "cpu", "count": 8, "offload": True, "threads": 4},
     ["cpu", "-n", "8", "--offload", "--uv-threadpool", "4"]),
])
def test_client_args(model, params, args):
    assert bench.client_args(model, params) == args


@pytest.mark.parametrize("returncode, status", [
    (0, 0), (1, 1), (3, 3), (130, 130), (143, 143), (129, 129),
    (137, "signal 9"), (139, "signal 11"), (-9, "signal 9"),
])
def test_exit_status(returncode, status):
    assert bench.exit_status(returncode) == status


@pytest.mark.parametrize("seconds, shown", [(0, "0:00"), (59.4, "0:59"), (59.6, "1:00"),
                                            (125, "2:05"), (3600, "60:00")])
def test_clock(seconds, shown):
    assert bench.clock(seconds) == shown


def test_last_line_of_a_text():
    assert bench.last_line("one\ntwo  \n\n  \n", is_path=False) == "two"
    assert bench.last_line("", is_path=False) == ""
