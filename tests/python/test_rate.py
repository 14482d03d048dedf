"""test_rate.py: the rate sweep, from the plan to the report's chart.

The plan runs it for sync and async_uv only, each with --rate on its
command line; the ideals under --rate (the run's wall time, and the p99
from the intended start the chart draws); and the report's section, made
from the fixture's results with a small rate sweep of its own added
(the committed run has none): the chart's two lines per model read the
two columns they name, its ideals bend at 1/L, its caption says what each
mark means and where 1/L is, and the sentences give the figures.
tests/integration/test_bench.sh runs the sweep in a whole tiny bench.
"""

import csv
import json
import shutil

import pytest

from aiobench import models, plan
from aiobench.ideal import ideal_ms, ideal_words, intended_p99
from aiobench.report import rate as section
from aiobench.report.context import Context
from aiobench.report.results import Results
from aiobench.schema import RUN_FIELDS
from conftest import RESULTS, RecordedCharts

FACTS = plan.Facts([("probe", 0.001)], 8000, 2)
BASE = {"workload": "fetch", "count": 8, "latency_ms": 200}


# ---- The plan ----

@pytest.mark.parametrize("mode", ["full", "quick", "tiny"])
def test_every_plan_sweeps_the_rate_across_1_over_l_with_sync_and_async_uv(mode):
    sweep = next(s for s in plan.PLANS[mode]["sweeps"] if s["name"] == "rate")
    per_second = 1000 / sweep["base"]["latency_ms"]
    assert sweep["values"][0] < per_second < sweep["values"][-1]
    configs, groups = plan.plan_configs(plan.PLANS[mode], list(models.MODELS), FACTS)
    group = next(g for g in groups if g["name"] == "rate")
    assert group["models"] == ["sync", "async_uv"]
    for point in group["points"]:
        assert sorted(point["specs"]) == ["async_uv", "sync"]
        for spec in point["specs"].values():
            assert spec.args[-2:] == ["--rate", f"{point['value']:g}"]
            assert spec.skip is None
    rate_configs = [c for c in configs if c.sweep == "rate"]
    assert len(rate_configs) == len(sweep["values"])


def test_the_full_rate_sweep_fits_its_minute():
    configs, _ = plan.plan_configs(plan.PLANS["full"], list(models.MODELS), FACTS)
    runs = 1 + plan.PLANS["full"]["runs"]             # the warm-up and the counted runs
    seconds = sum(s.estimate_s for c in configs if c.sweep == "rate" for s in c.specs) * runs
    assert 30 < seconds < 75


def test_a_sweep_without_models_runs_every_model():
    _, groups = plan.plan_configs(plan.PLANS["tiny"], list(models.MODELS), FACTS)
    window = next(g for g in groups if g["name"] == "window")
    assert window["models"] == list(models.MODELS)


def test_the_rate_sweep_is_not_run_against_another_server():
    external = plan.external_plan(plan.PLANS["full"], "id", None)
    assert "rate" not in [s["name"] for s in external["sweeps"]]


# ---- The ideals under --rate ----

@pytest.mark.parametrize("model, rate, wall, p99", [
    # all at once: the last start at (N-1)/R, then L; from its time, L
    ("async_uv", 3, 7 * 1000 / 3 + 200, 200),
    ("async_uv", 50, 7 * 20 + 200, 200),
    # one at a time: N*L once R > 1/L; the last task 8*L - 7/R from its time
    ("sync", 3, 7 * 1000 / 3 + 200, 200),
    ("sync", 5, 1600, 200),
    ("sync", 10, 1600, 1600 - 700),
    ("sync", 50, 1600, 1600 - 140),
])
def test_the_ideals_under_rate(model, rate, wall, p99):
    params = dict(BASE, rate=rate)
    assert ideal_ms(model, params, FACTS) == pytest.approx(wall)
    assert intended_p99(model, params)[1] == pytest.approx(p99)


def test_a_window_between_has_no_ideal_under_rate():
    params = dict(BASE, rate=10, concurrency=2)
    assert ideal_ms("async_uv", params, FACTS) is None
    assert intended_p99("async_uv", params) == (None, None)
    assert ideal_words("async_uv", dict(BASE, rate=10)) == "on a schedule, (N-1)/R + L"


def test_the_p99_from_the_intended_start_is_the_99th_task_s():
    # nearest rank: of 200 tasks the 198th, k = ceil(0.99 * 200)
    params = dict(BASE, count=200, rate=10)
    assert intended_p99("sync", params)[1] == pytest.approx(198 * 200 - 197 * 100)


# ---- The report's section, from a small rate sweep of its own ----

# (model, rate, run): (p99_ms, latency_from_intended_p99_ms, start_late_max_ms).
RATE_RUNS = {
    ("sync", 3, 1): (201.0, 202.0, 1.0), ("sync", 3, 2): (201.0, 202.0, 1.0),
    ("sync", 10, 1): (201.0, 900.0, 700.0), ("sync", 10, 2): (203.0, 910.0, 710.0),
    ("async_uv", 3, 1): (201.0, 202.0, 1.0), ("async_uv", 3, 2): (201.0, 202.0, 1.0),
    ("async_uv", 10, 1): (201.0, 203.0, 2.0), ("async_uv", 10, 2): (201.0, 203.0, 2.0),
}


@pytest.fixture()
def swept(tmp_path):
    """The fixture's results with a rate sweep of R = 3 and 10 at N = 8,
    L = 200 ms for sync and async_uv, two runs each."""
    folder = tmp_path / "results"
    shutil.copytree(RESULTS, folder)
    with open(folder / "runs.csv", newline="") as runs_file:
        rows = list(csv.DictReader(runs_file))
    points = {}
    for (model, rate, run), (p99, intended, late) in RATE_RUNS.items():
        args = f"fetch -n 8 --latency-ms 200 --rate {rate}"
        rows.append({"config": f"rate {rate}", "run": run, "model": model, "workload": "fetch",
                     "count": 8, "latency_ms": 200, "rate": rate, "args": args, "status": 0,
                     "wall_ms": 1600, "ok": 8, "failed": 0, "p99_ms": p99,
                     "latency_from_intended_p99_ms": intended, "start_late_max_ms": late})
        points.setdefault(rate, {})[model] = {"args": args, "ideal_ms": 1600, "skipped": None,
                                              "estimate_s": 1.6}
    with open(folder / "runs.csv", "w", newline="") as runs_file:
        writer = csv.DictWriter(runs_file, fieldnames=RUN_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    meta = json.loads((folder / "meta.json").read_text())
    meta["groups"].append({"kind": "sweep", "name": "rate", "vary": "rate", "params": BASE,
                           "models": ["sync", "async_uv"], "references": False,
                           "points": [{"value": r, "models": m} for r, m in points.items()]})
    (folder / "meta.json").write_text(json.dumps(meta))
    return Context(Results(str(folder)), RecordedCharts(tmp_path))


def dat_rows(ctx, name):
    with open(ctx.charts.data(name)) as dat:
        return [[float(cell) for cell in line.split()] for line in dat if not line.startswith("#")]


def test_the_chart_draws_both_p99s_of_each_model(swept):
    section.section(swept)
    chart = swept.charts.rendered["sweep-rate"]
    assert chart["script"] == "rate.gp"
    variables = chart["variables"]
    assert variables["models"] == "sync async_uv"
    assert variables["mark_x"] == 5                       # 1/L: 1000 / 200 ms
    # From the intended start: median, lowest and highest of the two runs.
    assert dat_rows(swept, "sweep-rate-intended-sync.dat") == [[3, 202, 202, 202],
                                                               [10, 905, 900, 910]]
    # From the actual start: the task p99.
    assert dat_rows(swept, "sweep-rate-start-sync.dat") == [[3, 201, 201, 201],
                                                            [10, 202, 201, 203]]
    assert dat_rows(swept, "sweep-rate-intended-async_uv.dat") == [[3, 202, 202, 202],
                                                                   [10, 203, 203, 203]]


def test_the_chart_s_ideals_bend_at_1_over_l(swept):
    section.section(swept)
    variables = swept.charts.rendered["sweep-rate"]["variables"]
    assert variables["nideal"] == 2
    assert variables["ideal_title_1"].startswith("ideal from the intended start, sync: ")
    assert variables["ideal_title_2"] == "ideal from the intended start, async_uv: L (all at once)"
    # sync: L up to R = 1/L, then 8*L - 7/R
    assert dat_rows(swept, "sweep-rate-ideal-1.dat") == [[3, 200], [5, 200], [10, 900]]
    assert dat_rows(swept, "sweep-rate-ideal-2.dat") == [[3, 200], [5, 200], [10, 200]]
    # Each model's panel draws its own ideal.
    assert (variables["ideal_of_sync"], variables["ideal_of_async_uv"]) == (1, 2)
    assert variables["ideal_words_2"] == "L (all at once)"


def test_the_section_says_what_each_mark_means_and_the_figures(swept):
    text = "\n".join(section.section(swept))
    assert text.startswith("### Rate: R from 3 to 10 tasks a second, 8 items at 200 ms\n")
    assert "(charts/sweep-rate.png)" in text
    marks = next(line for line in text.split("\n") if line.startswith("The marks: "))
    assert "p99 latency from each task's intended start" in marks
    assert "p99 from each task's actual start (the task p99)" in marks
    assert "the black dashed line: ideal from the intended start, sync: " in marks
    assert "the black dotted line: ideal from the intended start, async_uv: L" in marks
    assert marks.startswith("The marks: a panel per model (sync, async_uv)")
    assert "the grey dotted upright line in each panel, 1/L = 5 a second" in marks
    assert ("- sync: at R = 3 a second its p99 was 202 ms from the intended start and 201 ms "
            "from the actual start; at R = 10, 905 ms and 202 ms, the latest start 705 ms "
            "behind its time. It fell behind the schedule (from intended over 1.10x the task "
            "p99) from R = 10 a second on.") in text
    assert "- async_uv: at R = 3" in text and "It kept up with every rate of the sweep." in text


def test_results_without_a_rate_sweep_have_no_section(ctx):
    assert list(section.section(ctx)) == []
