"""reference_figures.py: the figures a document quotes from a run's reference.json.

The reference step (scripts/reference.py) times each client of a comparison
as a whole process; reference.json, beside runs.csv, keeps one record per
client: its median (whole_ms), its own wall_ms, its ratio to the step's
reference. A term `reference=C; client=X; stat=S` names one number of the
record of client X in comparison C (tests/tools/check_figures.py's docstring
gives the format). Compare with figures.py, which reads runs.csv and hands
these terms here.
Python 3 standard library only.
"""

import os

from aiobench.errors import ReportError
from aiobench.schema import load_reference

REFERENCE_KEYS = ("reference", "client", "stat")
# What a reference term's stat may be: the record's field it reads and its
# dimension (time in ms; plain has no unit), as figures.DIMENSIONS.
REFERENCE_STATS = {"median": ("whole_ms", "time"), "wall_ms": ("wall_ms", "time"),
                   "ratio": ("ratio", "plain"), "runs": ("runs", "plain"),
                   "failed_runs": ("failed_runs", "plain")}


class ReferenceTermError(Exception):
    """A reference term with no value; the message says why."""


class ReferenceRecords:
    """A results folder's reference.json, read when a term first asks for it."""

    def __init__(self, folder):
        self.path = os.path.join(folder, "reference.json")
        self.records = None

    def value(self, term):
        """The value of a reference term in its dimension's base unit, and
        the dimension; ReferenceTermError when the run has no such number."""
        comparison, client, stat = term["reference"], term["client"], term["stat"]
        if stat not in REFERENCE_STATS:
            raise ReferenceTermError(f"unknown reference stat '{stat}' (one of "
                                     f"{', '.join(REFERENCE_STATS)})")
        if self.records is None:
            if not os.path.exists(self.path):
                raise ReferenceTermError(f"a reference term needs {self.path}, and there is none")
            try:
                self.records = load_reference(self.path)
            except ReportError as err:
                raise ReferenceTermError(str(err)) from err
        ran = [r for r in self.records if r.get("comparison") == comparison]
        if not ran:
            raise ReferenceTermError(f"unknown comparison '{comparison}' (no record of "
                                     "reference.json has it)")
        record = next((r for r in ran if r.get("client") == client), None)
        if record is None:
            raise ReferenceTermError(f"no record of client '{client}' in comparison "
                                     f"'{comparison}' (it has {', '.join(r['client'] for r in ran)})")
        field, dimension = REFERENCE_STATS[stat]
        if record.get(field) is None:
            raise ReferenceTermError(f"no {field} for client '{client}' in comparison "
                                     f"'{comparison}'")
        return record[field], dimension
