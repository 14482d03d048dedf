#!/usr/bin/env python3
"""test_compare_stats.py: the statistics of scripts/compare.py against known values.

Prints one line per check, "ok - what" or "not ok - what: why", as the
integration tests do (tests/integration/test_compare.sh runs it). The
known values: benchstat's own tests (golang.org/x/perf benchmath), the
classic tables of the median's confidence interval, and, for the exact
U test, a brute-force count over every way to split the ranked values.
"""

import itertools
import math
import os
import random
import sys
import tempfile

sys.dont_write_bytecode = True   # importing compare must leave no scripts/__pycache__
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
import compare  # noqa: E402


def check(what, good, why=""):
    print(f"ok - {what}" if good else f"not ok - {what}: {why}")


def near(a, b, tolerance=1e-9):
    return abs(a - b) <= tolerance * max(1.0, abs(b))


def expect_p(what, x, y, want, how=None):
    p, test = compare.mann_whitney(x, y)
    check(f"U test: {what}: p = {want:.6g}", near(p, want) and (how is None or test == how),
          f"got p = {p!r} ({test})")


def brute_force_p(x, y):
    """The exact two-sided p by listing every split of the pooled values
    into n1 and n2 (midranks for ties): what u_distribution counts cleverly."""
    pooled = list(x) + list(y)
    doubled, _ = compare.ranks(pooled)
    n1 = len(x)
    observed = sum(doubled[:n1])
    sums = [sum(doubled[i] for i in pick) for pick in itertools.combinations(range(len(pooled)), n1)]
    below = sum(s <= observed for s in sums) / len(sums)
    above = sum(s >= observed for s in sums) / len(sums)
    return min(1.0, 2 * min(below, above))


# ---- The Mann-Whitney U test, exact ----

expect_p("3 vs 3 fully apart (benchstat: never significant at 0.05)", [1, 2, 3], [4, 5, 6], 0.1, "exact")
expect_p("4 vs 4 fully apart", [1, 2, 3, 4], [5, 6, 7, 8], 2 / 70, "exact")
expect_p("5 vs 5 fully apart", [10, 11, 12, 13, 14], [20, 21, 22, 23, 24], 2 / 252, "exact")
expect_p("the direction does not matter", [20, 21, 22, 23, 24], [10, 11, 12, 13, 14], 2 / 252)
expect_p("5 vs 5 interleaved (2 x 87/252)", [1, 3, 5, 7, 9], [2, 4, 6, 8, 10], 174 / 252, "exact")
expect_p("3 vs 3 tied within each side (benchstat: 0.1)", [-1, -1, -1], [1, 1, 1], 0.1)
expect_p("4 vs 4 with ties, one crossing (benchstat: 0.4857)",
         [1, -1, -1, -1], [-1, 1, 1, 1], 34 / 70)
expect_p("identical samples", [1, 2, 3, 4, 5], [1, 2, 3, 4, 5], 1.0)
p, how = compare.mann_whitney([7, 7, 7, 7], [7, 7, 7, 7])
check("U test: all values equal: p = 1, said so", p == 1.0 and how == "all equal", f"{p} {how}")

rng = random.Random(11)
worst = 0.0
for trial in range(60):
    n1, n2 = rng.randint(1, 7), rng.randint(1, 7)
    # Few distinct values half the time, so that ties are common.
    spread = rng.choice([3, 1000])
    x = [rng.randint(0, spread) for _ in range(n1)]
    y = [rng.randint(0, spread) for _ in range(n2)]
    if len(set(x + y)) == 1:
        continue
    worst = max(worst, abs(compare.mann_whitney(x, y)[0] - brute_force_p(x, y)))
check("U test: exact p equals a brute-force count over every split, 60 random "
      "samples with and without ties", worst < 1e-12, f"largest difference {worst}")

# ---- The normal approximation, beyond EXACT_LIMIT ----

x = [i * 1.0 for i in range(30)]
y = [i + 6.5 for i in range(30)]
p, how = compare.mann_whitney(x, y)
exact = compare.u_distribution(30, tuple([1] * 60))
observed = 2 * sum(1 for a in x for b in y if a > b)   # 2*U1, no ties
total = math.comb(60, 30)
exact_p = min(1.0, 2 * min(sum(c for u, c in exact.items() if u <= observed),
                           sum(c for u, c in exact.items() if u >= observed)) / total)
check(f"U test: 30 vs 30 uses the normal approximation (p {p:.4f}), within 0.005 of "
      f"the exact {exact_p:.4f}", how == "normal" and abs(p - exact_p) < 0.005, f"{how}")
ties_x, ties_y = [1] * 20 + [2] * 10, [1] * 12 + [2] * 10 + [3] * 8
p, how = compare.mann_whitney(ties_x, ties_y)
# By hand: N = 60 in tied groups of 32, 20 and 8; U1 counted pair by pair
# (a tie counts 1/2); sigma^2 = n1*n2/12 * (N+1 - sum(t^3 - t) / (N(N-1))).
u1 = sum(1.0 if a > b else 0.5 if a == b else 0.0 for a in ties_x for b in ties_y)
sigma = math.sqrt(900 / 12 * (61 - (32 ** 3 - 32 + 20 ** 3 - 20 + 8 ** 3 - 8) / (60 * 59)))
want = math.erfc((abs(u1 - 450) - 0.5) / sigma / math.sqrt(2))
check(f"U test: 30 vs 30 with ties: normal with tie and continuity corrections (p {want:.4f})",
      how == "normal" and near(p, want), f"got {p} ({how})")

# ---- How many runs are needed ----

check("runs to tell a change at 0.05: 4 a side (benchstat: need >= 4)",
      compare.runs_to_tell(0.05) == 4, str(compare.runs_to_tell(0.05)))
check("runs to tell a change at 0.01: 5 a side (benchstat: need >= 5)",
      compare.runs_to_tell(0.01) == 5, str(compare.runs_to_tell(0.01)))
check("smallest p of 3 vs 4 is 2/35, over 0.05", near(compare.smallest_p(3, 4), 2 / 35))
check("runs for a 95% interval of the median: 6 (benchstat: need >= 6)",
      compare.runs_for_ci(0.95) == 6, str(compare.runs_for_ci(0.95)))
check("runs for a 99% interval of the median: 8 (benchstat: need >= 8)",
      compare.runs_for_ci(0.99) == 8, str(compare.runs_for_ci(0.99)))

# ---- The median and its confidence interval ----

check("median of an odd count", compare.median([5, 1, 3]) == 3)
check("median of an even count is the mean of the middle two", compare.median([4, 1, 3, 2]) == 2.5)
ci = compare.median_ci([-10, 2, 3, 4, 5, 6])
check("interval of 6 runs: min to max, coverage 1 - 2/64 (benchstat)",
      ci is not None and ci[:2] == (-10, 6) and near(ci[2], 1 - 0.03125), str(ci))
check("no 95% interval with 5 runs", compare.median_ci([1, 2, 3, 4, 5]) is None)
check("no 95% interval with 1 run", compare.median_ci([1]) is None)
ci = compare.median_ci(list(range(1, 11)))
check("interval of 10 runs: the 2nd to the 9th (the classic table)",
      ci is not None and ci[:2] == (2, 9), str(ci))
ci = compare.median_ci(list(range(1, 21)))
check("interval of 20 runs: the 6th to the 15th (the classic table)",
      ci is not None and ci[:2] == (6, 15), str(ci))
ci = compare.median_ci(list(range(1, 21)), 0.99)
check("interval of 20 runs at 99%: the 4th to the 17th", ci is not None and ci[:2] == (4, 17), str(ci))

# ---- The verdicts ----

row = compare.compare_pair([100, 101, 102, 103, 104], [200, 202, 204, 206, 208], 0.05)
check("verdict: a doubling in 5 vs 5 runs is a change of +100%",
      row["verdict"] == "changed" and near(row["change_pct"], 100.0), str(row))
row = compare.compare_pair([100, 101, 102], [200, 202, 204], 0.05)
check("verdict: 3 vs 3 cannot tell, even a doubling", row["verdict"] == "too few", str(row))
row = compare.compare_pair([100, 101, 102], [], 0.05)
check("verdict: a side without runs is said", row["verdict"] == "no runs", str(row))

# ---- Reading: a cell that is no finite number is refused ----

def load_cell(cell):
    """What load_samples makes of a runs.csv whose one run has wall_ms CELL:
    its values, or the InputError's message."""
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "runs.csv")
        with open(path, "w") as runs_file:
            runs_file.write("config,run,model,args,status,wall_ms\n")
            runs_file.write(f"headline cook,1,sync,cook,0,{cell}\n")
        try:
            return compare.load_samples(path, "wall_ms")[("headline cook", "sync", "cook")]
        except compare.InputError as err:
            return str(err)


# Every spelling float() takes for NaN or an infinity, and a number too
# large for a double (float() makes it inf without a word).
for cell in ("nan", "NaN", "-nan", "+NAN", "inf", "-inf", "Inf", "infinity", "-Infinity",
             " inf ", "1e999", "-1e400"):
    got = load_cell(cell)
    check(f"reading: wall_ms '{cell}' is refused, naming the line",
          isinstance(got, str) and "line 2: wall_ms" in got and "not a finite number" in got,
          repr(got))
for cell, want in (("12.5", 12.5), ("1e3", 1000.0), (" 7 ", 7.0), ("0", 0.0)):
    got = load_cell(cell)
    check(f"reading: wall_ms '{cell}' is {want}", got == [want], repr(got))
