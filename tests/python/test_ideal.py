"""test_ideal.py: the ideal time, its formula and its words, against known values.

ideal_ms on every kind of configuration (waiting, a window, cook's dishes,
computing over the cores, processing per item), ideal_words on the same,
and the committed run: every ideal meta.json recorded, recomputed from
that run's facts and its measured W, is the same.
"""

import json

import pytest

from aiobench import ideal, plan
from aiobench.plan import Facts
from conftest import RESULTS

FACTS = Facts(dishes=[("soup", 3), ("rice", 2), ("tea", 1)], rounds=8000, cores=2)
FETCH = {"workload": "fetch", "count": 100, "latency_ms": 200}
PROCESS = {"workload": "fetch", "count": 50, "latency_ms": 100}


@pytest.mark.parametrize("model, params, task_ms, want", [
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
def test_ideal_ms(model, params, task_ms, want):
    got = ideal.ideal_ms(model, params, FACTS, task_ms)
    assert got == (None if want is None else pytest.approx(want))


@pytest.mark.parametrize("model, params, threads, words", [
    ("sync", FETCH, None, "one at a time, N*L"),
    ("sync", dict(FETCH, process_ms=20), None, "one at a time, N*(L+P)"),
    ("async_uv", FETCH, None, "all at once, L"),
    ("async_uv", dict(FETCH, process_ms=20), None, "all at once, L+P"),
    ("async_threads", dict(FETCH, concurrency=10), None, "window C, ceil(N/C)*L"),
    ("async_uv", dict(FETCH, process_ms=20, blocking_process=True), None,
     "L + N*P, the pauses in turn"),
    ("async_threads", dict(FETCH, process_cpu_ms=20), 4, "L + N*P/min(T, cores), T = 4"),
    ("async_uv", dict(FETCH, process_cpu_ms=20), None, "L + N*P/min(T, cores)"),
    ("async_threads", dict(FETCH, process_cpu_ms=20, concurrency=10), 10, None),
    ("async_threads", {"workload": "cpu", "count": 8}, 8, "N*W/min(T, cores), T = 8"),
    ("sync", {"workload": "cook"}, None, "the sum of the dishes"),
    ("async_coro", {"workload": "cook"}, None, "the longest dish"),
    ("sync", {"workload": "files", "count": 10, "size": "1M"}, None, None),
    ("async_uv", {"workload": "fetch", "count": 100}, None, None),   # another server's latency
    ("curl_parallel", {"workload": "fetch", "count": 1000, "latency_ms": 200}, None,
     "window of 300, ceil(N/300)*L"),
    ("curl_parallel", {"workload": "fetch", "count": 100, "latency_ms": 200}, None,
     "all at once, L"),
])
def test_ideal_words(model, params, threads, words):
    assert ideal.ideal_words(model, params, threads) == words


def test_words_and_formula_agree_on_a_reference_client_s_window():
    params = {"workload": "download", "count": 1000, "latency_ms": 200, "size": "1M"}
    assert ideal.ideal_words("curl_parallel", params, window=250) == \
        "window of 250, ceil(N/250)*L"
    assert ideal.ideal_ms("curl_parallel", params, FACTS) == 4 * 200     # ceil(1000/300)


def test_the_committed_run_s_ideals_are_recomputed_alike():
    with open(f"{RESULTS}/meta.json") as meta_file:
        meta = json.load(meta_file)
    facts = Facts([(d["name"], d["seconds"]) for d in meta["dishes"]], meta["rounds_default"],
                  meta["machine"]["cores"])
    task_ms = {c["rounds"]: c["task_ms"] for c in meta["cpu_calibrations"]}
    refs = [n for n, state in meta["reference_clients"].items() if not state["skipped"]]
    _, groups = plan.plan_configs(plan.PLANS[meta["mode"]], meta["models"], facts, refs)
    specs = {(model, spec.key): spec for g in groups for p in g["points"]
             for model, spec in p["specs"].items()}
    checked = 0
    for group in meta["groups"]:
        for point in group["points"]:
            for model, entry in point["models"].items():
                spec = specs[(model, entry["args"])]
                w = task_ms.get(spec.params.get("rounds", facts.rounds))
                again = ideal.ideal_ms(model, spec.params, facts, w)
                assert again == pytest.approx(entry["ideal_ms"]) if again is not None \
                    else entry["ideal_ms"] is None, (group["name"], model, entry["args"])
                checked += 1
    assert checked > 150


def test_a_sweep_s_ideal_titles():
    assert ideal.sweep_titles("window", ["sync", "async_uv"]) == \
        {"sync": "N*L (one at a time)", "async_uv": "ceil(N/C)*L (window C)"}
