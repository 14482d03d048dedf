"""test_report_charts.py: what the report decides about its charts, on the fixture.

The window sweep draws only the models that take --concurrency, apart; each
chart's caption names what each of its marks means; every cpu run's ideal,
headline or sweep, comes from the one W of the run's calibration; a timeline
gives each panel its own time axis only when its runs' lengths are far apart.
The charts are recorded, not drawn (conftest.RecordedCharts).
"""

import json
import math
import re
import shutil

import pytest

from aiobench.models import compute_threads, knobs_of
from aiobench.report import document
from aiobench.report.results import Results
from aiobench.report.timelines import shares_axis, time_axis
from conftest import EXPECTED_REPORT, RESULTS

with open(EXPECTED_REPORT) as expected_file:
    EXPECTED = expected_file.read()


@pytest.fixture(scope="module")
def drawn(ctx):
    """{chart name: its recorded variables}, the whole report made once."""
    document.text(ctx)
    return {name: chart["variables"] for name, chart in ctx.charts.rendered.items()}


def marks_of(chart):
    """The caption under chart in the expected report: the line after its SVG link."""
    found = re.search(rf"\(charts/{chart}\.svg\)\.</sub>\n\n(The marks: .*)\n", EXPECTED)
    assert found, f"{chart}: no line 'The marks: ...' under it"
    return found.group(1)


def test_the_window_sweep_leaves_out_the_models_without_a_window(drawn, results):
    variables = drawn["sweep-window"]
    models = variables["models"].split()
    assert "sync" in results.models and "sync" not in models
    assert models == [m for m in results.models if knobs_of(m)["window"]]
    # sync's ideal (N*L, one at a time) went with it; the window's ideal stays
    titles = [variables[f"ideal_title_{k}"] for k in range(1, variables["nideal"] + 1)]
    assert titles == [f"ideal, {', '.join(models)}: ceil(N/C)*L (window C)"]
    assert "sync" in marks_of("sweep-window").split("Not drawn: ", 1)[1]


def test_the_window_sweep_draws_each_model_apart(drawn):
    variables = drawn["sweep-window"]
    shifts = [variables[f"shift_{m}"] for m in variables["models"].split()]
    assert len(set(shifts)) == len(shifts) and min(shifts) < 1 < max(shifts)
    assert math.isclose(math.prod(shifts), 1)          # centred on the points' x
    # the other sweeps draw every point at its own x
    assert all(v == 1 for k, v in drawn["sweep-count"].items() if k.startswith("shift_"))


@pytest.mark.parametrize("chart", ["walltime", "timeline-fetch", "timeline-cook",
                                   "sweep-count", "sweep-latency", "sweep-window",
                                   "sweep-threads", "walltime-processing",
                                   "sweep-cpu-threads", "loop-health", "server", "cost",
                                   "cost-task"])
def test_each_chart_says_what_its_marks_mean(chart):
    assert marks_of(chart)


@pytest.mark.parametrize("chart", ["sweep-count", "sweep-latency", "sweep-window",
                                   "sweep-threads", "sweep-cpu-threads"])
def test_a_sweeps_caption_names_its_models_ideals_and_references(drawn, chart):
    variables, marks = drawn[chart], marks_of(chart)
    assert f"({', '.join(variables['models'].split())})" in marks
    for k in range(1, variables["nideal"] + 1):
        assert variables[f"ideal_title_{k}"] in marks
    assert ("open circle" in marks) == bool(variables["skipped_models"])
    assert ("reference clients" in marks) == bool(variables["refs"])
    for ref in variables["refs"].split():
        assert ref in marks


def test_the_server_caption_names_each_step_of_its_threads(results):
    marks = marks_of("server")
    threads = {}
    for row in results.rows:
        if re.fullmatch(r"count \d+", row["config"]) and row["server_threads"]:
            threads[int(row["config"].split()[1])] = row["server_threads"]
    steps = sorted(threads.items())
    rises = [(n, t) for (_, before), (n, t) in zip(steps, steps[1:]) if t != before]
    assert rises, "the fixture's count sweep grows the server"
    said = ", ".join(f"{t:,} at N = {n:,}" for n, t in rises)
    assert f"count sweep: {steps[0][1]:,} from N = {steps[0][0]:,}, then {said}" in marks
    assert "restarts it only to grow" in marks


def cpu_ideals(results):
    """{(group, point value, model): (its ideal, the W formula's)} of every cpu run."""
    found = {}
    for group, point, params, rounds in results.cpu_points():
        (w,) = [c["task_ms"] for c in results.meta["cpu_calibrations"] if c["rounds"] == rounds]
        assert w > 0
        for model in point["models"]:
            want = params["count"] * w / min(compute_threads(model, params), results.cores)
            found[(group["name"], point["value"], model)] = (results.ideal(model, point), want)
    return found


def test_every_cpu_ideal_is_n_w_over_the_cores_with_the_calibrations_w(results):
    found = cpu_ideals(results)
    assert {name for name, _, _ in found} == {"cpu", "cpu --offload", "cpu-threads"}
    for key, (ideal, want) in found.items():
        assert ideal == pytest.approx(want), key


def test_the_cpu_sweep_and_the_headline_agree_on_the_same_run(results):
    """The same command line has the same ideal in the sweep as in the headline."""
    by_args, pairs = {}, 0
    for _, point, _, _ in results.cpu_points():
        for model, entry in point["models"].items():
            by_args.setdefault((model, entry["args"]), set()).add(entry["ideal_ms"])
            pairs += 1
    assert pairs > len(by_args)             # some set-ups are in both
    assert all(len(ideals) == 1 for ideals in by_args.values()), by_args


def test_a_recorded_cpu_ideal_from_another_w_is_replaced(tmp_path):
    """A sweep's recorded ideal that another W made (an older calibration)
    gives way to the calibration's, so that it agrees with the headline."""
    folder = tmp_path / "results"
    shutil.copytree(RESULTS, folder)
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text())
    sweep = next(g for g in meta["groups"] if g["name"] == "cpu-threads")
    for point in sweep["points"]:
        for entry in point["models"].values():
            entry["ideal_ms"] *= 1.5
    meta_path.write_text(json.dumps(meta))
    for key, (ideal, want) in cpu_ideals(Results(str(folder))).items():
        assert ideal == pytest.approx(want), key


def test_a_timeline_shares_its_axis_only_when_its_runs_are_alike():
    assert shares_axis([6.0, 3.0, 3.0])              # cook: 6 s and 3 s side by side
    assert not shares_axis([20.0, 0.214, 0.263])     # fetch: sync's 20 s beside 0.2 s
    assert shares_axis([])
    assert time_axis("sync", 20.0)["xunit_sync"] == "s"
    short = time_axis("async_uv", 0.214)
    assert short["xunit_async_uv"] == "ms" and short["xscale_async_uv"] == 1000
    assert short["xmax_async_uv"] > 214


def test_the_fetch_timeline_has_an_axis_per_panel_and_cook_one_for_all(drawn):
    fetch, cook = drawn["timeline-fetch"], drawn["timeline-cook"]
    assert len({fetch[f"xmax_{m}"] for m in fetch["models"].split()}) > 1
    assert len({cook[f"xmax_{m}"] for m in cook["models"].split()}) == 1
    assert "each panel has its own time axis" in marks_of("timeline-fetch")
    assert "share one time axis" in marks_of("timeline-cook")
