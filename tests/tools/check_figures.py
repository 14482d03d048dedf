#!/usr/bin/python3
"""check_figures.py: every figure a document quotes from the results, recomputed.

    tests/tools/check_figures.py [--results DIR] [--update] [FILE.md ...]
        (default: the repository's results/ and docs/LESSON.md)

After a new reference run, --update rewrites each figure that no longer
holds with the value computed, to as many decimals as it showed, and says
which lines it changed: the words around them are for a person to read
again.

A figure is a Markdown link to runs.csv whose title says where the number
comes from, on one line:

    [20.1 s](../results/runs.csv "config=headline fetch; model=sync; stat=median")
    [93×](../results/runs.csv "config=headline fetch; model=sync; stat=median / config=headline fetch; model=async_uv; stat=median")

A term is `config=C; model=M; stat=S`: the rows of runs.csv whose `config`
column is C and whose `model` column is M, summed up by the report's Stat
(scripts/aiobench/stats.py), and S one of Stat's attributes (median, min, max, whole_ms, rss_kb,
cpu_ms, user_ms, sys_ms, in_flight, stack_touched_avg_kb, task_state_bytes,
max_in_flight, server_threads, loop_busy, lag_p99, lag_max, ok, failed ...).
A term may also be `model=M; cost=A` (or `model=M; cost=A; up_to=N`):
what one more waiting task costs M, the least-squares slope over the count
sweep (N up to N), as REPORT.md's "The cost of one waiting task" gives it:
A one of the report's TaskCost numbers, rss_kb, stack_kb, state_kb (KB) or
user_us, sys_us, cpu_us (µs). It needs the results' meta.json too.
A title is one term, or two joined by " / ": their ratio. The value is
computed by the report's own code (load_runs and Stat are imported, not
copied), so a figure in a document and the same figure in REPORT.md are one
computation.

The link text is a number and a unit. Times are in ms in Stat: `ms`, `s`,
`µs` (or `us`). Memory is in KB (KiB) in Stat, task_state_bytes in bytes:
`KB`, `MB` (1024 KB, as the report's fmt_mib; `KiB` and `MiB` are the same).
Counts and fractions (ok, in_flight, loop_busy ...) have no unit, or `%`
(a fraction × 100), or `×`. A ratio of two times, or of any two alike, is
`×`, `%` or no unit; memory or time over a count (rss_kb / in_flight) is
memory or time per task, in their units. The number may have commas
between thousands. A figure passes when the shown number equals the value,
in the shown unit, rounded to as many decimals as are shown: within half a
unit of its last digit.

Links in code (a fenced block or `inline code`) are not figures, nor a link
to runs.csv without a title. Prints each failure as one line,
`FILE:LINE: figure 'TEXT': why (computed X)`, then a count. Exit status: 0
every figure passed, 1 some failed, 2 a usage error (a bad option, a file
or results folder that cannot be read). Python 3 standard library only.
"""

import argparse
import math
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from aiobench.errors import ReportError  # noqa: E402  (after the path above)
from aiobench.report import write_whole  # noqa: E402
from aiobench.report.results import Results  # noqa: E402
from aiobench.schema import load_runs  # noqa: E402
from aiobench.stats import Stat  # noqa: E402

PROGRAM = "check_figures"

# What each Stat attribute measures, and how its value becomes the base unit
# of that dimension: time in ms, memory in KB; "plain" has no unit. A Stat
# attribute missing here is reported as such, not guessed.
DIMENSIONS = {
    "median": ("time", 1), "min": ("time", 1), "max": ("time", 1),
    "whole_ms": ("time", 1), "cpu_ms": ("time", 1), "user_ms": ("time", 1),
    "sys_ms": ("time", 1), "lag_p99": ("time", 1), "lag_max": ("time", 1),
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

# A link to runs.csv with a title: [TEXT](PATH "TITLE").
FIGURE = re.compile(r'\[([^\]\n]*)\]\(([^)\s]*runs\.csv) "([^"\n]*)"\)')
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
        if self.results is None:
            try:
                self.results = Results(self.folder)
            except (ReportError, KeyError) as err:
                raise FigureError(f"a cost term needs the results' meta.json: {err}") from err
        task_cost = self.results.task_cost(model, up_to)
        value = None if task_cost is None else getattr(task_cost, cost)
        if value is None:
            raise FigureError(f"no cost '{cost}' for model '{model}' (under two points of "
                              "the count sweep, or not reported)")
        dimension, scale = COSTS[cost]
        return value * scale, dimension

    def term_value(self, term):
        """The value of one term in its dimension's base unit, and the dimension."""
        if "cost" in term:
            return self.cost_value(term)
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
                              "in tests/tools/check_figures.py)")
        value = getattr(summary, stat)
        if value is None:
            raise FigureError(f"stat '{stat}' has no value for config '{config}' "
                              f"and model '{model}'")
        dimension, scale = DIMENSIONS[stat]
        return value * scale, dimension


def parse_term(text):
    """'config=C; model=M; stat=S' or 'model=M; cost=A[; up_to=N]' as a
    dict; FigureError when malformed."""
    term = {}
    expected = "expected 'config=C; model=M; stat=S' or 'model=M; cost=A'"
    for part in text.split(";"):
        key, equals, value = part.strip().partition("=")
        key, value = key.strip(), value.strip()
        if not equals or key not in TERM_KEYS + COST_KEYS + ("up_to",) or not value:
            raise FigureError(f"malformed title term '{text.strip()}': {expected}")
        if key in term:
            raise FigureError(f"malformed title term '{text.strip()}': {key} given twice")
        term[key] = value
    keys = COST_KEYS if "cost" in term else TERM_KEYS
    missing = [key for key in keys if key not in term]
    extra = [key for key in term if key not in keys + (("up_to",) if "cost" in term else ())]
    if missing or extra:
        why = f"no {', '.join(missing)}" if missing else f"{', '.join(extra)} does not belong"
        raise FigureError(f"malformed title term '{text.strip()}': {why} ({expected})")
    return term


def parse_title(title):
    """A title as a list of one or two terms."""
    parts = title.split(" / ")
    if len(parts) > 2:
        raise FigureError("malformed title: at most one ' / ' (a ratio of two terms)")
    return [parse_term(part) for part in parts]


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


def check_figure(runs, text, title):
    """Raises FigureError unless the figure holds; the error's corrected is
    the text as it should read, where a number can be given."""
    number, decimals, unit, digits = parse_text(text)
    value, dimension = figure_value(runs, parse_title(title))
    units = UNITS[dimension]
    if unit not in units:
        shown = f"'{unit}'" if unit else "no unit"
        allowed = ", ".join(u or "none" for u in units)
        raise FigureError(f"{shown} does not fit a {dimension} value (use {allowed})",
                          show(value * next(iter(units.values())), next(iter(units)), 2))
    value *= units[unit]
    tolerance = 0.5 * 10 ** -decimals + EPSILON * max(1.0, abs(value))
    if not math.isfinite(value) or abs(number - value) > tolerance:
        error = FigureError(f"shown {number:,.{decimals}f}, but the value rounds to "
                            f"{value:,.{decimals}f}", show(value, unit, decimals))
        if math.isfinite(value) and (value < 0) == (number < 0):
            new_digits = f"{abs(value):{',' if ',' in digits else ''}.{decimals}f}"
            error.corrected = text.replace(digits, new_digits, 1)
        raise error


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


def check_file(runs, path, markdown, update=False):
    """Checks every figure of one file's text and prints the failures; with
    update, rewrites the file with the figures that can be corrected.
    (passed, failed, corrected)."""
    passed = failed = 0
    lines = markdown.split("\n")
    corrections = []        # (line, span, text as it should read)
    for line, text, title, problem, span in figures_of(markdown):
        try:
            if problem:
                raise FigureError(problem)
            check_figure(runs, text, title)
            passed += 1
        except FigureError as err:
            failed += 1
            computed = f" (computed {err.computed})" if err.computed is not None else ""
            print(f"{path}:{line}: figure '{text}': {err}{computed}")
            if update and err.corrected is not None:
                corrections.append((line, span, err.corrected))
                print(f"{path}:{line}: updated to '{err.corrected}'")
    # From the last to the first, so that a correction leaves the columns
    # of those before it on its line where they were.
    for line, (start, end), new_text in reversed(corrections):
        lines[line - 1] = lines[line - 1][:start] + new_text + lines[line - 1][end:]
    if corrections:
        write_whole(path, "\n".join(lines))
    return passed, failed, len(corrections)


class Parser(argparse.ArgumentParser):
    """argparse with one-line usage errors and exit status 2."""

    def error(self, message):
        sys.stderr.write(f"{PROGRAM}: {message} (see --help)\n")
        sys.exit(2)


def parse_options(argv):
    parser = Parser(prog="check_figures.py",
                    description="Recompute every figure a Markdown file quotes from "
                                "results/runs.csv (see the top of this file for the format).")
    parser.add_argument("--results", metavar="DIR", default=os.path.join(ROOT, "results"),
                        help="the results folder whose runs.csv the figures come from "
                             "(default: the repository's results/)")
    parser.add_argument("--update", action="store_true",
                        help="rewrite each figure that no longer holds with the value "
                             "computed, at its shown decimals (then read the words around "
                             "it again)")
    parser.add_argument("files", nargs="*", metavar="FILE.md",
                        default=[os.path.join(ROOT, "docs", "LESSON.md")],
                        help="the documents to check (default: docs/LESSON.md)")
    return parser.parse_args(argv)


def main(argv):
    opts = parse_options(argv)
    try:
        runs = Runs(opts.results)
    except ReportError as err:
        sys.stderr.write(f"{PROGRAM}: {err}\n")
        return 2
    texts = {}
    for path in opts.files:
        try:
            with open(path, encoding="utf-8") as md_file:
                texts[path] = md_file.read()
        except (OSError, UnicodeDecodeError) as err:
            sys.stderr.write(f"{PROGRAM}: cannot read {path}: "
                             f"{getattr(err, 'strerror', None) or err}\n")
            return 2
    passed = failed = corrected = 0
    for path, markdown in texts.items():
        try:
            file_passed, file_failed, file_corrected = check_file(runs, path, markdown,
                                                                  opts.update)
        except OSError as err:
            sys.stderr.write(f"{PROGRAM}: cannot update {path}: {err.strerror}\n")
            return 2
        passed += file_passed
        failed += file_failed
        corrected += file_corrected
    updated = f", {corrected} updated" if opts.update else ""
    print(f"{passed + failed} figures in {len(opts.files)} file(s): "
          f"{passed} passed, {failed} failed{updated}")
    return 1 if failed - corrected else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
