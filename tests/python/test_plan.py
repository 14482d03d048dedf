"""test_plan.py: the plan and its expansion, against the committed run.

plan_configs of the plan a run was made with, given that run's facts (its
dishes, rounds, cores and reference clients), gives back the run's plan as
meta.json recorded it: per group and point, each model's command line,
estimate and reason to be skipped. Then the expansion's rules one by one
(a run asked for twice runs once, a headline variant a model does not take
has no run, the calibration first, the server only grows, the reference
clients up to their count_max, the external plan), and the small parts:
the server's threads, the window, the client's command line.
"""

import json

import pytest

from aiobench import meta, models, plan, server
from conftest import RESULTS

with open(f"{RESULTS}/meta.json") as meta_file:
    META = json.load(meta_file)
FACTS = plan.Facts([(d["name"], d["seconds"]) for d in META["dishes"]], META["rounds_default"],
                   META["machine"]["cores"])
REFERENCES = [n for n, state in META["reference_clients"].items() if not state["skipped"]]


def expand(mode="full", models_=models.MODELS, references=REFERENCES, facts=FACTS):
    return plan.plan_configs(plan.PLANS[mode], list(models_), facts, references)


def test_the_plan_of_the_committed_run_comes_back_as_meta_json_recorded_it():
    configs, groups = expand(META["mode"], META["models"])
    mine = {(g["kind"], g["name"]): meta.group_meta(g) for g in groups}
    compared = 0
    for group in META["groups"]:
        again = mine[(group["kind"], group["name"])]
        for key in ("params", "absent", "references", "part", "vary"):
            assert group.get(key) == again.get(key), (group["name"], key)
        points = {p["value"]: p["models"] for p in again["points"]}
        for point in group["points"]:       # the fixture keeps some points of each sweep
            for model, entry in point["models"].items():
                got = points[point["value"]][model]
                assert (got["args"], got["skipped"], got["estimate_s"]) == \
                    (entry["args"], entry["skipped"], entry["estimate_s"]), (group["name"], model)
                compared += 1
    assert compared > 150


def specs_of(configs):
    return [(spec.model, spec.key) for config in configs for spec in config.specs]


def test_a_run_asked_for_twice_runs_once():
    configs, groups = expand()
    assert len(specs_of(configs)) == len(set(specs_of(configs)))
    window = next(g for g in groups if g["name"] == "window")
    fetch = next(g for g in groups if g["name"] == "fetch")
    # sync has no window: its window sweep is its headline fetch, every point.
    assert {id(p["specs"]["sync"]) for p in window["points"]} == \
        {id(fetch["points"][0]["specs"]["sync"])}


def test_a_headline_variant_a_model_does_not_take_has_no_run():
    _, groups = expand()
    offload = next(g for g in groups if g["name"] == "cpu --offload")
    assert sorted(offload["points"][0]["specs"]) == ["async_coro", "async_uv"]
    # The flags each lacks, said under the table: sync has no pool to size
    # either, nor has async_uring (its ring cannot compute).
    assert offload["absent"] == {"sync": ["--offload", "--uv-threadpool"],
                                 "async_threads": ["--offload"],
                                 "async_uring": ["--offload", "--uv-threadpool"]}


def test_async_uring_runs_where_its_knobs_apply_and_nowhere_else():
    _, groups = expand()
    by_name = {g["name"]: g for g in groups}
    # The window and the blocking pause: its own runs, with its own flags.
    blocking = by_name["fetch --blocking-process"]["points"][0]["specs"]["async_uring"]
    assert blocking.key == "fetch -n 50 --latency-ms 100 --process-ms 20 --blocking-process"
    window = [p["specs"]["async_uring"].key for p in by_name["window"]["points"]]
    assert all("--concurrency" in key for key in window) and len(set(window)) == len(window)
    # No pool: in the thread sweeps it runs the base configuration once, a
    # reference line without --uv-threadpool, and no --offload anywhere.
    for sweep in ("threads", "cpu-threads"):
        specs = {id(p["specs"]["async_uring"]) for p in by_name[sweep]["points"]}
        assert len(specs) == 1, sweep
    keys = [p["specs"]["async_uring"].key for g in groups for p in g["points"]
            if "async_uring" in p["specs"]]
    assert keys and not any("--offload" in k or "--uv-threadpool" in k for k in keys)
    assert "async_uring" not in by_name["cpu --offload"]["points"][0]["specs"]


def test_the_calibration_comes_before_the_first_cpu_run_and_the_server_only_grows():
    configs, _ = expand()
    names = [c.name for c in configs]
    first_cpu = next(i for i, c in enumerate(configs) if c.specs and
                     c.specs[0].params["workload"] == "cpu")
    assert configs[first_cpu].calibrates and names[first_cpu] == "cpu calibration 8000"
    assert [s.key for s in configs[first_cpu].specs] == ["cpu -n 8"]
    threads = [c.server_threads for c in configs]
    assert threads == sorted(threads) and threads[-1] == server.SERVER_THREADS_MAX


def test_the_reference_clients_join_up_to_their_count_max():
    _, groups = expand()
    count = next(g for g in groups if g["name"] == "count")
    for name, facts in models.REFERENCE_CLIENTS.items():
        ran = [p["value"] for p in count["points"] if name in p["specs"]]
        assert ran and max(ran) == facts["count_max"]
    download = next(g for g in groups if g["name"] == "download")
    # curl is given --size in bytes, the models as the plan says it.
    specs = download["points"][0]["specs"]
    assert specs["curl_parallel"].key == "download -n 100 --latency-ms 200 --size 1048576"
    assert specs["sync"].key == "download -n 100 --latency-ms 200 --size 1M"


def test_a_run_over_the_limit_is_skipped_and_says_why():
    configs, _ = expand("tiny")
    sync_60 = next(s for c in configs for s in c.specs if s.model == "sync" and s.key ==
                   "fetch -n 60 --latency-ms 10")
    assert sync_60.skip.startswith("one run would take about ") and "0.5 s limit" in sync_60.skip
    assert sync_60.ideal_ms == 600


def test_the_external_plan_is_the_plain_fetch_without_latency():
    external = plan.external_plan(plan.PLANS["tiny"], "status", "/x/{id}")
    assert [h["name"] for h in external["headline"]] == ["fetch"]
    assert [s["name"] for s in external["sweeps"]] == ["count", "window"]
    assert external["reference"] is None
    assert all("latency_ms" not in s["base"] and s["base"]["verify"] == "status"
               for s in external["sweeps"])
    configs, _ = plan.plan_configs(external, ["async_uv"], plan.Facts(FACTS.dishes, 8000, 2, 5.0))
    assert all(s.ideal_ms is None and "--verify status --path /x/{id}" in s.key
               for c in configs for s in c.specs)


# ---- The server's threads, the window, the command line ----

@pytest.mark.parametrize("in_flight, threads", [
    (0, 256), (192, 256), (193, 512), (448, 512), (449, 1024), (1000, 2048), (10000, 10000),
])
def test_server_threads_are_in_flight_and_a_margin_rounded_up_to_a_power_of_two(in_flight, threads):
    assert server.server_threads_for(in_flight) == threads


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
    assert models.window_of(model, params) == window


FETCH = {"workload": "fetch", "count": 100, "latency_ms": 200}


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
    assert models.client_args(model, params) == args
