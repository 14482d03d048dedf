"""stats.py: the statistics compare and the report share, as benchstat's are.

Which runs count (went_through), the median, its distribution-free
confidence interval, the two-sided Mann-Whitney U test (exact up to
EXACT_LIMIT runs a side, with ties), the geometric mean, the least-squares
slope, and Stat: what the report says of one model's counted runs of one
configuration. Written out plainly, with the standard library only.
"""

import math
import statistics
from functools import lru_cache

ALPHA = 0.05                # a change is significant when p <= ALPHA
CONFIDENCE = 0.95           # of the median's interval
EXACT_LIMIT = 25            # exact U test when both sides have at most this many runs


def went_through(row):
    """A counted run that says something of the speed: status 0, or 1 (some
    tasks failed, the run went through), with a wall time. A run that
    errored (2, 3, a signal, a timeout) does not."""
    return str(row["status"]) in ("0", "1") and row["wall_ms"] not in ("", None)


def median(values):
    """The middle of the sorted values, the mean of the two middle ones for
    an even count (as benchstat does)."""
    ordered = sorted(values)
    half = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[half]
    return (ordered[half - 1] + ordered[half]) / 2


def binomial_cdf_half(k, n):
    """P(B <= k) for B ~ Binomial(n, 1/2): how many of n runs fall below the
    true median, counted exactly with integers."""
    if k < 0:
        return 0.0
    return sum(math.comb(n, i) for i in range(min(k, n) + 1)) / 2 ** n


def median_ci(values, confidence=CONFIDENCE):
    """(low, high, coverage): a distribution-free confidence interval of the
    median from order statistics, or None when there are too few values.

    Each run falls below the true median with probability 1/2, whatever the
    distribution, so the number below it is Binomial(n, 1/2). The interval
    from the k-th smallest to the k-th largest value misses the median only
    when k-1 or fewer runs fall on one side: its coverage is
    1 - 2 P(B <= k-1). The narrowest such interval that still covers
    `confidence` is taken (the largest k). Even k = 1, min to max, covers
    only 1 - 2/2^n: at 95% that needs n >= 6 (31/32 = 96.9%)."""
    n = len(values)
    ordered = sorted(values)
    best = None
    for k in range(1, n // 2 + 1):
        coverage = 1 - 2 * binomial_cdf_half(k - 1, n)
        if coverage < confidence:
            break
        best = (ordered[k - 1], ordered[n - k], coverage)
    return best


def runs_for_ci(confidence=CONFIDENCE):
    """The fewest runs whose min-to-max interval covers `confidence`."""
    n = 2
    while 1 - 2 / 2 ** n < confidence:
        n += 1
    return n


def ranks(values):
    """The ranks (1-based) of values, ties sharing the mean of their ranks,
    doubled so that every rank is an integer; and the size of each group of
    tied values, in order."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    doubled, groups = [0] * len(values), []
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        # Ranks start+1 .. end+1 share their mean, (start + end + 2) / 2.
        for i in order[start:end + 1]:
            doubled[i] = start + end + 2
        groups.append(end - start + 1)
        start = end + 1
    return doubled, groups


@lru_cache(maxsize=None)    # rows without ties and with the same n share one
def u_distribution(n1, groups):
    """The exact null distribution of 2*U1 given the tied groups: a dict
    {2*U1: number of ways}, out of comb(N, n1) equally likely ways to pick
    which n1 of the N ranked values are the first sample's.

    Counted group by group (dynamic programming): from a group of t tied
    values at doubled rank r, taking j for sample 1 can happen comb(t, j)
    ways and adds j*r to its doubled rank sum. Without ties every group has
    one value and this is the classic U distribution; with ties it is the
    distribution conditional on them, as an exact test must use."""
    ways = {(0, 0): 1}          # (values taken, doubled rank sum) -> ways
    position = 0
    for size in groups:
        doubled_rank = 2 * position + size + 1
        step = {}
        for (taken, total), count in ways.items():
            for j in range(min(size, n1 - taken) + 1):
                key = (taken + j, total + j * doubled_rank)
                step[key] = step.get(key, 0) + count * math.comb(size, j)
        ways = step
        position += size
    offset = n1 * (n1 + 1)      # 2 * the smallest possible rank sum
    return {total - offset: count for (taken, total), count in ways.items() if taken == n1}


def normal_sf(z):
    """P(Z >= z) for a standard normal Z."""
    return 0.5 * math.erfc(z / math.sqrt(2))


def mann_whitney(x, y):
    """(p, how): the two-sided Mann-Whitney U test of x against y.

    U1 counts the pairs (a in x, b in y) with a > b, ties counting half:
    U1 = R1 - n1(n1+1)/2, R1 the rank sum of x. Under "no change" U1 is
    centred on n1*n2/2. p is the probability of a U1 at least as far out
    in either tail: twice the smaller tail, at most 1. Exact (counted by
    u_distribution) when both sides have at most EXACT_LIMIT runs, tied or
    not (benchstat's limit with ties); beyond that the normal approximation
    with the tie correction of the variance and a continuity correction of
    1/2. All values equal: p = 1, nothing to test ("all equal")."""
    n1, n2 = len(x), len(y)
    doubled, groups = ranks(list(x) + list(y))
    if len(groups) == 1:
        return 1.0, "all equal"
    u1_doubled = sum(doubled[:n1]) - n1 * (n1 + 1)      # 2 * U1, an integer
    mean_doubled = n1 * n2                              # 2 * n1*n2/2
    if n1 <= EXACT_LIMIT and n2 <= EXACT_LIMIT:
        dist = u_distribution(n1, tuple(groups))
        total = math.comb(n1 + n2, n1)
        below = sum(c for u, c in dist.items() if u <= u1_doubled) / total
        above = sum(c for u, c in dist.items() if u >= u1_doubled) / total
        return min(1.0, 2 * min(below, above)), "exact"
    count = n1 + n2
    ties = sum(t ** 3 - t for t in groups)
    variance = n1 * n2 / 12 * ((count + 1) - ties / (count * (count - 1)))
    distance = max(0.0, abs(u1_doubled - mean_doubled) / 2 - 0.5)
    return min(1.0, 2 * normal_sf(distance / math.sqrt(variance))), "normal"


def smallest_p(n1, n2):
    """The smallest two-sided p the U test can give for n1 and n2 runs: the
    samples fully apart, one arrangement in comb(n1+n2, n1) at each end."""
    return min(1.0, 2 / math.comb(n1 + n2, n1))


def runs_to_tell(alpha=ALPHA):
    """The fewest runs a side (both alike) with which a change can show."""
    n = 1
    while smallest_p(n, n) > alpha:
        n += 1
    return n


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def median_of(values):
    """The median of the values that are not None; None when there is none."""
    values = [v for v in values if v is not None]
    return median(values) if values else None


def slope(points):
    """The least-squares slope of y over x, from [(x, y)] (a y of None is
    left out); None with fewer than two distinct x."""
    points = [(x, y) for x, y in points if y is not None]
    if len({x for x, _ in points}) < 2:
        return None
    mean_x = statistics.fmean(x for x, _ in points)
    mean_y = statistics.fmean(y for _, y in points)
    return (sum((x - mean_x) * (y - mean_y) for x, y in points) /
            sum((x - mean_x) ** 2 for x, _ in points))


class Stat:
    """The counted runs of one model on one configuration."""

    def __init__(self, rows):
        self.rows = rows
        timed = [r for r in rows if went_through(r)]
        walls = sorted(r["wall_ms"] for r in timed)
        self.runs = len(rows)
        self.median = median(walls) if walls else None
        self.min = walls[0] if walls else None
        self.max = walls[-1] if walls else None
        self.whole_ms = median_of(r.get("whole_ms") for r in timed)   # the runner's clock
        self.ok = sum(r["ok"] or 0 for r in rows)
        self.failed = sum(r["failed"] or 0 for r in rows)
        self.errored = len(rows) - len(timed)
        self.rss_kb = median_of(r["max_rss_kb"] for r in timed)
        self.cpu_ms = median_of((r["user_ms"] or 0) + (r["sys_ms"] or 0) for r in timed)
        self.user_ms = median_of(r["user_ms"] for r in timed)
        self.sys_ms = median_of(r["sys_ms"] for r in timed)
        # The most tasks the model let wait at once (its summary's concurrency).
        self.in_flight = median_of(r["concurrency"] for r in timed)
        # The model's own memory facts (None where its summary has none).
        self.stack_touched_avg_kb = median_of(r["stack_touched_avg_kb"] for r in timed)
        self.task_state_bytes = median_of(r["task_state_bytes"] for r in timed)
        self.max_in_flight = max((r["server_max_in_flight"] or 0 for r in timed), default=None)
        self.server_threads = max((r["server_threads"] or 0 for r in timed), default=None)
        # The task p99 from each task's actual start, and under --rate from
        # its intended start and the latest start's delay (None elsewhere).
        self.p99 = median_of(r["p99_ms"] for r in timed)
        self.from_intended_p99 = median_of(r.get("latency_from_intended_p99_ms") for r in timed)
        self.start_late_max = median_of(r.get("start_late_max_ms") for r in timed)
        # The loop's health (loop models only; None elsewhere).
        self.loop_busy = median_of(r["loop_busy"] for r in timed)
        self.lag_p99 = median_of(r["loop_lag_p99_ms"] for r in timed)
        self.lag_max = median_of(r["loop_lag_max_ms"] for r in timed)
        # The threads that could compute at once: libuv's pool when the loop
        # offloads, the pool of async_threads, else the one thread.
        first = rows[0]
        self.threads = (first["uv_threadpool"] if first["offload"] else
                        first["pool_threads"] or 1)
