"""test_stats.py: aiobench/stats.py's statistics against known values.

The known values: benchstat's own tests (golang.org/x/perf benchmath), the
classic table of the median's distribution-free confidence interval, and,
for the exact U test, a brute-force count over every way to split the
ranked values; then what the report says of a model's counted runs (Stat),
and the least-squares slope, on runs whose figures are known.
"""

import itertools
import math
import random

import pytest

from aiobench import schema, stats


def brute_force_p(x, y):
    """The exact two-sided p of the U test by listing every split of the
    pooled values into len(x) and len(y) (midranks for ties): what
    u_distribution counts cleverly."""
    pooled = list(x) + list(y)
    doubled, _ = stats.ranks(pooled)
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
    p, how = stats.mann_whitney(x, y)
    assert how == "exact"
    assert p == pytest.approx(want, rel=1e-12)


def test_u_test_all_values_equal_is_p_1_and_said_so():
    assert stats.mann_whitney([7, 7, 7, 7], [7, 7, 7, 7]) == (1.0, "all equal")


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
        assert stats.mann_whitney(x, y)[0] == pytest.approx(brute_force_p(x, y), abs=1e-12), (x, y)
    assert tried > 50


# ---- The normal approximation, beyond EXACT_LIMIT ----

def test_u_test_30_vs_30_normal_within_0_005_of_exact():
    x = [i * 1.0 for i in range(30)]
    y = [i + 6.5 for i in range(30)]
    p, how = stats.mann_whitney(x, y)
    exact = stats.u_distribution(30, tuple([1] * 60))
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
    p, how = stats.mann_whitney(x, y)
    assert how == "normal"
    assert p == pytest.approx(want, rel=1e-9)


# ---- How many runs are needed (benchstat's "need >= N") ----

def test_runs_to_tell_a_change():
    assert stats.runs_to_tell(0.05) == 4
    assert stats.runs_to_tell(0.01) == 5
    assert stats.smallest_p(3, 4) == pytest.approx(2 / 35)     # over 0.05


def test_runs_for_an_interval_of_the_median():
    assert stats.runs_for_ci(0.95) == 6
    assert stats.runs_for_ci(0.99) == 8


# ---- The median and its confidence interval ----

def test_median():
    assert stats.median([5, 1, 3]) == 3
    assert stats.median([4, 1, 3, 2]) == 2.5      # even: the mean of the middle two


# The classic table of the 95% interval of the median (order statistics,
# 1-based, from the smallest): n -> (k-th smallest, k-th largest).
CLASSIC_95 = {6: (1, 6), 7: (1, 7), 8: (1, 8), 9: (2, 8), 10: (2, 9), 11: (2, 10),
              12: (3, 10), 13: (3, 11), 14: (3, 12), 15: (4, 12), 16: (4, 13),
              17: (5, 13), 18: (5, 14), 19: (5, 15), 20: (6, 15)}


@pytest.mark.parametrize("n", sorted(CLASSIC_95))
def test_interval_is_the_classic_order_statistics(n):
    values = [100 + i for i in range(1, n + 1)]       # the i-th smallest is 100 + i
    random.Random(n).shuffle(values)
    low, high, coverage = stats.median_ci(values)
    assert (low - 100, high - 100) == CLASSIC_95[n]
    k = CLASSIC_95[n][0]
    assert coverage == pytest.approx(1 - 2 * sum(math.comb(n, i) for i in range(k)) / 2 ** n)
    assert coverage >= 0.95


def test_interval_coverage_of_6_runs_is_31_of_32():
    assert stats.median_ci([-10, 2, 3, 4, 5, 6]) == (-10, 6, 1 - 2 / 64)


def test_interval_at_99_percent_of_20_runs():
    assert stats.median_ci(list(range(1, 21)), 0.99)[:2] == (4, 17)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_no_interval_under_6_runs(n):
    assert stats.median_ci(list(range(n))) is None


def test_geomean():
    assert stats.geomean([1, 100]) == pytest.approx(10)


# ---- The statistics of a model's counted runs ----

def run_row(status, wall_ms, **cells):
    row = dict.fromkeys(schema.NUMERIC)
    row.update(status=str(status), wall_ms=wall_ms, **cells)
    return row


def test_stat_median_and_whisker_over_the_runs_that_went_through():
    stat = stats.Stat([run_row(0, 30.0, ok=5), run_row(1, 10.0, ok=4, failed=1),
                       run_row(0, 20.0, ok=5), run_row("timeout", None),
                       run_row(3, 99.0)])
    # Status 0 and 1 are timed; a timeout and an exit 3 are errored.
    assert (stat.median, stat.min, stat.max) == (20.0, 10.0, 30.0)
    assert (stat.runs, stat.errored, stat.ok, stat.failed) == (5, 2, 14, 1)


def test_stat_median_of_an_even_count_is_the_mean_of_the_middle_two():
    stat = stats.Stat([run_row(0, w) for w in (40.0, 10.0, 30.0, 20.0)])
    assert (stat.median, stat.min, stat.max) == (25.0, 10.0, 40.0)


def test_stat_without_a_timed_run():
    stat = stats.Stat([run_row("signal 9", None)])
    assert (stat.median, stat.min, stat.max, stat.errored) == (None, None, None, 1)


def test_stat_threads_that_compute():
    assert stats.Stat([run_row(0, 1.0, offload=1, uv_threadpool=4)]).threads == 4
    assert stats.Stat([run_row(0, 1.0, offload=0, pool_threads=16)]).threads == 16
    assert stats.Stat([run_row(0, 1.0, offload=0)]).threads == 1


def test_stat_p99s_from_the_actual_and_the_intended_start():
    stat = stats.Stat([run_row(0, 1.0, p99_ms=201.0, latency_from_intended_p99_ms=900.0,
                               start_late_max_ms=700.0),
                       run_row(0, 1.0, p99_ms=203.0, latency_from_intended_p99_ms=910.0,
                               start_late_max_ms=710.0),
                       run_row(0, 1.0, p99_ms=202.0, latency_from_intended_p99_ms=905.0,
                               start_late_max_ms=705.0)])
    assert (stat.p99, stat.from_intended_p99, stat.start_late_max) == (202.0, 905.0, 705.0)
    # A run without --rate, or a runs.csv older than the rate columns: none.
    older = {k: v for k, v in run_row(0, 1.0, p99_ms=5.0).items()
             if k not in ("latency_from_intended_p99_ms", "start_late_max_ms")}
    stat = stats.Stat([older])
    assert (stat.p99, stat.from_intended_p99, stat.start_late_max) == (5.0, None, None)


def test_median_of_leaves_out_none():
    assert stats.median_of([3, None, 1, 2]) == 2
    assert stats.median_of([None]) is None


def test_slope_least_squares():
    assert stats.slope([(1, 2), (2, 4), (3, 6)]) == pytest.approx(2)
    assert stats.slope([(0, 1), (1, 0), (2, 4), (3, None)]) == pytest.approx(1.5)
    assert stats.slope([(5, 1), (5, 2)]) is None          # one x: no slope
