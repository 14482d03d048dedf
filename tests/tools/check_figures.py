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
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from aiobench.errors import ReportError  # noqa: E402  (after the path above)
from aiobench.figures import FigureError, Runs, check_figure, figures_of  # noqa: E402
from aiobench.report import write_whole  # noqa: E402

PROGRAM = "check_figures"


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
