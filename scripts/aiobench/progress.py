"""progress.py: the bench's progress on stderr, "[k/n] elapsed, about T left"."""

import sys
import time

PROGRAM = "bench"


def clock(seconds):
    seconds = int(round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """Counts runs and prints "[k/n] elapsed, about T left: what" lines.

    The time left is the estimate of the runs to come, per workload, times
    that workload's ratio of measured to estimated time so far. The
    reference step counts as one run of its own kind, "reference"."""

    def __init__(self, configs, runs, reference):
        self.started = time.monotonic()
        self.runs = runs
        pending = [s for c in configs for s in c.specs if not s.skip]
        self.total = len(pending) * (1 + runs)
        self.done = 0
        self.left_s, self.done_estimate_s, self.done_actual_s = {}, {}, {}
        for spec in pending:
            self._add(self.left_s, spec, spec.estimate_s * (1 + runs))
        if not reference.skip:
            self.total += 1
            self.left_s["reference"] = reference.estimate_s

    @staticmethod
    def _add(table, spec, seconds, workload=None):
        workload = workload or spec.params["workload"]
        table[workload] = table.get(workload, 0.0) + seconds

    def time_left_s(self):
        left = 0.0
        for workload, seconds in self.left_s.items():
            estimated = self.done_estimate_s.get(workload, 0.0)
            ratio = self.done_actual_s[workload] / estimated if estimated else 1.0
            left += max(0.0, seconds) * ratio
        return left

    def begin(self, config, spec, run):
        elapsed = time.monotonic() - self.started
        which = "warm-up" if run == 0 else f"run {run} of {self.runs}"
        sys.stderr.write(f"{PROGRAM}: [{self.done + 1:>3}/{self.total}] {clock(elapsed)} "
                         f"elapsed, about {clock(self.time_left_s())} left: "
                         f"{config.name}, {spec.model} {which} ... ")
        sys.stderr.flush()

    def end(self, spec, result):
        self.done += 1
        self._add(self.done_estimate_s, spec, spec.estimate_s)
        self._add(self.done_actual_s, spec, result.seconds)
        self._add(self.left_s, spec, -spec.estimate_s)
        outcome = f"{result.seconds:.2f} s" if result.status == 0 else \
            f"{result.seconds:.2f} s, status {result.status} {result.error}".rstrip()
        sys.stderr.write(outcome + "\n")

    def begin_reference(self, reference):
        elapsed = time.monotonic() - self.started
        sys.stderr.write(f"{PROGRAM}: [{self.done + 1:>3}/{self.total}] {clock(elapsed)} "
                         f"elapsed, about {clock(self.time_left_s())} left: reference "
                         f"clients, {reference.command()}\n")

    def end_reference(self, reference, seconds):
        self.done += 1
        self._add(self.done_estimate_s, None, reference.estimate_s, "reference")
        self._add(self.done_actual_s, None, seconds, "reference")
        self._add(self.left_s, None, -reference.estimate_s, "reference")
        outcome = f"done in {seconds:.1f} s" if reference.status == 0 else \
            f"status {reference.status} after {seconds:.1f} s: {reference.error}"
        self.note(f"reference clients: {outcome}")

    def drop(self, spec, runs_left):
        """A spec will not run its remaining runs: take them off the count."""
        self.total -= runs_left
        self._add(self.left_s, spec, -spec.estimate_s * runs_left)

    def note(self, text):
        sys.stderr.write(f"{PROGRAM}: {text}\n")
