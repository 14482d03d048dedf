"""test_report_sections.py: each section of REPORT.md, made from the fixture.

fixture/REPORT.md.expected is the report of the fixture's results (the
committed run, cut: fixture/cut.py); before the report became one module per
section it was made by the one Report class, and the modules give it line
for line. Each section here is one module's section(ctx), found in the
expected text where the sections before it end; then a few facts of each
section checked by what they mean, and the charts each section asks for
(recorded, not drawn: conftest.RecordedCharts).
"""

import re

import pytest

from aiobench.report import document, headline_table, targets
from conftest import EXPECTED_REPORT, RESULTS

with open(EXPECTED_REPORT) as expected_file:
    EXPECTED = expected_file.read()
NAMES = [module.__name__.rsplit(".", 1)[1] for module in document.SECTIONS]
# The sections of what the fixture's run did not measure yet (it has no
# syscalls.csv, no rate sweep): they give no line of its report.
# test_syscalls.py and test_rate.py make them from results of their own.
NEWER = ("rate", "syscalls")


@pytest.fixture(scope="module")
def sections(ctx):
    """{name: (its lines, the character of the expected report they start at)}:
    the report is its lines joined by newlines (a line may hold one)."""
    found, at = {}, len("\n".join(document.title(ctx))) + 1
    for name, module in zip(NAMES, document.SECTIONS):
        lines = list(module.section(ctx))
        found[name] = (lines, at)
        if lines:
            at += len("\n".join(lines)) + 1
    return found


def test_the_title(ctx):
    title = "\n".join(document.title(ctx))
    assert EXPECTED.startswith(title + "\n")
    assert title.startswith("# Benchmark report: when does async I/O pay off?\n")


@pytest.mark.parametrize("name", NAMES)
def test_each_section_gives_its_lines_of_the_report(sections, name):
    lines, at = sections[name]
    if name in NEWER:
        assert lines == [], f"{name}: lines for results older than what it reports"
        return
    assert lines, f"{name}: no line"
    text = "\n".join(lines)
    assert text == EXPECTED[at:at + len(text)], name


def test_the_whole_report(ctx):
    assert document.text(ctx) == EXPECTED


def section_text(sections, name):
    return "\n".join(sections[name][0])


def test_targets_count_their_verdicts(sections):
    text = section_text(sections, "targets")
    rows = re.findall(r"^\| (.*) \| (.*) \| (met|not met|not judged|not measured) \|$", text, re.M)
    assert len(rows) == len(targets.SPEED_TARGETS) + len(targets.MEMORY_TARGETS)
    met = sum(1 for *_, verdict in rows if verdict == "met")
    assert f"\n{met} of {len(rows)} targets met" in text
    assert text.startswith("## Targets: the speed and memory each model is held to")
    assert "Issue" not in text


def test_the_headline_has_a_table_per_io_workload(sections, results):
    text = section_text(sections, "headline")
    headings = re.findall(r"^### (\S+( --\S+)?):", text, re.M)
    assert [h for h, _ in headings] == [g["name"] for g in results.headline]
    # Every model that ran has its row, and its median is the Stat's.
    point = results.headline[0]["points"][0]
    for model in results.models:
        stat = results.stat(model, point)
        assert re.search(rf"^\| {model} \| \S+ (ms|s) \|", text, re.M)
        assert stat.runs == 3


def test_the_processing_section_holds_the_cpu_threads_and_the_loop(sections):
    text = section_text(sections, "processing")
    assert "### The threads computing: T from 1 to 8" in text
    assert "### The loop's health: lag and busy share" in text
    assert "W, one cpu task of 8,000 rounds on one core, is 43.4 ms" in text


def test_the_count_sweep_says_where_the_plan_stops(sections):
    assert "The plan stops at N=10,000: the mock server holds one civetweb thread" in \
        section_text(sections, "count")


def test_skipped_and_failed_runs_names_the_runs_over_the_limit(sections):
    text = section_text(sections, "skipped")
    assert text.startswith("## Skipped and failed runs")
    assert "- skipped: sync `fetch -n 300 --latency-ms 200`: one run would take about" in text


def test_the_charts_each_section_asks_for(ctx, sections):
    embedded = re.findall(r"\(charts/([\w-]+)\.png\)", EXPECTED)
    assert sorted(ctx.charts.rendered) == sorted(embedded)
    assert len(embedded) == 13
    sweep = ctx.charts.rendered["sweep-count"]
    assert sweep["script"] == "sweep.gp" and sweep["size"] == "sweep-refs"
    assert sweep["variables"]["refs"] == "python_asyncio curl_parallel"
    assert sweep["variables"]["ideal_title_1"] == "ideal, sync: N*L (one at a time)"


def test_the_headline_table_for_a_terminal():
    table = headline_table(RESULTS).split("\n")
    assert table[0].split() == ["workload", "model", "median", "min", "max", "ideal", "ratio",
                                "ok/failed", "checksum"]
    fetch_sync = next(line for line in table if line.startswith("fetch ") and " sync " in line)
    assert fetch_sync.split()[8:11] == ["20", "s", "1.00x"]     # ideal N*L, 100 x 200 ms
    assert table[-2] == "(python_asyncio, curl_parallel: reference clients, not models)"
