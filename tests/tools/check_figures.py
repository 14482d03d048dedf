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
A term may also be `reference=C; client=X; stat=S`, a figure of the
reference step (scripts/reference.py) read from the results' reference.json,
whose link goes to reference.json:

    [453 ms](../results/reference.json "reference=download; client=async_coro; stat=median")

the record of client X (curl_parallel, async_coro, `async_coro --verify
status` ...) in comparison C (fetch or download), and S one of median (its
whole-process median over the counted rounds, ms), wall_ms (its own
wall_ms, ms), ratio (to the step's reference), runs, failed_runs
(scripts/aiobench/reference_figures.py). Two reference terms of one
comparison make a ratio; such a figure is said in words to come from the
reference step, and a 'Figures from' line (below) leaves it out.
A title is one term, or two joined by " / ": their ratio. The value is
computed by the report's own code (load_runs and Stat are imported, not
copied), so a figure in a document and the same figure in REPORT.md are one
computation. A comparison uses one config: a ratio's two terms come from
the same config (two cost terms both from the count sweep), or the figure
fails; where the sweep across two configs is the point, the title says so
by beginning with `sweep: `:

    [9.3×](../results/runs.csv "sweep: config=window 10; model=async_uv; stat=median / config=window 100; model=async_uv; stat=median")

Every figure has its command beside it: in docs/LESSON.md (and
scripts/lesson.py's copies of it, any file named LESSON.md; the other
documents say in words what ran), each section (what a heading of level 1
or 2 begins) with figures ends with one line naming every config they come
from, in the order of first use, each with its args from runs.csv:

    Figures from the bench configs: `headline fetch` (`fetch -n 100 --latency-ms 200`), `count 1` (`fetch -n 1 --latency-ms 200`).

Where the section's models ran a config with different args, each is
given with its models: `threads 4` (`files ... --uv-threadpool 4` for
async_uv; `files ... --concurrency 4` for async_threads). Cost terms come
from the count sweep: the `count` sweep (`fetch -n N --latency-ms 200`,
N = 1, 3, 10). A section whose figures use a config its line does not name,
whose line names one they do not use, gives other args than runs.csv, is
missing, is not the section's last line or does not read as above fails,
`FILE:LINE: section 'HEADING': why`; --update writes each such line as it
should read (scripts/aiobench/sources.py).

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
or results folder that cannot be read); a wrong 'Figures from' line is a
failure too, counted after the figures. Python 3 standard library only.
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from aiobench.errors import ReportError  # noqa: E402  (after the path above)
from aiobench.figures import FigureError, Runs, check_figure, figures_of  # noqa: E402
from aiobench.sources import source_problems, sources_fixed  # noqa: E402
from aiobench.report import write_whole  # noqa: E402

PROGRAM = "check_figures"
# The documents held to a 'Figures from' line per section: the lesson, and
# scripts/lesson.py's copies of it (RUN_DIR/LESSON.md).
LESSON = "LESSON.md"


def check_file(runs, path, markdown, update=False):
    """Checks every figure of one file's text, and each section's 'Figures
    from' line, and prints the failures; with update, rewrites the file
    with the figures that can be corrected and the lines as they should
    read. (passed, failed, corrected, sections wrong, sections rewritten)."""
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
    wrong = 0
    problems = source_problems(runs, markdown) if os.path.basename(path) == LESSON else []
    for line, heading, why in problems:
        wrong += 1
        print(f"{path}:{line}: section '{heading or '(before the first heading)'}': {why}")
    rewritten = []
    if update and wrong:
        text, rewritten = sources_fixed(runs, "\n".join(lines))
        lines = text.split("\n")
        for line in rewritten:
            print(f"{path}:{line}: 'Figures from' line rewritten")
    if corrections or rewritten:
        write_whole(path, "\n".join(lines))
    return passed, failed, len(corrections), wrong, len(rewritten)


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
    counts = [0] * 5     # passed, failed, corrected, sections wrong, rewritten
    for path, markdown in texts.items():
        try:
            counts = [a + b for a, b in zip(counts, check_file(runs, path, markdown,
                                                               opts.update))]
        except OSError as err:
            sys.stderr.write(f"{PROGRAM}: cannot update {path}: {err.strerror}\n")
            return 2
    passed, failed, corrected, wrong, rewritten = counts
    updated = f", {corrected} updated" if opts.update else ""
    sections = ""
    if wrong:
        sections = f"; {wrong} wrong in the sections' 'Figures from' lines" + \
            (f", {rewritten} line(s) rewritten" if opts.update else "")
    print(f"{passed + failed} figures in {len(opts.files)} file(s): "
          f"{passed} passed, {failed} failed{updated}{sections}")
    return 1 if failed - corrected or (wrong and not opts.update) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
