"""test_reference_figures.py: figures quoted from the reference step's reference.json.

A term `reference=C; client=X; stat=S` reads the record of client X in
comparison C of the results' reference.json (scripts/aiobench/
reference_figures.py, tests/tools/check_figures.py's docstring). Here,
against the fixture's reference.json: a median, a wall_ms and a ratio of
two clients hold; a wrong number, an unknown comparison, client or stat, a
malformed term, a ratio across the reference step and a bench config, a
number the record lacks, and a folder without reference.json fail, saying
why. The lesson's 'Figures from' line leaves reference figures out.
"""

import json
import shutil

import pytest

from aiobench.figures import FigureError, Runs, check_figure, figures_of, run_range
from aiobench.sources import SOURCES, source_problems
from conftest import RESULTS

CORO = "reference=download; client=async_coro; stat=median"
CURL = "reference=download; client=curl_parallel; stat=median"

with open(f"{RESULTS}/reference.json") as reference_file:
    RECORDS = {(r["comparison"], r["client"]): r for r in json.load(reference_file)}


@pytest.fixture(scope="module")
def runs():
    return Runs(RESULTS)


def fails(runs, text, title):
    with pytest.raises(FigureError) as caught:
        check_figure(runs, text, title)
    return str(caught.value)


def test_a_median_a_wall_and_a_ratio_hold(runs):
    coro, curl = RECORDS[("download", "async_coro")], RECORDS[("download", "curl_parallel")]
    check_figure(runs, f"{coro['whole_ms']:.1f} ms", CORO)
    check_figure(runs, f"{coro['whole_ms'] / 1000:.3f} s", CORO)
    check_figure(runs, f"{coro['wall_ms']:.0f} ms",
                 "reference=download; client=async_coro; stat=wall_ms")
    check_figure(runs, f"{coro['ratio']:.3f}×",
                 "reference=download; client=async_coro; stat=ratio")
    check_figure(runs, f"{coro['whole_ms'] / curl['whole_ms']:.3f}×", f"{CORO} / {CURL}")
    # The fetch comparison is read as well, its own records.
    pool = RECORDS[("fetch", "plain_pool")]
    check_figure(runs, f"{pool['whole_ms']:.1f} ms",
                 "reference=fetch; client=plain_pool; stat=median")


def test_a_wrong_number_fails_with_the_value(runs):
    coro = RECORDS[("download", "async_coro")]
    why = fails(runs, f"{coro['whole_ms'] + 1:.1f} ms", CORO)
    assert why == f"shown {coro['whole_ms'] + 1:.1f}, but the value rounds to {coro['whole_ms']:.1f}"
    assert "does not fit a time value" in fails(runs, f"{coro['whole_ms']:.1f} KB", CORO)


@pytest.mark.parametrize("title, why", [
    ("reference=upload; client=async_coro; stat=median", "unknown comparison 'upload'"),
    ("reference=download; client=plain_pool; stat=median",
     "no record of client 'plain_pool' in comparison 'download' (it has curl_parallel, "),
    ("reference=download; client=async_coro; stat=mean", "unknown reference stat 'mean'"),
    ("reference=download; client=curl_parallel; stat=wall_ms",
     "no wall_ms for client 'curl_parallel' in comparison 'download'"),
    ("reference=download; stat=median", "malformed title term"),
    ("reference=download; client=async_coro; stat=median; model=sync", "malformed title term"),
    (f"{CORO} / config=headline fetch; model=sync; stat=median",
     "a ratio across two configs (the reference step's 'download' / config 'headline fetch')"),
    (f"{CORO} / reference=fetch; client=async_coro; stat=median",
     "a ratio across two configs (the reference step's 'download' / the reference step's 'fetch')"),
])
def test_a_term_the_run_does_not_have_fails_saying_why(runs, title, why):
    assert why in fails(runs, "1 ms", title)


def test_a_folder_without_reference_json_fails(tmp_path):
    shutil.copy(f"{RESULTS}/runs.csv", tmp_path / "runs.csv")
    assert "a reference term needs " in fails(Runs(str(tmp_path)), "1 ms", CORO)


def test_a_link_to_reference_json_is_a_figure_and_has_no_run_range(runs):
    text = f'It took [1 ms](../results/reference.json "{CORO}").'
    assert [(t, title) for _, t, title, _, _ in figures_of(text)] == [("1 ms", CORO)]
    assert run_range(runs, CORO, "ms") is None


def test_the_figures_from_line_leaves_reference_figures_out(runs):
    fetch = "config=headline fetch; model=sync; stat=median"
    alone = "\n".join(["## 1. A step", "", f'[1 ms](../results/reference.json "{CORO}")'])
    assert list(source_problems(runs, alone)) == []
    both = "\n".join(["## 1. A step", "", f'[1 ms](../results/reference.json "{CORO}")',
                      f'[1 ms](../results/runs.csv "{fetch}")', "",
                      f"{SOURCES}`headline fetch` (`fetch -n 100 --latency-ms 200`)."])
    assert list(source_problems(runs, both)) == []
