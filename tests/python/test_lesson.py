"""test_lesson.py: scripts/lesson.py, the lesson with another run's figures.

The reference run is a copy of the fixture (conftest.py); "your run" is the
same copy with some rows changed, so that what moved is known: a time
beyond its runs' range, a time within it, a ratio beyond and within the
default 10%, a configuration the run lacks, or ran with other args. The
lesson is a few lines written here, with the figures, a code link and a
chart link the real one has, and no "Figures from" line: the copy has one,
from the run's rows.
"""

import csv
import os
import shutil

import pytest

from aiobench import ROOT, lesson
from aiobench.figures import FigureError, Runs, check_figure, figures_of, spread
from aiobench.sources import SOURCES, source_problems
from conftest import RESULTS

SYNC = "config=headline fetch; model=sync; stat=median"
UV = "config=headline fetch; model=async_uv; stat=median"
COOK = "config=headline cook; model=sync; stat=median"


def figure(text, title):
    return f'[{text}](../results/runs.csv "{title}")'


def value(folder, title, unit="ms", decimals=1):
    """A figure's text as it holds against folder's runs."""
    zero = f"{0:.{decimals}f} {unit}"
    try:
        check_figure(Runs(str(folder)), zero, title)
    except FigureError as err:      # its corrected text is the value
        return err.corrected
    return zero


def sync_fetch_walls(runs):
    """headline fetch's wall_ms of sync, one per counted run: SYNC's runs."""
    return [float(r["wall_ms"]) for r in runs.by_key[("headline fetch", "sync")]]


def scale(folder, keep, factor, field="wall_ms"):
    """Multiplies field of the rows keep(row) accepts (a str field: appends
    factor to it); drops them when factor is None."""
    path = os.path.join(folder, "runs.csv")
    with open(path, newline="") as runs_file:
        reader = csv.DictReader(runs_file)
        fields, rows = reader.fieldnames, list(reader)
    out = []
    for row in rows:
        if keep(row):
            if factor is None:
                continue
            row[field] = row[field] + factor if isinstance(factor, str) else \
                str(float(row[field]) * factor)
        out.append(row)
    with open(path, "w", newline="") as runs_file:
        writer = csv.DictWriter(runs_file, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)


@pytest.fixture
def tree(tmp_path):
    """tmp/results (the reference), tmp/run (a copy to change), tmp/docs/LESSON.md."""
    reference, run = tmp_path / "results", tmp_path / "run"
    shutil.copytree(RESULTS, reference)
    shutil.copytree(RESULTS, run)
    (run / "charts").mkdir()
    (run / "charts" / "walltime.png").write_bytes(b"")
    (tmp_path / "docs").mkdir()
    text = "\n".join([
        f"sync took {figure(value(reference, SYNC, 's'), SYNC)}.",
        f"async_uv took {figure(value(reference, UV, 'ms', 0), UV)}.",
        f"the ratio is {figure(value(reference, SYNC + ' / ' + UV, '×', 0), SYNC + ' / ' + UV)}.",
        f"cooking took {figure(value(reference, COOK), COOK)}.",
        "see [the task](../tasks/task.c) and ![chart](../results/charts/walltime.png "
        "\"t\"), `[code](../nowhere.c)`",
        "```",
        "[fenced](../results/runs.csv)",
        "```",
    ])
    (tmp_path / "docs" / "LESSON.md").write_text(text + "\n")
    return tmp_path


def run_lesson(tree):
    return lesson.lesson_with(str(tree / "run"), str(tree / "docs" / "LESSON.md"),
                              str(tree / "results"))


def test_same_run_nothing_moves_and_every_figure_holds(tree):
    text, moved, missing = run_lesson(tree)
    assert moved == [] and missing == []
    runs = Runs(str(tree / "run"))
    found = list(figures_of(text))
    assert len(found) == 4
    for _, shown, title, problem, _ in found:
        assert problem is None
        check_figure(runs, shown, title)
    assert '](runs.csv "' in text and "../results/runs.csv \"" not in text


def test_links_resolve_from_the_run(tree):
    text, _, _ = run_lesson(tree)
    assert "](../tasks/task.c)" in text                 # from tmp/run, as from tmp/docs
    assert '](charts/walltime.png "t")' in text          # the run's own chart
    assert "`[code](../nowhere.c)`" in text               # code is left as written
    assert "[fenced](../results/runs.csv)" in text        # so is a fenced block


def test_a_time_beyond_its_range_moves_one_within_does_not(tree):
    scale(tree / "run", lambda r: r["config"] == "headline fetch" and r["model"] == "sync", 2)
    # cook's sync runs span 0.49 ms: 0.2 ms more changes the shown 6000.8 ms, within it.
    scale(tree / "run", lambda r: r["config"] == "headline cook" and r["model"] == "sync",
          1 + 0.2 / 6000.78)
    text, moved, _ = run_lesson(tree)
    lines = {number: (old, new) for number, old, new, _, _ in moved}
    assert 1 in lines and lines[1][1] == value(tree / "run", SYNC, "s")
    assert lines[1][0] != lines[1][1]
    assert 4 not in lines                       # inside the runs' range
    assert value(tree / "run", COOK) != value(tree / "results", COOK)
    assert value(tree / "run", COOK) in text.split("\n")[3]
    assert 3 in lines                           # the ratio doubled: beyond 10%
    assert value(tree / "run", SYNC, "s") in text.split("\n")[0]


def test_a_move_within_the_default_spread_is_no_news(tree):
    # sync's 20 s runs lie milliseconds apart; 5% more is a second, beyond
    # their range but within 10% of the value: the figure changes, unflagged.
    scale(tree / "run", lambda r: r["config"] == "headline fetch" and r["model"] == "sync", 1.05)
    text, moved, _ = run_lesson(tree)
    walls = sync_fetch_walls(Runs(RESULTS))
    assert max(walls) - min(walls) < 0.05 * min(walls)
    assert value(tree / "run", SYNC, "s") != value(tree / "results", SYNC, "s")
    assert value(tree / "run", SYNC, "s") in text.split("\n")[0]
    assert [number for number, *_ in moved] == []      # neither the time nor the ratio


def test_spread_is_the_larger_range_or_the_default():
    runs = Runs(RESULTS)
    walls = sync_fetch_walls(runs)
    width = max(walls) - min(walls)
    assert spread(runs, runs, SYNC, "ms", 1.0) == pytest.approx(width)
    assert spread(runs, runs, SYNC, "s", 0.001) == pytest.approx(width / 1000)
    assert spread(runs, runs, SYNC, "ms", 100 * width) == pytest.approx(10 * width)
    assert spread(runs, runs, SYNC + " / " + UV, "×", 80.0) == pytest.approx(8.0)


def test_a_config_the_run_lacks_is_not_in_this_run(tree):
    scale(tree / "run", lambda r: r["config"] == "headline cook", None)
    text, moved, missing = run_lesson(tree)
    assert [number for number, _, _ in missing] == [4]
    assert "unknown config 'headline cook'" in missing[0][2]
    line = text.split("\n")[3]
    assert line.endswith("](../results/runs.csv).")     # the reference's, untitled
    assert value(tree / "results", COOK) in line


def test_main_writes_and_reports(tree, capsys):
    scale(tree / "run", lambda r: r["config"] == "headline fetch" and r["model"] == "sync", 2)
    status = lesson.main(["--reference", str(tree / "results"),
                          "--lesson", str(tree / "docs" / "LESSON.md"), str(tree / "run")])
    out = capsys.readouterr().out
    assert status == 0
    assert (tree / "run" / "LESSON.md").read_text().startswith("> This is ")
    assert f"{os.path.relpath(str(tree / 'docs' / 'LESSON.md'), ROOT)}:1: " in out
    assert "(spread " in out and out.rstrip().endswith("2 figure(s) moved beyond the spread, "
                                                       "0 not in this run")


@pytest.mark.parametrize("argv, words", [
    (["--bogus"], "unknown option '--bogus'"),
    (["a", "b"], "unexpected argument 'b'"),
])
def test_usage_errors_exit_2(argv, words, capsys):
    assert lesson.main(argv) == 2
    assert capsys.readouterr().err == f"lesson: {words} (see --help)\n"


def test_a_folder_without_runs_csv(tmp_path, capsys):
    assert lesson.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"lesson: {tmp_path}: no runs.csv") and err.count("\n") == 1


def test_help(capsys):
    assert lesson.main(["--help"]) == 0
    assert "spread" in capsys.readouterr().out


def test_spread_takes_the_wider_of_the_two_runs(tree):
    scale(tree / "run", lambda r: r["config"] == "headline fetch" and r["model"] == "sync", 3)
    old, new = Runs(str(tree / "results")), Runs(str(tree / "run"))
    walls = sync_fetch_walls(old)
    wide = 3 * (max(walls) - min(walls))
    assert spread(old, new, SYNC, "ms", 1.0) == pytest.approx(wide)
    assert spread(new, old, SYNC, "ms", 1.0) == pytest.approx(wide)


def test_no_run_yet(tmp_path, capsys):
    missing = str(tmp_path / "latest")
    assert lesson.main([missing]) == 2
    assert capsys.readouterr().err == (f"lesson: {missing}: no such folder (make bench writes "
                                       "results/runs/STAMP and links results/latest to it)\n")


def test_the_figures_from_line_is_the_runs(tree):
    text, _, _ = run_lesson(tree)
    fetch = "`headline fetch` (`fetch -n 100 --latency-ms 200`)"
    assert text.split("\n")[-2:] == [f"{SOURCES}{fetch}, `headline cook` (`cook`).", ""]
    scale(tree / "run", lambda r: r["config"] == "headline cook", " --time-scale 1", "args")
    text, _, _ = run_lesson(tree)
    assert text.split("\n")[-2] == \
        f"{SOURCES}{fetch}, `headline cook` (`cook --time-scale 1`)."
    assert list(source_problems(Runs(str(tree / "run")), text)) == []
    scale(tree / "run", lambda r: r["config"] == "headline cook", None)
    text, _, _ = run_lesson(tree)
    assert text.split("\n")[-2] == f"{SOURCES}{fetch}."      # the run lacks cook
    assert list(source_problems(Runs(str(tree / "run")), text)) == []
