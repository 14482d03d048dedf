"""conftest.py: what the unit tests of the Python half share.

scripts/ goes on sys.path, where the tests find the package (aiobench) and
scripts/options.py, as the command lines in scripts/ do. The fixture is a
results folder cut from the committed reference run (fixture/cut.py says
how): RESULTS its path, `results` its Results, `ctx` the report's Context
over it with charts that are recorded, not drawn (no gnuplot needed).
tests/run.sh runs this folder with /usr/bin/python3 -B -m pytest -p
no:cacheprovider, so that nothing is written into the tree.
"""

import os
import sys

import pytest

from by_path import ROOT, SCRIPTS

if SCRIPTS not in sys.path:
    sys.path.insert(0, SCRIPTS)

from aiobench.report.context import Context  # noqa: E402  (after the path above)
from aiobench.report.results import Results  # noqa: E402

FIXTURE = os.path.join(ROOT, "tests", "python", "fixture")
RESULTS = os.path.join(FIXTURE, "results")
EXPECTED_REPORT = os.path.join(FIXTURE, "REPORT.md.expected")


class RecordedCharts:
    """charts.Charts without gnuplot: each render is recorded (its name,
    script, size and variables) and gives the path the real one would."""

    def __init__(self, data_dir):
        self.data_dir = str(data_dir)
        self.rendered = {}

    def data(self, name):
        return os.path.join(self.data_dir, name)

    def render(self, name, script, size, variables):
        self.rendered[name] = {"script": script, "size": size, "variables": variables}
        return f"charts/{name}.png"


@pytest.fixture(scope="session")
def results():
    return Results(RESULTS)


@pytest.fixture(scope="session")
def ctx(results, tmp_path_factory):
    return Context(results, RecordedCharts(tmp_path_factory.mktemp("chart-data")))
