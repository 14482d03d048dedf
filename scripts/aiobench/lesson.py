"""lesson.py: the lesson with your own run's figures (scripts/lesson.py).

docs/LESSON.md quotes the committed reference run (results/runs.csv); each
figure is a link whose title names the rows and statistic behind it
(figures.py). This writes RUN_DIR/LESSON.md: the same text with every figure
recomputed from RUN_DIR's runs.csv, each section's "Figures from the bench
configs" line written again from RUN_DIR's rows (their args, and only the
configs of the figures the run has), and every relative link made to resolve
from RUN_DIR: figures and charts to the run's own files, code and docs back
into the repository. It prints, one line each, the figures that moved by
more than the run-to-run spread (figures.spread), and those the run lacks.
Compare with tests/tools/check_figures.py --update, which rewrites the
lesson in place against one run and compares nothing.
"""

import os
import re
import sys

import options
from aiobench import ROOT
from aiobench.errors import ReportError
from aiobench.figures import (FigureError, Runs, check_figure, figures_of, shown_value,
                              spread, strip_code, SPREAD_DEFAULT)
from aiobench.sources import sources_fixed
from aiobench.report import write_whole

PROGRAM = "lesson"
RESULTS = os.path.join(ROOT, "results")
LESSON = os.path.join(ROOT, "docs", "LESSON.md")

# A Markdown link's target, relative or not: ](TARGET  (image links too).
LINK = re.compile(r'\]\(([^)\s]+)')
# The rest of a figure's link after its text: ](PATH "TITLE").
FIGURE_LINK = re.compile(r'\]\(([^)\s]*runs\.csv) "[^"\n]*"\)')

def rebase_target(target, lesson_dir, run_dir, reference_dir):
    """A link target written for lesson_dir, rewritten for run_dir: a file of
    the reference run that the run has too is the run's; anything else
    relative points back to where it pointed. URLs and #anchors stay."""
    path, hash_, anchor = target.partition("#")
    if not path or re.match(r"^[a-z][a-z0-9+.-]*:", path) or path.startswith("/"):
        return target
    where = os.path.normpath(os.path.join(lesson_dir, path))
    inside = os.path.relpath(where, reference_dir)
    if not inside.startswith(os.pardir) and os.path.exists(os.path.join(run_dir, inside)):
        where = os.path.join(run_dir, inside)
    return os.path.relpath(where, run_dir) + hash_ + anchor


def rebase_links(line, lesson_dir, run_dir, reference_dir):
    """The line with every link outside `inline code` rebased."""
    code = strip_code(line)
    out, last = [], 0
    for match in LINK.finditer(line):
        if code[match.start():match.end()] != line[match.start():match.end()]:
            continue
        out.append(line[last:match.start(1)])
        out.append(rebase_target(match.group(1), lesson_dir, run_dir, reference_dir))
        last = match.end(1)
    return "".join(out) + line[last:]


def lesson_with(run_dir, lesson_path=LESSON, reference_dir=RESULTS):
    """(text, moved, missing): the lesson with run_dir's figures; moved the
    figures beyond the spread, (line, old text, new text, spread, line's
    text); missing those run_dir lacks, (line, text, why), left with the
    reference run's value, linked, untitled, to its runs.csv."""
    new_runs, old_runs = Runs(run_dir), Runs(reference_dir)
    with open(lesson_path, encoding="utf-8") as lesson_file:
        original = lesson_file.read()
    lesson_dir = os.path.dirname(os.path.abspath(lesson_path))
    lines, in_fence = [], False
    for line in original.split("\n"):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        lines.append(line if in_fence or line.lstrip().startswith("```")
                     else rebase_links(line, lesson_dir, run_dir, reference_dir))
    reference_csv = os.path.relpath(os.path.join(reference_dir, "runs.csv"), run_dir)
    moved, missing, edits = [], [], []
    for number, text, title, problem, span in figures_of("\n".join(lines)):
        if problem:
            continue        # check_figures holds the lesson to the format
        try:
            check_figure(new_runs, text, title)
            new_text = text
        except FigureError as err:
            if err.corrected is None:
                missing.append((number, text, str(err)))
                edits.append((number, span, text, reference_csv))
                continue
            new_text = err.corrected
        old, (_, _, unit, _) = shown_value(old_runs, text, title)
        new, _ = shown_value(new_runs, text, title)
        allowed = spread(old_runs, new_runs, title, unit, old)
        if new_text != text and abs(new - old) > allowed:
            moved.append((number, text, new_text, f"{allowed:,.3g}{' ' if unit else ''}{unit}",
                          original.split("\n")[number - 1].strip()))
        edits.append((number, span, new_text, None))
    for number, (start, end), new_text, untitled in reversed(edits):
        line = lines[number - 1]
        rest = line[end:]
        if untitled:
            rest = FIGURE_LINK.sub(f"]({untitled})", rest, count=1)
        lines[number - 1] = line[:start] + new_text + rest
    # Each section's 'Figures from' line, from the run's own args, naming
    # the configs of the figures it has (not of those it lacks).
    text, _ = sources_fixed(new_runs, "\n".join(lines))
    return text, moved, missing


def note(run_dir, lesson_path):
    """The lines that open the copy: what it is and where it came from."""
    return (f"> This is {os.path.relpath(lesson_path, ROOT)} with the figures of the run in "
            f"this folder, written by scripts/lesson.py. A figure this run lacks keeps the "
            f"reference run's value and links to its runs.csv, without a title; each "
            f"section's last line names the bench configs of this run's figures, with "
            f"their args.\n\n")


def parse_args(argv):
    parser = options.Parser(
        "scripts/lesson.py",
        description="Writes RUN_DIR/LESSON.md: docs/LESSON.md with every figure "
                    "recomputed from RUN_DIR/runs.csv and its links made to resolve "
                    "from RUN_DIR. Prints each figure that moved by more than the "
                    "run-to-run spread, old and new value and its line, and each "
                    "figure the run lacks ('not in this run', as after --quick or "
                    "--tiny). The spread of a figure of one statistic is its "
                    "fastest-to-slowest range over the counted runs behind it, each "
                    "alone, the larger of the two runs', and never less than "
                    f"{SPREAD_DEFAULT:.0%} of the reference value; of a ratio, a cost, "
                    "or a figure with under two runs behind it, "
                    f"{SPREAD_DEFAULT:.0%} of the reference value.")
    parser.add_argument("run_dir", nargs="?", metavar="RUN_DIR",
                        default=os.path.join(RESULTS, "latest"),
                        help="a bench run's folder (default: results/latest, the "
                             "newest make bench)")
    parser.add_argument("--reference", metavar="DIR", default=RESULTS,
                        help="the run the lesson quotes (default: results)")
    parser.add_argument("--lesson", metavar="FILE", default=LESSON,
                        help="the lesson to copy (default: docs/LESSON.md)")
    args = parser.parse(argv)
    if args is None:
        parser.print_help()
    return args


def main(argv):
    """0 written, 2 usage or a folder that is not a run; one stderr line."""
    args, status = options.read_command_line(parse_args, argv, PROGRAM)
    if args is None:
        return status
    if not os.path.lexists(args.run_dir):
        sys.stderr.write(f"{PROGRAM}: {args.run_dir}: no such folder (make bench writes "
                         "results/runs/STAMP and links results/latest to it)\n")
        return 2
    run_dir = os.path.realpath(args.run_dir)
    for folder in (run_dir, os.path.realpath(args.reference)):
        if not os.path.isfile(os.path.join(folder, "runs.csv")):
            sys.stderr.write(f"{PROGRAM}: {folder}: no runs.csv (not a bench run: make "
                             "bench writes one under results/runs/)\n")
            return 2
    try:
        text, moved, missing = lesson_with(run_dir, args.lesson, os.path.realpath(args.reference))
        out = os.path.join(run_dir, "LESSON.md")
        write_whole(out, note(run_dir, os.path.abspath(args.lesson)) + text)
    except (OSError, ReportError) as err:
        sys.stderr.write(f"{PROGRAM}: {getattr(err, 'filename', None) or run_dir}: "
                         f"{getattr(err, 'strerror', None) or err}\n")
        return 2
    lesson_name = os.path.relpath(os.path.abspath(args.lesson), ROOT)
    for number, old, new, allowed, line in moved:
        print(f"{lesson_name}:{number}: {old} -> {new} (spread {allowed}): {line}")
    for number, text, why in missing:
        print(f"{lesson_name}:{number}: {text}: not in this run ({why})")
    print(f"{out}: {len(moved)} figure(s) moved beyond the spread, "
          f"{len(missing)} not in this run")
    return 0
