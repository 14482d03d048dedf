"""test_async_uring.py: the report's sweeps with a model that has no pool.

async_uring takes the window but has no thread pool: in the thread sweeps
it runs the base configuration once, as sync does, and the report draws
and says it flat, with the ideal of one thread. Made from the fixture's
results with async_uring given sync's runs of those sweeps (the same
command line: neither takes the sweep's knob), so that its words can be
told from what the models with a pool get.
"""

import csv
import json
import shutil

import pytest

from aiobench.ideal import sweep_titles
from aiobench.report import cpu_threads, threads
from aiobench.report.context import Context
from aiobench.report.results import Results
from conftest import RESULTS, RecordedCharts

SWEEPS = ("threads", "cpu-threads")


@pytest.fixture(scope="module")
def with_uring(tmp_path_factory):
    """The fixture's results, async_uring running sync's runs of SWEEPS."""
    folder = tmp_path_factory.mktemp("uring") / "results"
    shutil.copytree(RESULTS, folder)
    meta = json.loads((folder / "meta.json").read_text())
    meta["models"].append("async_uring")
    args = set()
    for group in meta["groups"]:
        if group["name"] in SWEEPS:
            for point in group["points"]:
                point["models"]["async_uring"] = dict(point["models"]["sync"])
                args.add(point["models"]["sync"]["args"])
    (folder / "meta.json").write_text(json.dumps(meta))
    with open(folder / "runs.csv", newline="") as runs:
        reader = csv.DictReader(runs)
        fields, rows = reader.fieldnames, list(reader)
    rows += [dict(row, model="async_uring") for row in rows
             if row["model"] == "sync" and row["args"] in args]
    with open(folder / "runs.csv", "w", newline="") as runs:
        writer = csv.DictWriter(runs, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return Context(Results(str(folder)), RecordedCharts(folder.parent))


def test_the_file_thread_sweep_says_it_has_no_pool(with_uring):
    lines = threads.threads_sentences(with_uring, with_uring.res.groups["threads"])
    mine = [line for line in lines if line.startswith("- async_uring")]
    # Its runs are sync's here: the same time as sync's flat line.
    assert "- sync writes one file at a time: 205 ms, drawn flat." in lines
    assert mine == ["- async_uring has no pool to size: the same run at every point, "
                    "205 ms, drawn flat."]
    # The models with a pool still get their fastest and slowest.
    assert any(line.startswith("- async_uv: fastest with ") for line in lines)


def test_the_cpu_thread_sweep_says_it_computes_on_one_thread(with_uring):
    group = with_uring.res.groups["cpu-threads"]
    lines = cpu_threads.cpu_threads_sentences(with_uring, group)
    mine = [line for line in lines if line.startswith("- async_uring")]
    assert len(mine) == 1 and mine[0].startswith(
        "- async_uring has no pool to compute on: it computes on its one thread whatever T, ")
    assert mine[0].endswith(", drawn flat.")


@pytest.mark.parametrize("sweep, title", [
    ("cpu-threads", "N*W (one thread)"),      # no pool: one thread computes
    ("window", "ceil(N/C)*L (window C)"),     # a window it has
    ("count", "L (all at once)"),
])
def test_its_ideal_line_is_titled_by_its_knobs(sweep, title):
    assert sweep_titles(sweep, ["async_uring", "sync"])["async_uring"] == title
