"""test_peer.py: peers/python_asyncio's summary arithmetic against known values.

Its percentiles (p50, p90, p99, max) must be the C clients' own: the cases
are read from tests/unit/percentile_cases.h, which test_summary.c holds
client/summary.c's percentile() to, so that one table pins both. Then the
summary over task records, as test_summary.c computes it for the C side.
"""

import os
import re
import types

import pytest

from by_path import ROOT, load

peer = load("peers/python_asyncio", "python_asyncio")

CASES_PATH = os.path.join(ROOT, "tests", "unit", "percentile_cases.h")
NUMBER = r"-?[0-9]+(?:\.[0-9]+)?"


def percentile_cases():
    """(p, expected, sorted values) of each PERCENTILE_CASE line."""
    cases = []
    with open(CASES_PATH) as header:
        for line in header:
            match = re.fullmatch(r"PERCENTILE_CASE\((.*)\)\s*", line)
            if match is None:
                continue
            cells = [c.strip() for c in match[1].split(",")]
            assert all(re.fullmatch(NUMBER, c) for c in cells), line
            p, expected, *values = [float(c) if "." in c else int(c) for c in cells]
            cases.append((p, expected, values))
    return cases


CASES = percentile_cases()


def test_the_shared_cases_are_read():
    # A change of the header's format must not leave this file testing nothing.
    with open(CASES_PATH) as header:
        lines = sum(line.startswith("PERCENTILE_CASE(") for line in header)
    assert len(CASES) == lines >= 20


@pytest.mark.parametrize("p, expected, values", CASES,
                         ids=[f"p{p}-of-{len(v)}" for p, _, v in CASES])
def test_percentile_is_the_c_clients_nearest_rank(p, expected, values):
    assert values == sorted(values)
    assert peer.percentile(values, p) == expected


def test_percentile_of_no_values_is_0():
    assert peer.percentile([], 50) == 0.0


def record(ident, state, start_ms, end_ms, attempts, cause=None, size=0, checksum=0):
    rec = peer.TaskRecord(ident)
    rec.state, rec.start_ms, rec.end_ms, rec.attempts = state, start_ms, end_ms, attempts
    rec.cause, rec.bytes, rec.checksum = cause, size, checksum
    return rec


def summary_of(records, rate=0):
    opts = types.SimpleNamespace(workload="download", latency_ms=5, size_bytes=2048, rate=rate)
    run = types.SimpleNamespace(opts=opts, records=records, concurrency=8, cancelled=False)
    usage = types.SimpleNamespace(ru_utime=1.5, ru_stime=0.25, ru_maxrss=4096)
    return peer.summarize(run, 42.0, usage, usage)


def test_summary_of_test_summary_c_s_four_tasks():
    # The records of tests/unit/test_summary.c: two completed (one after two
    # retries), one timed out after a retry, one cancelled before it started.
    summary = summary_of([
        record(1, "completed", 0, 10, 1, size=100, checksum=11),
        record(2, "completed", 5, 25, 3, size=50, checksum=22),
        record(3, "failed", 1, 31, 2, cause="timeout", size=7),
        record(4, "failed", 40, 40, 0, cause="cancelled"),
    ])
    assert (summary["count"], summary["ok"], summary["failed"], summary["retries"]) == (4, 2, 2, 3)
    assert summary["bytes"] == 150                     # the completed tasks' only
    assert summary["failures"]["timeout"] == summary["failures"]["cancelled"] == 1
    # Durations of the three that ran: 10, 20, 30; the one that never started is none.
    assert [summary[k] for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms")] == [20, 30, 30, 30]


def test_summary_percentiles_are_p50_p90_p99_and_max():
    # Ten tasks that took 1..10 ms, in no order, and two that never ended.
    took = [7, 3, 10, 1, 9, 2, 8, 4, 6, 5]
    records = [record(i + 1, "completed", 100.0, 100.0 + ms, 1) for i, ms in enumerate(took)]
    records += [record(11, "running", 0, 0, 1), record(12, "pending", 0, 0, 0)]
    summary = summary_of(records)
    assert [summary[k] for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms")] == [5, 9, 10, 10]


def test_summary_without_a_task_that_ran():
    summary = summary_of([record(1, "failed", 0, 0, 0, cause="cancelled")])
    assert [summary[k] for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms")] == [0, 0, 0, 0]


def test_intended_start_is_client_run_c_s_schedule():
    assert [peer.intended_start_ms(4, i) for i in (0, 1, 3)] == [0, 250, 750]
    assert peer.intended_start_ms(0.5, 1) == 2000
    assert peer.intended_start_ms(0, 999) == 0      # no --rate: all at once


def test_summary_latency_from_intended_and_start_late():
    # --rate 100: tasks meant at 0, 10, 20 ms; started 0, 15, 40; took 5 each.
    records = []
    for i, start in enumerate((0, 15, 40)):
        rec = record(i + 1, "completed", start, start + 5, 1)
        rec.intended_ms = peer.intended_start_ms(100, i)
        records.append(rec)
    records.append(record(4, "failed", 50, 50, 0, cause="cancelled"))  # never started
    summary = summary_of(records, rate=100)
    assert summary["rate"] == 100
    assert [summary[f"latency_from_start_{k}_ms"] for k in ("p50", "p99", "max")] == [5, 5, 5]
    assert [summary[f"latency_from_intended_{k}_ms"] for k in ("p50", "p99", "max")] == [10, 25, 25]
    assert [summary[f"start_late_{k}_ms"] for k in ("p50", "p99", "max")] == [5, 20, 20]


# ---- Its options, read as base/units.c reads them (scripts/options.py) ----

@pytest.mark.parametrize("text, size", [("0", 0), ("512", 512), ("16k", 16384), ("1M", 1 << 20),
                                        ("1m", 1 << 20), ("16G", 16 << 30)])
def test_byte_count(text, size):
    assert peer.options.byte_count("--size")(text) == size


@pytest.mark.parametrize("text", ["", "1.5M", "-1", "17G", "16385M", "1KB", "K", " 1"])
def test_byte_count_refuses(text):
    with pytest.raises(peer.UsageError, match="--size: '.*' is not a byte count from 0 to 16G"):
        peer.options.byte_count("--size")(text)


@pytest.mark.parametrize("text, good", [("0", True), ("100", True), ("101", False), ("-1", False),
                                        ("+5", False), ("5 ", False), ("", False), ("1e2", False)])
def test_whole_number(text, good):
    retries = peer.options.whole_number("--retries", 0, 100)
    if good:
        assert retries(text) == int(text)
    else:
        with pytest.raises(peer.UsageError, match="--retries: '.*' is not a whole number from 0 to 100"):
            retries(text)
