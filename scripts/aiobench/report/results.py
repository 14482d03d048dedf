"""results.py: a results folder, indexed the way the report asks.

runs.csv and meta.json (schema.py), reference.json, syscalls.csv and
threads.csv, and per plan point and
model its Stat (stats.py), its ideal and why it was skipped; and TaskCost,
what one more waiting task costs a client, from the count sweep.
"""

import dataclasses
import os

from aiobench.ideal import ideal_ms
from aiobench.plan import Facts
from aiobench.schema import (SYSCALL_FIELDS, THREAD_FIELDS, load_meta, load_reference,
                             load_runs, load_table)
from aiobench.stats import Stat, slope

# The parts of a waiting task's memory (chart "cost of one waiting task").
MEMORY_PARTS = ("stack touched", "model's task state", "libcurl's handle and connection, and the rest")


@dataclasses.dataclass
class TaskCost:
    """What one more waiting task costs a model: least-squares slopes over
    the count sweep's medians (x = N, all tasks waiting at once), and the
    facts the model reports of itself."""
    counts: list               # the N of the points it ran
    rss_kb: float              # peak resident memory per task
    user_us: float             # CPU time per task, user and system
    sys_us: float
    stack_kb: float            # the most stack one task touched, at the largest N; None: not reported
    state_kb: float            # the model's own state per task; None: not reported

    @property
    def cpu_us(self):
        return self.user_us + self.sys_us

    def parts(self):
        """The memory per task in MEMORY_PARTS, KB: the two the model
        measures of itself, and what the peak-RSS slope holds besides,
        clamped at 0."""
        stack, state = self.stack_kb or 0, self.state_kb or 0
        return (stack, state, max(0.0, self.rss_kb - stack - state))


class Results:
    """runs.csv and meta.json, indexed the way the report asks."""

    def __init__(self, folder):
        self.folder = folder
        self.rows = load_runs(os.path.join(folder, "runs.csv"))
        self.meta = load_meta(os.path.join(folder, "meta.json"))
        self.models = self.meta["models"]
        self.groups = {g["name"]: g for g in self.meta["groups"] if g["kind"] == "sweep"}
        headline = [g for g in self.meta["groups"] if g["kind"] == "headline"]
        # The plain I/O workloads, and "When async does not pay".
        self.headline = [g for g in headline if g.get("part", "io") == "io"]
        self.processing = [g for g in headline if g.get("part") == "processing"]
        self.cores = self.meta["machine"]["cores"]
        self.calibrate_cpu_ideals()
        self.by_key = {}
        for row in self.rows:
            self.by_key.setdefault((row["model"], row["args"]), []).append(row)
        # scripts/reference.py's records and how it ran (older results: none).
        self.reference = self.meta.get("reference")
        self.reference_records = load_reference(os.path.join(folder, "reference.json"))
        # The reference clients that ran beside the models (not models, and
        # not reference.py's): {name: facts}, in their order (older: none).
        self.ref_clients = self.meta.get("reference_clients", {})
        self.references = list(self.ref_clients)
        # The untimed step's system calls and threads (older results: None).
        self.syscalls = load_table(os.path.join(folder, "syscalls.csv"), SYSCALL_FIELDS)
        self.threads_seen = load_table(os.path.join(folder, "threads.csv"), THREAD_FIELDS)

    def task_cost(self, name, count_max=None):
        """The TaskCost of a model or reference client over the count
        sweep's points up to count_max; None under two points."""
        group = self.groups.get("count")
        if not group:
            return None
        ran = [(p["value"], self.stat(name, p)) for p in group["points"]
               if count_max is None or p["value"] <= count_max]
        ran = [(n, st) for n, st in ran
               if st and st.median is not None and st.rss_kb is not None]
        if len(ran) < 2:
            return None
        largest = ran[-1][1]
        state = largest.task_state_bytes
        # Per task waiting: x is the most tasks the client let wait at once
        # (its summary's concurrency), which is N but for async_threads past
        # its open-files limit (fewer threads than tasks); where that is
        # always one (sync) or unknown, the slope is taken over N.
        waiting = [(st.in_flight or n, st) for n, st in ran]
        if len({x for x, _ in waiting}) < 2:
            waiting = ran
        return TaskCost(
            counts=[n for n, _ in ran],
            rss_kb=slope([(x, st.rss_kb) for x, st in waiting]),
            user_us=1000 * slope([(x, st.user_ms or 0) for x, st in waiting]),
            sys_us=1000 * slope([(x, st.sys_ms or 0) for x, st in waiting]),
            stack_kb=largest.stack_touched_avg_kb,
            state_kb=None if state is None else state / 1024)

    def references_at(self, point):
        """The reference clients planned at a point, in their order."""
        return [name for name in self.references if name in point["models"]]

    def reference_record(self, comparison, client):
        return next((r for r in self.reference_records
                     if r["comparison"] == comparison and r["client"] == client), None)

    def stat(self, model, point):
        """The Stat of model at a plan point, None when it has no rows."""
        entry = point["models"].get(model)
        rows = self.by_key.get((model, entry["args"])) if entry else None
        return Stat(rows) if rows else None

    def ran(self, model, group):
        """[(value, Stat, ideal_ms)] for each point of group's sweep where
        model has a median wall time, in the plan's order."""
        points = ((p["value"], self.stat(model, p), self.ideal(model, p))
                  for p in group["points"])
        return [(value, st, ideal) for value, st, ideal in points if st and st.median]

    def task_ms(self, rounds):
        """W, one cpu task of rounds on one core, as this run's calibration
        measured it (meta.json's cpu_calibrations; None: not measured)."""
        return next((cal["task_ms"] for cal in self.meta.get("cpu_calibrations", [])
                     if cal["rounds"] == rounds), None)

    def cpu_points(self):
        """(group, point, its params, its --rounds) of every cpu point of the
        plan but the calibration's: the headline's and the sweep's."""
        for group in self.meta["groups"]:
            if group["params"]["workload"] != "cpu" or group["kind"] == "calibration":
                continue
            for point in group["points"]:
                params = dict(group["params"])
                if group.get("vary"):
                    params[group["vary"]] = point["value"]
                yield group, point, params, params.get("rounds", self.meta.get("rounds_default"))

    def calibrate_cpu_ideals(self):
        """Sets the ideal of every cpu run of the plan, headline and sweep,
        from the one W of this run's calibration for its --rounds, so that
        the same set-up has the same ideal wherever it stands."""
        for _, point, params, rounds in self.cpu_points():
            facts = Facts(dishes=[], rounds=rounds, cores=self.cores)
            for model, entry in point["models"].items():
                entry["ideal_ms"] = ideal_ms(model, params, facts, self.task_ms(rounds))

    def ideal(self, model, point):
        entry = point["models"].get(model)
        return entry["ideal_ms"] if entry else None

    def skipped(self, model, point):
        entry = point["models"].get(model)
        return entry["skipped"] if entry else None
