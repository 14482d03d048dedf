"""test_reference.py: async_uring in the reference step, and its speed target;
the coroutine models' downloads again under --verify status, and their rows.

scripts/reference.py runs async_uring beside the required models where it
is built and sets up (its probe does not exit 3), and leaves it out with
its line otherwise; the reference step never requires it, and costs it in
its estimate only where it is built. The Targets section judges async_uring
against async_coro on fetch, and says so when async_uring did not run.
Each coroutine model's download runs a second time, next to it, with
--verify status (its content check, done on the loop's thread, left out);
its Targets row adds that ratio, its verdict still the checking model's.
tests/integration/test_reference.sh and test_bench.sh run the real ones.
"""

import dataclasses
import json
import shutil

import pytest

from aiobench import plan
from aiobench.reference_step import REFERENCE_PROGRAMS, STATUS_ONLY_SUFFIX, plan_reference
from aiobench.reference_step import reference_estimate_s
from aiobench.report import plain_clients, targets
from aiobench.report.context import Context
from aiobench.report.results import Results
from by_path import load
from conftest import RESULTS, RecordedCharts

reference = load("scripts/reference.py", "reference_script")

with open(f"{RESULTS}/meta.json") as meta_file:
    META = json.load(meta_file)
FACTS = plan.Facts([(d["name"], d["seconds"]) for d in META["dishes"]], META["rounds_default"],
                   META["machine"]["cores"])
RING_TARGET = "fetch 100 x 200 ms: async_uring within 3% of async_coro"


def fake_program(folder, name, body):
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


# ---- reference.py and the reference step ----

def test_reference_py_takes_async_uring_where_it_sets_up(tmp_path, capsys):
    assert reference.optional_models(str(tmp_path)) == ()        # not built: left out, silently
    assert capsys.readouterr().err == ""
    fake_program(tmp_path, "async_uring", "exit 0")
    assert reference.optional_models(str(tmp_path)) == ("async_uring",)


def test_reference_py_leaves_out_an_async_uring_that_exits_3(tmp_path, capsys):
    fake_program(tmp_path, "async_uring",
                 'echo "async_uring: io_uring_setup: Operation not permitted" >&2; exit 3')
    assert reference.optional_models(str(tmp_path)) == ()
    assert capsys.readouterr().err == \
        "reference: async_uring left out: async_uring: io_uring_setup: Operation not permitted\n"


def test_the_reference_step_does_not_require_async_uring_and_costs_it_where_built(tmp_path):
    assert "async_uring" not in REFERENCE_PROGRAMS
    for name in REFERENCE_PROGRAMS:
        fake_program(tmp_path, name, "exit 0")
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed: the step would be skipped for it")
    without = plan_reference(plan.PLANS["full"], 5, str(tmp_path), FACTS)
    assert without.skip is None
    fake_program(tmp_path, "async_uring", "exit 0")
    with_ring = plan_reference(plan.PLANS["full"], 5, str(tmp_path), FACTS)
    assert with_ring.skip is None and with_ring.estimate_s > without.estimate_s


def download_commands(monkeypatch, models):
    """{client: the command line it runs} of reference.py's download comparison."""
    ran = {}
    monkeypatch.setattr(reference, "timed", lambda args: ran.setdefault("args", args))
    args = reference.argparse.Namespace(bin="BIN", count=5, latency_ms=10, size=64)
    commands = {}
    for name, go in reference.clients(args, models, "URL", "DIR")["download"].items():
        if name != "curl_parallel":
            ran.clear()
            go()
            commands[name] = ran["args"]
    return commands


def test_the_coroutine_models_download_again_with_verify_status(monkeypatch):
    commands = download_commands(monkeypatch, ("async_threads", "async_uv", "async_coro",
                                               "async_uring"))
    assert list(commands) == ["async_threads", "async_uv", "async_coro",
                              "async_coro --verify status", "async_uring",
                              "async_uring --verify status"]
    for model in ("async_coro", "async_uring"):
        checked, unchecked = commands[model], commands[model + STATUS_ONLY_SUFFIX]
        assert "--verify" not in checked
        assert unchecked == checked + ["--verify", "status"]
    # Left out with its model: no async_uring, no async_uring --verify status.
    assert list(download_commands(monkeypatch, ("async_coro",))) == [
        "async_coro", "async_coro --verify status"]


def test_the_estimate_costs_the_downloads_under_verify_status():
    params = dict(plan.PLANS["full"]["reference"], runs=1)
    without_coro = reference_estimate_s(params, 1, ["async_threads", "async_uv"], FACTS)
    with_coro = reference_estimate_s(params, 1, ["async_threads", "async_uv", "async_coro"],
                                     FACTS)
    coro_once = sum(plan.estimate_s("async_coro", dict(params, workload=w), FACTS)
                    for w in ("fetch", "download"))
    coro_download = plan.estimate_s("async_coro", dict(params, workload="download"), FACTS)
    assert with_coro - without_coro == pytest.approx(2 * (coro_once + coro_download))


def test_the_full_plans_reference_step_counts_10_runs_unless_runs_is_given(tmp_path):
    # The speed targets are judged on an interleaved comparison of >= 10 runs.
    full = plan_reference(plan.PLANS["full"], None, str(tmp_path), FACTS)
    assert full.params["runs"] == 10 and full.args[:2] == ["--runs", "10"]
    given = plan_reference(plan.PLANS["full"], 2, str(tmp_path), FACTS)
    assert given.args[:2] == ["--runs", "2"] and given.estimate_s < full.estimate_s
    # A plan whose reference entry names no runs takes the plan's.
    tiny = plan_reference(plan.PLANS["tiny"], None, str(tmp_path), FACTS)
    assert tiny.args[:2] == ["--runs", str(plan.PLANS["tiny"]["runs"])]


# ---- The speed target ----

@pytest.fixture()
def ctx(tmp_path):
    """The fixture's results, read anew: a test may add records to them."""
    return Context(Results(RESULTS), RecordedCharts(tmp_path))


def target_row(ctx, target):
    rows = [t for t in targets.SPEED_TARGETS if t[:2] == ("fetch", "async_uring")]
    assert rows == [("fetch", "async_uring", "async_coro", 0.03)]
    row = targets.speed_target(ctx, *rows[0])
    assert row[0] == target
    return row[1:]


@pytest.mark.parametrize("whole_ms, verdict", [(1.03, "met"), (1.031, "not met")])
def test_async_uring_is_judged_against_async_coro(ctx, whole_ms, verdict):
    coro = ctx.res.reference_record("fetch", "async_coro")
    ctx.res.reference_records.append(dict(coro, client="async_uring",
                                          whole_ms=coro["whole_ms"] * whole_ms))
    measured, said = target_row(ctx, RING_TARGET)
    assert measured.startswith(f"{whole_ms:.3f}x: ") and said == verdict


def test_a_run_without_async_uring_says_so(ctx):
    assert target_row(ctx, RING_TARGET) == ("not measured: no record of async_uring",
                                            "not measured")
    ctx.meta["models_unavailable"] = {"async_uring": "async_uring: io_uring_setup: "
                                                     "Operation not permitted"}
    assert target_row(ctx, RING_TARGET) == (
        "not measured: async_uring cannot run here: async_uring: io_uring_setup: "
        "Operation not permitted", "not measured")


# ---- The memory target beside another model ----

@pytest.mark.parametrize("extra_kb, verdict", [(0.0, "met"), (0.05, "not met")])
def test_a_coroutine_may_cost_a_callback_its_stack_and_1_kb(ctx, extra_kb, verdict):
    uv, coro = ctx.costs["async_uv"], ctx.costs["async_coro"]
    limit = uv.rss_kb + coro.stack_kb + 1
    ctx.costs["async_coro"] = dataclasses.replace(coro, rss_kb=limit + extra_kb)
    target, measured, said = targets.memory_target(ctx, "async_coro", 1, True, "async_uv")
    assert target == ("fetch 10,000 at once: async_coro at most async_uv + its touched "
                      "stack + 1 KB per waiting request")
    assert measured.endswith(f" against {uv.rss_kb:.1f} + {coro.stack_kb:.1f} + 1 = "
                             f"{limit:.1f} KB")
    assert said == verdict


def test_a_memory_target_beside_a_model_not_measured_says_which(ctx):
    del ctx.costs["async_uv"]
    assert targets.memory_target(ctx, "async_coro", 1, True, "async_uv")[1:] == (
        "not measured: fewer than two points of async_uv's count sweep", "not measured")


# ---- A coroutine model's download without the content check ----

DOWNLOAD_TARGET = ("download", "async_coro", "curl_parallel", 0.10)


def test_a_coroutine_download_row_adds_its_ratio_under_verify_status(ctx):
    plain = targets.speed_target(ctx, *DOWNLOAD_TARGET)
    curl = ctx.res.reference_record("download", "curl_parallel")
    coro = ctx.res.reference_record("download", "async_coro")
    assert "--verify status" not in plain[1]
    ctx.res.reference_records.append(dict(coro, client="async_coro --verify status",
                                          whole_ms=curl["whole_ms"] * 1.0749))
    row = targets.speed_target(ctx, *DOWNLOAD_TARGET)
    # The ratio is added; the verdict stays the checking model's.
    assert row == (plain[0], plain[1] + "; 1.07x with --verify status", plain[2])
    ctx.res.reference_records[-1]["failed_runs"] = 2
    assert targets.speed_target(ctx, *DOWNLOAD_TARGET)[1].endswith(
        f"; 1.07x with --verify status (2 of {coro['runs']} runs failed)")


def test_against_plain_clients_shows_and_explains_the_verify_status_rows(ctx):
    before = "\n".join(plain_clients.section(ctx))
    assert "--verify status" not in before
    coro = ctx.res.reference_record("download", "async_coro")
    ctx.res.reference_records.append(dict(coro, client="async_coro --verify status"))
    after = "\n".join(plain_clients.section(ctx))
    assert "| download | async_coro --verify status | " in after
    assert "A client `MODEL --verify status` is that model's download again" in after
