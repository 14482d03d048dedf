"""test_figure_sources.py: each figure's command beside it, and one config per comparison.

scripts/aiobench/sources.py holds each section of the lesson to a last line
naming the bench configs its figures come from, with runs.csv's args, and
figures.py a ratio's two terms to one config unless its title begins with
'sweep: ';
tests/tools/check_figures.py prints what fails and, with --update, writes
the lines as they should read. Here, on short lessons written against the
fixture (conftest.py): a right line passes; a line missing, misplaced,
doubled or unreadable fails, as does one naming a config the figures do not
use, leaving out one they use, or giving other args; the args of a config
the section's models ran differently, and the count sweep of a cost term;
and the ratios.
"""

import os

import pytest

from aiobench.figures import FigureError, Runs, check_figure
from aiobench.sources import SOURCES, parse_sources, source_problems, sources_fixed
from by_path import load
from conftest import RESULTS

check_figures = load("tests/tools/check_figures.py", "check_figures")

FETCH = "config=headline fetch; model=sync; stat=median"
COOK = "config=headline cook; model=sync; stat=median"
UV_THREADS = "config=threads 4; model=async_uv; stat=median"
POOL_THREADS = "config=threads 4; model=async_threads; stat=median"
COST = "model=async_uv; cost=rss_kb"
FETCH_ARGS = "`fetch -n 100 --latency-ms 200`"
COOK_ARGS = "`cook`"
RIGHT = f"{SOURCES}`headline fetch` ({FETCH_ARGS}), `headline cook` ({COOK_ARGS})."


@pytest.fixture(scope="module")
def runs():
    return Runs(RESULTS)


def figure(title):
    """A figure whose number need not hold: the line is what is checked."""
    return f'[1 ms](../results/runs.csv "{title}")'


def lesson(*body, heading="## 1. A step"):
    return "\n".join(["# The lesson", "", "Intro.", "", heading, "", *body, "",
                      "## 2. No figures", "", "Words."])


def problems(runs, text):
    return [(line, heading, why) for line, heading, why in source_problems(runs, text)]


def test_a_right_line_passes_and_fixing_leaves_it(runs):
    text = lesson(f"sync took {figure(FETCH)} and cooked in {figure(COOK)}.", "", RIGHT)
    assert problems(runs, text) == []
    assert sources_fixed(runs, text) == (text, [])
    assert parse_sources(RIGHT) == {("config", "headline fetch"): FETCH_ARGS,
                                    ("config", "headline cook"): COOK_ARGS}


def test_a_missing_line_fails_at_the_sections_end_and_is_added(runs):
    text = lesson(f"sync took {figure(FETCH)} and cooked in {figure(COOK)}.")
    assert problems(runs, text) == [
        (7, "## 1. A step", f"no 'Figures from the bench configs:' line at its end; "
                            f"it would read: {RIGHT}")]
    fixed, changed = sources_fixed(runs, text)
    assert changed == [7]
    assert fixed.split("\n")[6:11] == [text.split("\n")[6], "", RIGHT, "", "## 2. No figures"]
    assert problems(runs, fixed) == []


@pytest.mark.parametrize("line, why", [
    (f"{SOURCES}`headline fetch` ({FETCH_ARGS}).",
     "config 'headline cook', which its figures use, is not named on its 'Figures from' line"),
    (f"{RIGHT[:-1]}, `count 1` (`fetch -n 1 --latency-ms 200`).",
     "its 'Figures from' line names config 'count 1', which none of its figures use"),
    (f"{SOURCES}`headline fetch` (`fetch -n 10`), `headline cook` ({COOK_ARGS}).",
     f"config 'headline fetch': the line gives (`fetch -n 10`), runs.csv has ({FETCH_ARGS})"),
    (f"{SOURCES}`headline fetch` {FETCH_ARGS}, `headline cook` ({COOK_ARGS}).",
     "its 'Figures from' line does not read as"),
    (RIGHT[:-1], "its 'Figures from' line does not read as"),
    (f"{SOURCES[:-3]}: `headline fetch` ({FETCH_ARGS}), `headline cook` ({COOK_ARGS}).",
     "its 'Figures from' line does not read as"),
])
def test_a_wrong_line_fails_naming_the_section_and_the_config(runs, line, why):
    text = lesson(f"sync took {figure(FETCH)} and cooked in {figure(COOK)}.", "", line)
    found = problems(runs, text)
    assert [(n, h) for n, h, _ in found] == [(9, "## 1. A step")]
    assert found[0][2].startswith(why)
    fixed, changed = sources_fixed(runs, text)
    assert changed == [9] and fixed.split("\n")[8] == RIGHT
    assert problems(runs, fixed) == []


def test_a_line_not_last_or_twice_fails(runs):
    body = f"sync took {figure(FETCH)} and cooked in {figure(COOK)}."
    text = lesson(body, "", RIGHT, "", "More words.")
    assert problems(runs, text) == [
        (9, "## 1. A step", "its 'Figures from' line is not the section's last line")]
    fixed, _ = sources_fixed(runs, text)
    assert fixed == lesson(body, "", "More words.", "", RIGHT)
    text = lesson(body, "", RIGHT, "", RIGHT)
    assert problems(runs, text) == [
        (11, "## 1. A step", "a second 'Figures from' line (the first is line 9)")]
    assert sources_fixed(runs, text)[0] == lesson(body, "", RIGHT)


def test_a_line_in_a_section_without_figures_fails_and_is_dropped(runs):
    text = lesson("No figures here.", "", RIGHT)
    assert [why for _, _, why in problems(runs, text)] == [
        "its 'Figures from' line names config 'headline fetch', which none of its figures use",
        "its 'Figures from' line names config 'headline cook', which none of its figures use"]
    assert sources_fixed(runs, text)[0] == lesson("No figures here.")


def test_a_level_three_heading_stays_in_its_section(runs):
    text = lesson(f"sync took {figure(FETCH)}.", "", "### A part", "",
                  f"cooked in {figure(COOK)}.", "", RIGHT)
    assert problems(runs, text) == []


def test_figures_in_code_need_no_line(runs):
    text = lesson(f"`{figure(FETCH)}`", "", "```", figure(COOK), "```")
    assert problems(runs, text) == []


def test_args_that_differ_per_model_say_which_model_ran_which(runs):
    text = lesson(f"{figure(UV_THREADS)} against {figure(POOL_THREADS)}.")
    line = (f"{SOURCES}`threads 4` (`files -n 100 --size 1M --fsync --uv-threadpool 4` for "
            "async_uv; `files -n 100 --size 1M --fsync --concurrency 4` for async_threads).")
    assert sources_fixed(runs, text)[0].split("\n")[-5] == line
    # one model alone: its args, without naming it
    text = lesson(f"{figure(UV_THREADS)}.")
    assert sources_fixed(runs, text)[0].split("\n")[-5] == \
        f"{SOURCES}`threads 4` (`files -n 100 --size 1M --fsync --uv-threadpool 4`)."


def test_a_cost_term_names_the_count_sweep(runs):
    text = lesson(f"each added {figure(COST)}, sync {figure(FETCH)}.")
    line = (f"{SOURCES}the `count` sweep (`fetch -n N --latency-ms 200`, N = 1, 3, 10, 30, "
            f"100, 300, 1000, 3000, 10000), `headline fetch` ({FETCH_ARGS}).")
    assert sources_fixed(runs, text)[0].split("\n")[-5] == line
    text = lesson(f"each added {figure(COST)}.", "",
                  f"{SOURCES}the `count` sweep (`fetch -n N --latency-ms 200`, N = 1, 3).")
    assert [why for _, _, why in problems(runs, text)] == [
        "the 'count' sweep: the line gives (`fetch -n N --latency-ms 200`, N = 1, 3), "
        "runs.csv has (`fetch -n N --latency-ms 200`, N = 1, 3, 10, 30, 100, 300, 1000, "
        "3000, 10000)"]


def test_a_config_without_rows_is_left_to_its_figures_failure(runs):
    unknown = "config=no such config; model=sync; stat=median"
    text = lesson(f"{figure(unknown)} and {figure(FETCH)}.", "",
                  f"{SOURCES}`no such config` (`whatever`), `headline fetch` ({FETCH_ARGS}).")
    assert problems(runs, text) == []


def value(runs, text, title):
    """check_figure's verdict: None, or why not."""
    try:
        check_figure(runs, text, title)
    except FigureError as err:
        return str(err)
    return None


def test_a_ratio_compares_within_one_config(runs):
    window = "config=window {}; model=async_uv; stat=median"
    across = f"{window.format(10)} / {window.format(100)}"
    why = value(runs, "9×", across)
    assert why.startswith("a ratio across two configs (config 'window 10' / "
                          "config 'window 100'): a comparison uses one config")
    shown = value(runs, "0.0×", "sweep: " + across)      # allowed: it is computed
    assert shown.startswith("shown 0.0, but the value rounds to")
    assert value(runs, "1×", "sweep: " + FETCH) == \
        "'sweep: ' begins only a ratio whose two terms come from two configs"
    assert value(runs, "1×", f"sweep: {FETCH} / {FETCH}") == \
        "'sweep: ' begins only a ratio whose two terms come from two configs"
    assert "a ratio across two configs (the 'count' sweep / config 'headline fetch')" in \
        value(runs, "1 KB", f"{COST} / {FETCH.replace('median', 'in_flight')}")
    assert value(runs, "1×", f"{COST} / model=async_threads; cost=rss_kb").startswith("shown")


def run_checker(argv, capsys):
    status = check_figures.main(["--results", RESULTS] + argv)
    return status, capsys.readouterr().out.strip().split("\n")


def test_check_figures_prints_file_line_section_and_updates(tmp_path, capsys, runs):
    fetch = value(runs, "0.0 s", FETCH).split("rounds to ")[1] + " s"
    body = f"sync took [{fetch}](../results/runs.csv \"{FETCH}\")."
    path = tmp_path / "LESSON.md"
    path.write_text(lesson(body, "", f"{SOURCES}`headline cook` ({COOK_ARGS})."))
    status, out = run_checker([str(path)], capsys)
    assert status == 1
    assert out == [
        f"{path}:9: section '## 1. A step': config 'headline fetch', which its figures use, "
        "is not named on its 'Figures from' line",
        f"{path}:9: section '## 1. A step': its 'Figures from' line names config "
        "'headline cook', which none of its figures use",
        "1 figures in 1 file(s): 1 passed, 0 failed; 2 wrong in the sections' "
        "'Figures from' lines"]
    status, out = run_checker(["--update", str(path)], capsys)
    assert status == 0 and out[-2:] == [
        f"{path}:9: 'Figures from' line rewritten",
        "1 figures in 1 file(s): 1 passed, 0 failed, 0 updated; 2 wrong in the sections' "
        "'Figures from' lines, 1 line(s) rewritten"]
    assert path.read_text() == lesson(body, "", f"{SOURCES}`headline fetch` ({FETCH_ARGS}).")
    assert run_checker([str(path)], capsys) == (0, ["1 figures in 1 file(s): 1 passed, 0 failed"])


def test_check_figures_holds_only_the_lesson_to_the_lines(tmp_path, capsys, runs):
    fetch = value(runs, "0.0 s", FETCH).split("rounds to ")[1] + " s"
    notes = tmp_path / "notes.md"
    notes.write_text(lesson(f"sync took [{fetch}](../results/runs.csv \"{FETCH}\")."))
    assert run_checker([str(notes)], capsys) == (0, ["1 figures in 1 file(s): 1 passed, 0 failed"])
    copy = tmp_path / "LESSON.md"
    os.rename(notes, copy)
    status, out = run_checker([str(copy)], capsys)
    assert status == 1 and "no 'Figures from the bench configs:' line at its end" in out[0]
