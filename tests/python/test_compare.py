"""test_compare.py: aiobench/compare.py's verdicts, display and reading against known values.

A change judged from the U test's p (its statistics are test_stats.py's),
a side shown as its median and the farther end of its interval, four
significant digits, and a runs.csv cell that is no finite number refused.
tests/integration/test_compare.sh runs the program itself.
"""

import pytest

from aiobench import compare
from test_stats import brute_force_p


# ---- The verdicts ----

def test_verdict_a_doubling_in_5_vs_5_is_plus_100_percent():
    row = compare.compare_pair([100, 101, 102, 103, 104], [200, 202, 204, 206, 208], 0.05)
    assert row["verdict"] == "changed"
    assert row["change_pct"] == pytest.approx(100.0)
    assert row["p"] == pytest.approx(2 / 252)


def test_verdict_3_vs_3_cannot_tell_even_a_doubling():
    row = compare.compare_pair([100, 101, 102], [200, 202, 204], 0.05)
    assert row["verdict"] == "too few"
    assert compare.fmt_change(row) == "too few runs (3 vs 3)"


def test_verdict_a_side_without_runs():
    row = compare.compare_pair([100, 101, 102], [], 0.05)
    assert row["verdict"] == "no runs"
    assert compare.fmt_change(row) == "no runs in NEW"
    assert compare.fmt_change(compare.compare_pair([], [], 0.05)) == "no runs in OLD and NEW"


def test_overlapping_intervals_yet_a_significant_change_shows_the_change():
    # The intervals (min to max of 6 runs) overlap, 15..16, but only one of
    # the 36 pairs crosses: p = 2 * 2/924, a change of the medians 12.5 -> 18.5.
    old, new = [10, 11, 12, 13, 14, 16], [15, 17, 18, 19, 20, 21]
    row = compare.compare_pair(old, new, 0.05)
    assert row["old"]["high"] > row["new"]["low"]
    assert row["verdict"] == "changed"
    assert row["p"] == pytest.approx(4 / 924)
    assert compare.fmt_side(row["old"]) == "12.50 ± 28%"      # 12.5 + 3.5, the farther end
    assert compare.fmt_side(row["new"]) == "18.50 ± 19%"      # 18.5 - 3.5
    assert compare.fmt_change(row) == "+48.0% (p=0.004)"


def test_overlapping_intervals_and_no_significant_change_show_a_tilde():
    old, new = [10, 12, 14, 16, 18, 20], [11, 13, 15, 17, 19, 21]
    row = compare.compare_pair(old, new, 0.05)
    want = brute_force_p(old, new)
    assert row["verdict"] == "same"
    assert row["p"] == pytest.approx(want)
    assert compare.fmt_change(row) == f"~ (p={want:.3f})"


# ---- The display ----

@pytest.mark.parametrize("values, shown", [
    ([100, 101, 102, 103, 104, 110], "102.5 ± 7%"),    # 7.5 / 102.5: the farther end, above
    ([90, 101, 102, 103, 104, 105], "102.5 ± 12%"),    # 12.5 / 102.5: the farther end, below
    ([100, 102, 101, 104, 103], "102.0 ± ∞"),          # 5 runs: too few for an interval
    ([7], "7.000 ± ∞"),
    ([0, 0, 0, 0, 0, 0], "0 ± 0%"),
    ([-1, 0, 0, 0, 0, 1], "0 ± ∞"),                    # no percentage of 0
])
def test_side_is_the_median_and_the_farther_end_of_its_interval(values, shown):
    assert compare.fmt_side(compare.summarize(values)) == shown


def test_side_without_runs():
    assert compare.fmt_side(compare.summarize([])) == "no runs"


@pytest.mark.parametrize("value, shown", [
    (None, "-"), (0, "0"), (1.2345, "1.234"), (12.5, "12.50"), (123.45, "123.5"),
    (20412, "20,412"), (1234567, "1,234,567"), (-3.5, "-3.500"), (0.001234, "0.001234"),
    # Rounded up to the next power of ten: still four significant digits.
    (9.99996, "10.00"), (99.996, "100.0"), (999.96, "1,000"), (0.00099996, "0.001000"),
])
def test_value_has_four_significant_digits(value, shown):
    assert compare.fmt_value(value) == shown


@pytest.mark.parametrize("p, shown", [(1.0, "1.000"), (0.0499, "0.050"), (0.001, "0.001"),
                                      (0.0005, "5.0e-04"), (1e-7, "1.0e-07")])
def test_p_value(p, shown):
    assert compare.fmt_p(p) == shown


# ---- Reading: a cell that is no finite number is refused ----

def load_cell(folder, cell):
    """What load_samples makes of a runs.csv whose one run has wall_ms CELL:
    its values, or the InputError's message."""
    path = folder / "runs.csv"
    path.write_text("config,run,model,args,status,wall_ms\n"
                    f"headline cook,1,sync,cook,0,{cell}\n")
    try:
        return compare.load_samples(str(path), "wall_ms")[("headline cook", "sync", "cook")]
    except compare.InputError as err:
        return str(err)


# Every spelling float() takes for NaN or an infinity, and a number too
# large for a double (float() makes it inf without a word).
@pytest.mark.parametrize("cell", ["nan", "NaN", "-nan", "+NAN", "inf", "-inf", "Inf", "infinity",
                                  "-Infinity", " inf ", "1e999", "-1e400"])
def test_reading_refuses_a_cell_that_is_no_finite_number(tmp_path, cell):
    got = load_cell(tmp_path, cell)
    assert isinstance(got, str)
    assert "line 2: wall_ms" in got and "not a finite number" in got


@pytest.mark.parametrize("cell, want", [("12.5", 12.5), ("1e3", 1000.0), (" 7 ", 7.0), ("0", 0.0)])
def test_reading_a_number(tmp_path, cell, want):
    assert load_cell(tmp_path, cell) == [want]


def test_reading_leaves_out_the_runs_that_did_not_exit_0(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text("config,run,model,args,status,wall_ms\n"
                    "c,1,sync,fetch,0,10\nc,2,sync,fetch,1,99\nc,3,sync,fetch,0,12\n"
                    "c,4,sync,fetch,0,\n")
    assert compare.load_samples(str(path), "wall_ms") == {("c", "sync", "fetch"): [10.0, 12.0]}
