"""test_report.py: the report's numbers and words against known values.

The helpers that turn a figure into text (times, ratios, sizes, the words
of a comparison, a configuration described), what one waiting task costs,
and the small computations under the charts. test_report_sections.py holds
each section to the fixture's report; tests/integration/test_bench.sh
makes a whole report; tests/tools/check_figures.py holds the documents to it.
"""

import pytest

from aiobench.report import charts, results, server, timelines, words


# ---- Words and numbers ----

@pytest.mark.parametrize("ms, shown", [
    (None, "n/a"), (0, "0.00 ms"), (0.5, "0.50 ms"), (0.994, "0.99 ms"),
    (0.996, "0.996 ms"), (0.9996, "1 ms"), (1, "1 ms"),     # not "1.00 ms" beside "1 ms"
    (4.2, "4.2 ms"), (212, "212 ms"), (999.4, "999 ms"),
    (999.5, "1 s"), (1000, "1 s"), (1050, "1.05 s"), (20100, "20.1 s"),
    (99940, "99.9 s"), (99950, "100 s"), (123456, "123 s"),
])
def test_time_has_three_significant_digits(ms, shown):
    assert words.fmt_time(ms) == shown


@pytest.mark.parametrize("x, shown", [
    (None, "n/a"), (1, "1.00x"), (1.05, "1.05x"), (9.994, "9.99x"), (9.996, "10.0x"),
    (19.1, "19.1x"), (95, "95.0x"), (99.94, "99.9x"), (99.96, "100x"), (1234, "1234x"),
])
def test_ratio_has_three_significant_digits(x, shown):
    assert words.fmt_ratio(x) == shown


def test_mib():
    assert words.fmt_mib(2048) == "2.0 MiB"
    assert words.fmt_mib(None) == "n/a"


def test_ratio_of_nothing():
    assert words.ratio(10, 4) == 2.5
    assert words.ratio(None, 4) is None and words.ratio(10, 0) is None


@pytest.mark.parametrize("a, b, said", [
    (100, 105, "about as fast as"),          # within SAME_WITHIN, 10%
    (105, 100, "about as fast as"),
    (100, 110, "1.10x faster than"),         # 10% is no longer "about"
    (200, 100, "2.00x slower than"),
    (10, 1000, "100x faster than"),
    (None, 100, "not comparable with"), (100, 0, "not comparable with"),
])
def test_comparison_words(a, b, said):
    assert words.compare(a, b) == said


@pytest.mark.parametrize("size, shown", [
    (0, "0 bytes"), (1000, "1000 bytes"), (1024, "1 KiB"), (1536, "1536 bytes"),
    (16384, "16 KiB"), (1 << 20, "1 MiB"), (3 << 30, "3 GiB"),
])
def test_size(size, shown):
    assert words.fmt_size(size) == shown


DISHES = [("soup", 3), ("rice", 2), ("tea", 1)]


@pytest.mark.parametrize("params, long, short", [
    ({"workload": "fetch", "count": 100, "latency_ms": 200},
     "100 items at 200 ms each, no window", "100 x 200 ms"),
    ({"workload": "fetch", "count": 100, "latency_ms": 200, "concurrency": 10},
     "100 items at 200 ms each, window 10", "100 x 200 ms"),
    ({"workload": "fetch", "count": 50, "latency_ms": 100, "process_ms": 20, "blocking_process": True},
     "50 items at 100 ms each, then a 20 ms pause each as a blocking sleep, no window",
     "50 x 100 ms + 20 ms"),
    ({"workload": "fetch", "count": 100},
     "100 items at the server's own latency each, no window", "100 x the server's own latency"),
    ({"workload": "download", "count": 100, "latency_ms": 200, "size": "1M"},
     "100 blobs of 1 MiB at 200 ms each, no window", "100 x 1MiB, 200 ms"),
    ({"workload": "files", "count": 100, "size": "16K", "fsync": True},
     "100 files of 16 KiB, each fsynced", "100 x 16KiB"),
    ({"workload": "cook", "time_scale": 0.1}, "3 dishes of 0.3 s, 0.2 s, 0.1 s", "0.3 + 0.2 + 0.1 s"),
    ({"workload": "cpu", "count": 8, "rounds": 8000, "offload": True},
     "8 tasks of 8,000 rounds, computed on libuv's pool", "8 x 8,000 rounds"),
])
def test_a_configuration_described(params, long, short):
    assert words.describe(params, DISHES) == long
    assert words.short_describe(params, DISHES) == short


def test_task_cost_parts_are_clamped_at_0():
    cost = results.TaskCost(counts=[1, 10], rss_kb=12.0, user_us=3.0, sys_us=1.0,
                            stack_kb=8.0, state_kb=None)
    assert cost.parts() == (8.0, 0, 4.0)
    assert cost.cpu_us == 4.0
    assert results.TaskCost([1], 5.0, 0, 0, 8.0, 1.0).parts() == (8.0, 1.0, 0.0)


# ---- Under the charts ----

def span(start_ms, end_ms):
    return {"start_ms": start_ms, "end_ms": end_ms}


@pytest.mark.parametrize("spans, most", [
    ([], 0),
    ([span(0, 10), span(10, 20), span(20, 30)], 1),         # a staircase: an end before a start
    ([span(0, 10), span(5, 15), span(10, 20)], 2),
    ([span(0, 10)] * 5, 5),                                 # a wall
    ([span(0, 10), span(None, 5), span(2, None)], 1),       # unfinished spans are left out
])
def test_max_overlap(spans, most):
    assert timelines.max_overlap(spans) == most


def test_log_range():
    assert charts.log_range([10, 100]) == pytest.approx((8, 125))
    assert charts.log_range([0, None]) == pytest.approx((0.8, 1.25))


@pytest.mark.parametrize("value, literal", [("it's", "'it''s'"), (True, "1"), (False, "0"),
                                            (3, "3"), (2.5, "2.5")])
def test_gnuplot_literal(value, literal):
    assert charts.gp_value(value) == literal


def test_gnuplot_tics():
    assert charts.gp_tics("x", [('say "hi"', 1), ("b", 2.5)]) == "set xtics (\"say 'hi'\" 1, \"b\" 2.5)"


@pytest.mark.parametrize("model, sweep, value, params, want", [
    ("sync", "count", 1000, {"count": 100}, 1),
    ("async_uv", "count", 1000, {"count": 100}, 1000),
    ("async_threads", "window", 10, {"count": 100, "concurrency": 30}, 10),
    ("async_coro", "latency", 50, {"count": 100, "concurrency": 30}, 30),
    ("async_coro", "window", 300, {"count": 100}, 100),
])
def test_in_flight(model, sweep, value, params, want):
    assert server.in_flight(model, params, sweep, value) == want
