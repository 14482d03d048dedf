"""test_compare.py: scripts/compare.py's statistics, verdicts and display against known values.

The known values: benchstat's own tests (golang.org/x/perf benchmath), the
classic table of the median's distribution-free confidence interval, and,
for the exact U test, a brute-force count over every way to split the
ranked values. tests/integration/test_compare.sh runs the program itself.
"""

import itertools
import math
import random

import pytest

from by_path import load

compare = load("scripts/compare.py", "compare")


def brute_force_p(x, y):
    """The exact two-sided p of the U test by listing every split of the
    pooled values into len(x) and len(y) (midranks for ties): what
    u_distribution counts cleverly."""
    pooled = list(x) + list(y)
    doubled, _ = compare.ranks(pooled)
    n1 = len(x)
    observed = sum(doubled[:n1])
    sums = [sum(doubled[i] for i in pick) for pick in itertools.combinations(range(len(pooled)), n1)]
    below = sum(s <= observed for s in sums) / len(sums)
    above = sum(s >= observed for s in sums) / len(sums)
    return min(1.0, 2 * min(below, above))


# ---- The Mann-Whitney U test, exact ----

@pytest.mark.parametrize("x, y, want", [
    ([1, 2, 3], [4, 5, 6], 0.1),                        # benchstat: never significant at 0.05
    ([1, 2, 3, 4], [5, 6, 7, 8], 2 / 70),
    ([10, 11, 12, 13, 14], [20, 21, 22, 23, 24], 2 / 252),
    ([20, 21, 22, 23, 24], [10, 11, 12, 13, 14], 2 / 252),   # the direction does not matter
    ([1, 3, 5, 7, 9], [2, 4, 6, 8, 10], 174 / 252),     # interleaved: 2 x 87/252
    ([-1, -1, -1], [1, 1, 1], 0.1),                     # tied within each side (benchstat)
    ([1, -1, -1, -1], [-1, 1, 1, 1], 34 / 70),          # ties, one crossing (benchstat: 0.4857)
    ([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], 1.0),            # identical samples
])
def test_u_test_exact_known_p(x, y, want):
    p, how = compare.mann_whitney(x, y)
    assert how == "exact"
    assert p == pytest.approx(want, rel=1e-12)


def test_u_test_all_values_equal_is_p_1_and_said_so():
    assert compare.mann_whitney([7, 7, 7, 7], [7, 7, 7, 7]) == (1.0, "all equal")


def test_u_test_exact_p_equals_a_brute_force_count():
    rng = random.Random(11)
    tried = 0
    for _ in range(60):
        n1, n2 = rng.randint(1, 7), rng.randint(1, 7)
        spread = rng.choice([3, 1000])       # few distinct values half the time: ties
        x = [rng.randint(0, spread) for _ in range(n1)]
        y = [rng.randint(0, spread) for _ in range(n2)]
        if len(set(x + y)) == 1:
            continue
        tried += 1
        assert compare.mann_whitney(x, y)[0] == pytest.approx(brute_force_p(x, y), abs=1e-12), (x, y)
    assert tried > 50


# ---- The normal approximation, beyond EXACT_LIMIT ----

def test_u_test_30_vs_30_normal_within_0_005_of_exact():
    x = [i * 1.0 for i in range(30)]
    y = [i + 6.5 for i in range(30)]
    p, how = compare.mann_whitney(x, y)
    exact = compare.u_distribution(30, tuple([1] * 60))
    observed = 2 * sum(1 for a in x for b in y if a > b)   # 2*U1, no ties
    total = math.comb(60, 30)
    exact_p = min(1.0, 2 * min(sum(c for u, c in exact.items() if u <= observed),
                               sum(c for u, c in exact.items() if u >= observed)) / total)
    assert how == "normal"
    assert abs(p - exact_p) < 0.005


def test_u_test_30_vs_30_with_ties_tie_and_continuity_corrections():
    x, y = [1] * 20 + [2] * 10, [1] * 12 + [2] * 10 + [3] * 8
    # By hand: N = 60 in tied groups of 32, 20 and 8; U1 counted pair by pair
    # (a tie counts 1/2); sigma^2 = n1*n2/12 * (N+1 - sum(t^3 - t) / (N(N-1))).
    u1 = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in x for b in y)
    sigma = math.sqrt(900 / 12 * (61 - (32 ** 3 - 32 + 20 ** 3 - 20 + 8 ** 3 - 8) / (60 * 59)))
    want = math.erfc((abs(u1 - 450) - 0.5) / sigma / math.sqrt(2))
    p, how = compare.mann_whitney(x, y)
    assert how == "normal"
    assert p == pytest.approx(want, rel=1e-9)


# ---- How many runs are needed (benchstat's "need >= N") ----

def test_runs_to_tell_a_change():
    assert compare.runs_to_tell(0.05) == 4
    assert compare.runs_to_tell(0.01) == 5
    assert compare.smallest_p(3, 4) == pytest.approx(2 / 35)     # over 0.05


def test_runs_for_an_interval_of_the_median():
    assert compare.runs_for_ci(0.95) == 6
    assert compare.runs_for_ci(0.99) == 8


# ---- The median and its confidence interval ----

def test_median():
    assert compare.median([5, 1, 3]) == 3
    assert compare.median([4, 1, 3, 2]) == 2.5      # even: the mean of the middle two


# The classic table of the 95% interval of the median (order statistics,
# 1-based, from the smallest): n -> (k-th smallest, k-th largest).
CLASSIC_95 = {6: (1, 6), 7: (1, 7), 8: (1, 8), 9: (2, 8), 10: (2, 9), 11: (2, 10),
              12: (3, 10), 13: (3, 11), 14: (3, 12), 15: (4, 12), 16: (4, 13),
              17: (5, 13), 18: (5, 14), 19: (5, 15), 20: (6, 15)}


@pytest.mark.parametrize("n", sorted(CLASSIC_95))
def test_interval_is_the_classic_order_statistics(n):
    values = [100 + i for i in range(1, n + 1)]       # the i-th smallest is 100 + i
    random.Random(n).shuffle(values)
    low, high, coverage = compare.median_ci(values)
    assert (low - 100, high - 100) == CLASSIC_95[n]
    k = CLASSIC_95[n][0]
    assert coverage == pytest.approx(1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n)
    assert coverage >= 0.95


def test_interval_coverage_of_6_runs_is_31_of_32():
    assert compare.median_ci([-10, 2, 3, 4, 5, 6]) == (-10, 6, 1 - 2 / 64)


def test_interval_at_99_percent_of_20_runs():
    assert compare.median_ci(list(range(1, 21)), 0.99)[:2] == (4, 17)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_no_interval_under_6_runs(n):
    assert compare.median_ci(list(range(n))) is None


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


def test_geomean():
    assert compare.geomean([1, 100]) == pytest.approx(10)


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
