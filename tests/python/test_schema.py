"""test_schema.py: runs.csv and meta.json, defined once (aiobench/schema.py).

The committed run's files have exactly the columns and keys the schema
names, and meta.build_meta writes exactly those keys; a CSV cell read as a
number; the one size reader (K, M and G are powers of 1024), which the
Python client's option reader and the report's words agree with; and the
server's thread cap, the Python copy of base/bounds.h's.
"""

import csv
import json
import os
import re
import types

import pytest

from aiobench import meta, plan, schema, server
from aiobench.reference_step import Reference
from aiobench.syscall_step import SyscallStep
from aiobench.report import words
from by_path import ROOT, load
from conftest import RESULTS

peer = load("peers/python_asyncio", "python_asyncio")


# ---- runs.csv and meta.json ----

@pytest.mark.parametrize("folder", [RESULTS, os.path.join(ROOT, "results")])
def test_runs_csv_has_the_schema_s_columns(folder):
    with open(os.path.join(folder, "runs.csv"), newline="") as runs_file:
        header = next(csv.reader(runs_file))
    # Results older than a column lack it, and only such columns.
    assert header == [f for f in schema.RUN_FIELDS
                      if f in header or f not in schema.RUN_FIELDS_LATER]


def test_the_later_columns_are_read_as_empty_from_older_results():
    assert set(schema.RUN_FIELDS_LATER) <= set(schema.NUMERIC)
    rows = schema.load_runs(os.path.join(RESULTS, "runs.csv"))
    assert all(row[f] is None for row in rows for f in schema.RUN_FIELDS_LATER)


def test_the_columns_read_as_numbers_and_as_words():
    assert set(schema.NUMERIC) | set(schema.TEXT_FIELDS) == set(schema.RUN_FIELDS)
    assert not set(schema.NUMERIC) & set(schema.TEXT_FIELDS)
    assert set(schema.SUMMARY_FIELDS) <= set(schema.RUN_FIELDS)
    assert set(schema.METRICS) <= set(schema.NUMERIC)
    assert set(schema.KEY_COLUMNS) <= set(schema.TEXT_FIELDS)


def test_load_runs_reads_numbers_and_leaves_words():
    rows = schema.load_runs(os.path.join(RESULTS, "runs.csv"))
    first = rows[0]
    assert isinstance(first["wall_ms"], float) and isinstance(first["count"], int)
    assert first["status"] == "0" and first["run"] == "1"
    assert all(row[f] is None or isinstance(row[f], (int, float))
               for row in rows for f in schema.NUMERIC)


@pytest.mark.parametrize("folder", [RESULTS, os.path.join(ROOT, "results")])
def test_meta_json_has_the_schema_s_keys(folder):
    with open(os.path.join(folder, "meta.json")) as meta_file:
        data = json.load(meta_file)
    # Results older than a key lack it, and only such keys.
    assert tuple(data) == tuple(k for k in schema.META_KEYS
                                if k in data or k not in schema.META_KEYS_LATER)
    entries = [e for g in data["groups"] for p in g["points"] for e in p["models"].values()]
    assert entries and all(tuple(e) == schema.POINT_KEYS for e in entries)


def test_build_meta_writes_the_schema_s_keys():
    facts = plan.Facts([("soup", 3)], 8000, 2)
    configs, groups = plan.plan_configs(plan.PLANS["tiny"], ["sync"], facts)
    ctx = types.SimpleNamespace(
        progress=types.SimpleNamespace(started=0.0), mode="tiny", runs=1, bin_dir="bin",
        server=types.SimpleNamespace(program=None, starts=[], urls=[]), external_url=None,
        verify=None, path=None, out="results", plan=plan.PLANS["tiny"], models=["sync"],
        reference_clients={name: {"skipped": "not here", "version": ""}
                           for name in ("python_asyncio", "curl_parallel")},
        facts=facts, calibrations=[], pid_max=32768, nofile_hard=1024, versions={},
        reference=Reference([], None, 0.0, skip="not here"), errors=[],
        unavailable={"async_uring": "no io_uring here"},
        syscall_step=SyscallStep({"count": 5}, skip="not here"))
    written = meta.build_meta(ctx, groups, "start", "end")
    assert tuple(written) == schema.META_KEYS
    assert json.loads(json.dumps(written))["groups"][0]["points"][0]["models"]["sync"].keys() \
        == set(schema.POINT_KEYS)


@pytest.mark.parametrize("text, value", [
    ("", None), (None, None), ("abc", None), ("12", 12), ("-3", -3), ("12.0", 12.0),
    ("1e3", 1000.0), ("0.25", 0.25),
])
def test_number(text, value):
    got = schema.number(text)
    assert got == value and type(got) is type(value)


# ---- The server's thread cap: one value, in C and in Python ----

def test_the_server_s_thread_cap_is_mock_server_s():
    with open(os.path.join(ROOT, "base", "bounds.h")) as header:
        match = re.search(r"#define\s+THREADS_MAX\s+(\d+)L?\b", header.read())
    assert match, "base/bounds.h defines THREADS_MAX no more"
    assert server.SERVER_THREADS_MAX == int(match.group(1))


# ---- Sizes: K, M and G are powers of 1024 ----

SIZES = [("0", 0), ("512", 512), ("16K", 16384), ("256K", 262144), ("1M", 1048576),
         ("3M", 3 << 20), ("2G", 2 << 30), ("1024K", 1 << 20)]


@pytest.mark.parametrize("text, size", SIZES)
def test_parse_size(text, size):
    assert schema.parse_size(text) == size


@pytest.mark.parametrize("text, size", SIZES)
def test_the_python_client_reads_sizes_alike(text, size):
    assert peer.options.byte_count("--size")(text) == size


@pytest.mark.parametrize("text", ["", "K", "1.5M", "-1", "1 M", "1KB", "1T", " 1K", "1k"])
def test_parse_size_refuses(text):
    with pytest.raises(ValueError):
        schema.parse_size(text)


@pytest.mark.parametrize("size", [0, 512, 1536, 16384, 1 << 20, 3 << 30])
def test_sizes_read_back_from_the_report_s_words(size):
    number, unit = words.fmt_size(size).split()
    assert schema.parse_size(number + {"bytes": "", "KiB": "K", "MiB": "M", "GiB": "G"}[unit]) == size
