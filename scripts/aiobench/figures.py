"""figures.py: the figures a document quotes from a run's runs.csv, recomputed.

A figure is a Markdown link to runs.csv whose title names the rows and the
statistic behind its number (tests/tools/check_figures.py's docstring gives
the format). This module parses figures and computes their values with the
report's own code (load_runs, Stat), for the two tools that read them:
tests/tools/check_figures.py (does each figure hold against a run?) and
scripts/lesson.py (the lesson with another run's figures, and which moved);
and, for sources.py's "Figures from the bench configs" line, the args a
figure's rows were run with (Runs.source). A figure of the reference step
links to reference.json; its terms are read by reference_figures.py.
Python 3 standard library only.
"""

import math
import os
import re

from aiobench.errors import ReportError
from aiobench.reference_figures import REFERENCE_KEYS, ReferenceRecords, ReferenceTermError
from aiobench.report.results import Results
from aiobench.schema import load_runs
from aiobench.stats import Stat

# What each Stat attribute measures, and how its value becomes the base unit
# of that dimension: time in ms, memory in KB; "plain" has no unit. A Stat
# attribute missing here is reported as such, not guessed.
DIMENSIONS = {
    "median": ("time", 1), "min": ("time", 1), "max": ("time", 1),
    "whole_ms": ("time", 1), "cpu_ms": ("time", 1), "user_ms": ("time", 1),
    "sys_ms": ("time", 1), "lag_p99": ("time", 1), "lag_max": ("time", 1),
    "p99": ("time", 1), "from_intended_p99": ("time", 1), "start_late_max": ("time", 1),
    "rss_kb": ("memory", 1), "stack_touched_avg_kb": ("memory", 1),
    "task_state_bytes": ("memory", 1 / 1024),
    "runs": ("plain", 1), "ok": ("plain", 1), "failed": ("plain", 1),
    "errored": ("plain", 1), "in_flight": ("plain", 1), "max_in_flight": ("plain", 1),
    "server_threads": ("plain", 1), "threads": ("plain", 1), "loop_busy": ("plain", 1),
}

# The units a dimension may be shown in: how many of the unit one base unit is.
UNITS = {
    "time": {"ms": 1, "s": 1 / 1000, "µs": 1000, "us": 1000},
    "memory": {"KB": 1, "KiB": 1, "MB": 1 / 1024, "MiB": 1 / 1024},
    "plain": {"": 1, "%": 100, "×": 1},
}
ALL_UNITS = sorted({u for units in UNITS.values() for u in units if u}, key=len, reverse=True)

# A link to runs.csv (or reference.json) with a title: [TEXT](PATH "TITLE").
FIGURE = re.compile(r'\[([^\]\n]*)\]\(([^)\s]*(?:runs\.csv|reference\.json)) "([^"\n]*)"\)')
# Any link to runs.csv, titled or not, however it ends.
ANY_RUNS_LINK = re.compile(r'\]\(([^)\s]*runs\.csv)(?=[\s)"]|$)')
UNTITLED = re.compile(r'\]\([^)\s]*runs\.csv\)')
NUMBER = re.compile(r'^([-−]?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?\s?(.*)$')
TERM_KEYS = ("config", "model", "stat")
COST_KEYS = ("model", "cost")            # and up_to, optional
# The TaskCost numbers a cost term may name, and their dimensions in base units.
COSTS = {"rss_kb": ("memory", 1), "stack_kb": ("memory", 1), "state_kb": ("memory", 1),
         "user_us": ("time", 1 / 1000), "sys_us": ("time", 1 / 1000),
         "cpu_us": ("time", 1 / 1000)}
EPSILON = 1e-9
# A ratio's title that begins so compares two configs on purpose (a sweep).
SWEEP = "sweep: "
# The sweep a cost term's slope is taken over (Results.task_cost).
COST_SWEEP = "count"


class FigureError(Exception):
    """A figure that does not hold; the message says why, computed is the value if any."""

    def __init__(self, why, computed=None):
        super().__init__(why)
        self.computed = computed
        self.corrected = None    # the link text that would hold, where one can be given


class Runs:
    """runs.csv's rows, by (config, model); the whole results folder
    (the report's Results) is read only when a cost term asks for it."""

    def __init__(self, folder):
        self.folder = folder
        self.rows = load_runs(os.path.join(folder, "runs.csv"))
        self.configs = {row["config"] for row in self.rows}
        self.models = {row["model"] for row in self.rows}
        self.by_key = {}
        for row in self.rows:
            self.by_key.setdefault((row["config"], row["model"]), []).append(row)
        self.results = None
        self.reference = ReferenceRecords(folder)

    def cost_value(self, term):
        """The value of a cost term in its dimension's base unit, and the dimension."""
        model, cost = term["model"], term["cost"]
        if model not in self.models:
            raise FigureError(f"unknown model '{model}' (no row of runs.csv has it)")
        if cost not in COSTS:
            raise FigureError(f"unknown cost '{cost}' (one of {', '.join(COSTS)})")
        up_to = None
        if "up_to" in term:
            if not term["up_to"].isdigit():
                raise FigureError(f"up_to '{term['up_to']}' is not a count")
            up_to = int(term["up_to"])
        task_cost = self.whole().task_cost(model, up_to)
        value = None if task_cost is None else getattr(task_cost, cost)
        if value is None:
            raise FigureError(f"no cost '{cost}' for model '{model}' (under two points of "
                              "the count sweep, or not reported)")
        dimension, scale = COSTS[cost]
        return value * scale, dimension

    def whole(self):
        """The whole results folder (the report's Results), read once."""
        if self.results is None:
            try:
                self.results = Results(self.folder)
            except (ReportError, KeyError) as err:
                raise FigureError(f"a cost term needs the results' meta.json: {err}") from err
        return self.results

    def source(self, term):
        """What a term's rows were run with, as a 'Figures from' line gives
        it: `ARGS` from runs.csv's args column; for a cost term the count
        sweep's, `ARGS` with N where the count goes, and the N it ran.
        None where the run has no such rows (the figure fails, and says why)."""
        if "cost" not in term:
            args = sorted({row["args"] for row in self.by_key.get((term["config"],
                                                                   term["model"]), [])})
            return "; ".join(f"`{a}`" for a in args) or None
        try:
            results = self.whole()
            cost = results.task_cost(term["model"], int(term.get("up_to", "0")) or None)
        except (FigureError, ValueError):
            return None
        if cost is None:
            return None
        points = {p["value"]: p["models"][term["model"]]["args"]
                  for p in results.groups[COST_SWEEP]["points"] if term["model"] in p["models"]}
        return swept_args([points[n] for n in cost.counts], cost.counts)

    def term_value(self, term):
        """The value of one term in its dimension's base unit, and the dimension."""
        if "cost" in term:
            return self.cost_value(term)
        if "reference" in term:
            try:
                return self.reference.value(term)
            except ReferenceTermError as err:
                raise FigureError(str(err)) from err
        config, model, stat = term["config"], term["model"], term["stat"]
        if config not in self.configs:
            raise FigureError(f"unknown config '{config}' (no row of runs.csv has it)")
        if model not in self.models:
            raise FigureError(f"unknown model '{model}' (no row of runs.csv has it)")
        rows = self.by_key.get((config, model))
        if not rows:
            raise FigureError(f"no rows for config '{config}' and model '{model}'")
        summary = Stat(rows)
        if stat.startswith("_") or not hasattr(summary, stat) or stat == "rows":
            raise FigureError(f"unknown stat '{stat}' (not a number of the report's Stat, scripts/aiobench/stats.py)")
        if stat not in DIMENSIONS:
            raise FigureError(f"stat '{stat}' has no known unit (add it to DIMENSIONS "
                              "in scripts/aiobench/figures.py)")
        value = getattr(summary, stat)
        if value is None:
            raise FigureError(f"stat '{stat}' has no value for config '{config}' "
                              f"and model '{model}'")
        dimension, scale = DIMENSIONS[stat]
        return value * scale, dimension


def parse_term(text):
    """'config=C; model=M; stat=S', 'model=M; cost=A[; up_to=N]' or
    'reference=C; client=X; stat=S' as a dict; FigureError when malformed."""
    term = {}
    expected = ("expected 'config=C; model=M; stat=S', 'model=M; cost=A' or "
                "'reference=C; client=X; stat=S'")
    for part in text.split(";"):
        key, equals, value = part.strip().partition("=")
        key, value = key.strip(), value.strip()
        if not equals or key not in TERM_KEYS + COST_KEYS + REFERENCE_KEYS + ("up_to",) \
                or not value:
            raise FigureError(f"malformed title term '{text.strip()}': {expected}")
        if key in term:
            raise FigureError(f"malformed title term '{text.strip()}': {key} given twice")
        term[key] = value
    keys = COST_KEYS if "cost" in term else REFERENCE_KEYS if "reference" in term else TERM_KEYS
    missing = [key for key in keys if key not in term]
    extra = [key for key in term if key not in keys + (("up_to",) if "cost" in term else ())]
    if missing or extra:
        why = f"no {', '.join(missing)}" if missing else f"{', '.join(extra)} does not belong"
        raise FigureError(f"malformed title term '{text.strip()}': {why} ({expected})")
    return term


def term_source(term):
    """Where a term's rows come from, as a key of a 'Figures from' line:
    ('config', C), ('sweep', 'count') for a cost term (its slope is
    taken over the count sweep), ('reference', C) for a reference term."""
    if "reference" in term:
        return ("reference", term["reference"])
    return ("sweep", COST_SWEEP) if "cost" in term else ("config", term["config"])


def source_name(key):
    """A source key as the messages name it."""
    if key[0] == "reference":
        return f"the reference step's '{key[1]}'"
    return f"config '{key[1]}'" if key[0] == "config" else f"the '{key[1]}' sweep"


def parse_title(title):
    """A title as a list of one or two terms. A ratio's two terms come from
    one config (a comparison uses one config), unless the title begins
    with SWEEP: the sweep across configs is the point."""
    sweep = title.startswith(SWEEP)
    parts = (title[len(SWEEP):] if sweep else title).split(" / ")
    if len(parts) > 2:
        raise FigureError("malformed title: at most one ' / ' (a ratio of two terms)")
    terms = [parse_term(part) for part in parts]
    sources = [term_source(term) for term in terms]
    if sweep and (len(terms) != 2 or sources[0] == sources[1]):
        raise FigureError(f"'{SWEEP}' begins only a ratio whose two terms come from two configs")
    if not sweep and len(terms) == 2 and sources[0] != sources[1]:
        raise FigureError(f"a ratio across two configs ({source_name(sources[0])} / "
                          f"{source_name(sources[1])}): a comparison uses one config; begin "
                          f"the title with '{SWEEP}' where the sweep across them is the point")
    return terms


def parse_text(text):
    """The link text as (number, decimals, unit, digits), digits the number
    as written, sign and unit aside; FigureError when it is not one."""
    match = NUMBER.match(text.strip())
    if match is None:
        raise FigureError("the text is not a number and a unit")
    sign, whole, fraction, unit = match.groups()
    digits = whole + ("." + fraction if fraction else "")
    number = float(digits.replace(",", ""))
    if sign:
        number = -number
    unit = unit.strip()
    if unit and unit not in ALL_UNITS:
        raise FigureError(f"unknown unit '{unit}' (one of {', '.join(sorted(ALL_UNITS))}, "
                          "or none)")
    return number, len(fraction or ""), unit, digits


def figure_value(runs, terms):
    """The value of a title and its dimension."""
    value, dimension = runs.term_value(terms[0])
    if len(terms) == 1:
        return value, dimension
    divisor, below = runs.term_value(terms[1])
    if divisor == 0:
        raise FigureError("the ratio's divisor is 0")
    if below == dimension:
        return value / divisor, "plain"
    if below == "plain":
        return value / divisor, dimension
    raise FigureError(f"a ratio of {dimension} over {below} has no unit here")


def show(value, unit, decimals):
    """A computed value as the figure would show it, with one decimal more."""
    return f"{value:,.{decimals + 1}f}{' ' if unit and unit not in ('%', '×') else ''}{unit}"


def shown_value(runs, text, title):
    """The figure's value in the unit its text shows, and the text parsed
    (parse_text's tuple); FigureError when the unit does not fit."""
    parsed = parse_text(text)
    unit = parsed[2]
    value, dimension = figure_value(runs, parse_title(title))
    units = UNITS[dimension]
    if unit not in units:
        shown = f"'{unit}'" if unit else "no unit"
        allowed = ", ".join(u or "none" for u in units)
        raise FigureError(f"{shown} does not fit a {dimension} value (use {allowed})",
                          show(value * next(iter(units.values())), next(iter(units)), 2))
    return value * units[unit], parsed


def check_figure(runs, text, title):
    """Raises FigureError unless the figure holds; the error's corrected is
    the text as it should read, where a number can be given."""
    value, (number, decimals, unit, digits) = shown_value(runs, text, title)
    tolerance = 0.5 * 10 ** -decimals + EPSILON * max(1.0, abs(value))
    if not math.isfinite(value) or abs(number - value) > tolerance:
        error = FigureError(f"shown {number:,.{decimals}f}, but the value rounds to "
                            f"{value:,.{decimals}f}", show(value, unit, decimals))
        if math.isfinite(value) and (value < 0) == (number < 0):
            new_digits = f"{abs(value):{',' if ',' in digits else ''}.{decimals}f}"
            error.corrected = text.replace(digits, new_digits, 1)
        raise error


# The least run-to-run spread of any figure, and the whole spread of one
# without two counted runs behind it on either side (a ratio, a cost slope,
# a run of --runs 1): this fraction of the reference value.
SPREAD_DEFAULT = 0.10


def run_range(runs, title, unit):
    """For a figure of one term config=C; model=M; stat=S: the fastest-to-
    slowest range of S over the counted runs behind it, each run taken
    alone, in the figure's unit; None for a ratio, a cost or reference
    term, or fewer than two counted runs that give S."""
    terms = parse_title(title)
    term = terms[0]
    if len(terms) != 1 or "cost" in term or "reference" in term:
        return None
    values = [getattr(Stat([row]), term["stat"], None)
              for row in runs.by_key.get((term["config"], term["model"]), [])]
    values = [v for v in values if v is not None]
    dimension, scale = DIMENSIONS.get(term["stat"], ("plain", 1))
    if len(values) < 2 or unit not in UNITS[dimension]:
        return None
    return (max(values) - min(values)) * scale * UNITS[dimension][unit]


def spread(old_runs, new_runs, title, unit, old_value):
    """How far a figure may move between two runs by chance alone: the
    largest of its run_range in either run and SPREAD_DEFAULT of the old
    value. Three runs in one minute can agree far more closely than two
    runs an hour apart on the same machine (1.11 s against 1.12 s, from
    runs 2.5 ms apart, is no news)."""
    ranges = [r for r in (run_range(old_runs, title, unit), run_range(new_runs, title, unit))
              if r is not None]
    return max(ranges + [SPREAD_DEFAULT * abs(old_value)])


def strip_code(line):
    """The line with `inline code` blanked out, columns kept."""
    return re.sub(r"`[^`]*`", lambda m: " " * len(m.group(0)), line)


def figures_of(text):
    """(line number, text, title, problem, span) for each figure of a
    Markdown text, span the columns of its text in the line; problem is set
    (and span None) for a link to runs.csv that is neither a figure nor a
    plain untitled link (a title broken across lines, say)."""
    in_fence = False
    for number, line in enumerate(text.split("\n"), 1):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        line = strip_code(line)
        found = list(FIGURE.finditer(line))
        for match in found:
            yield number, match.group(1), match.group(3), None, match.span(1)
        covered = [(m.start(), m.end()) for m in found]
        covered += [(m.start(), m.end()) for m in UNTITLED.finditer(line)]
        for link in ANY_RUNS_LINK.finditer(line):
            if not any(start <= link.start() < end for start, end in covered):
                yield number, line[max(0, link.start() - 20):link.end() + 20].strip(), "", \
                    "a link to runs.csv that is not a whole figure on one line " \
                    '([TEXT](PATH "TITLE"))', None


def swept_args(args, counts):
    """The arguments of the count sweep's points, as a 'Figures from' line
    gives them (sources.py): `ARGS` with N where each point's count is,
    and the N; each point's `ARGS` where they differ otherwise."""
    split = [a.split() for a in args]
    alike = len({len(s) for s in split}) == 1
    differ = [i for i in range(len(split[0])) if alike and len({s[i] for s in split}) > 1]
    if len(differ) == 1 and all(s[differ[0]] == str(n) for s, n in zip(split, counts)):
        template = split[0][:differ[0]] + ["N"] + split[0][differ[0] + 1:]
        return f"`{' '.join(template)}`, N = {', '.join(str(n) for n in counts)}"
    return "; ".join(f"`{a}`" for a in args)
