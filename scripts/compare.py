#!/usr/bin/env python3
"""compare.py: did anything change between two bench runs? (benchstat's method)

    scripts/compare.py [--metric COLUMN] [--alpha A] [--csv | --json] OLD NEW

OLD and NEW are results folders (their runs.csv is read) or runs.csv files.
For each configuration and model that both ran with the same arguments, it
prints the median of the counted runs that exited 0, each with a
distribution-free 95% confidence interval, and the change from OLD to NEW,
judged by a two-sided Mann-Whitney U test: a significant change prints its
percentage ((new - old) / old: +100% is twice the time, -50% half), else
"~" and the p-value; too few runs to ever reach significance are said so.
A geomean row per model sums up the configurations both sides measured.

Exit status: 0 compared (whatever it found); 2 usage, or a file that is
missing, not a runs.csv, without runs, with a value that is not a finite
number (nan, inf), or with nothing in common with the other, said in one
line "compare: what is wrong". Python 3 standard library
only: the statistics are written out below, plainly.
"""

import csv
import json
import math
import os
import signal
import sys
from functools import lru_cache

sys.dont_write_bytecode = True   # importing options must leave no scripts/__pycache__
import options  # noqa: E402  (after the line above on purpose)

PROGRAM = "compare"
ALPHA = 0.05                # a change is significant when p <= ALPHA
CONFIDENCE = 0.95           # of the median's interval
EXACT_LIMIT = 25            # exact U test when both sides have at most this many runs
# The columns of runs.csv that can be compared: numbers where smaller is
# lighter (time, memory, lag). The key columns every runs.csv must have.
METRICS = ("wall_ms", "user_ms", "sys_ms", "max_rss_kb",
           "stack_touched_avg_kb", "p50_ms", "p99_ms", "loop_lag_p99_ms", "loop_lag_max_ms")
KEY_COLUMNS = ("config", "model", "args", "status")


class InputError(Exception):
    """A file cannot be compared (exit 2); the message is one line."""


# ---- The statistics ----

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


# ---- Reading runs.csv ----

def runs_path(path):
    """A results folder's runs.csv, or the file itself."""
    if os.path.isdir(path):
        path = os.path.join(path, "runs.csv")
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    return path


def read_number(cell, where):
    """The cell's value; InputError when it is not a finite number. float()
    also takes "nan", "inf" and "Infinity" in any case, and turns 1e999
    into inf: no such value is a measurement, and each would stop the
    table with a traceback or be judged a change (and be written out as
    JSON's non-standard NaN)."""
    try:
        value = float(cell)
    except ValueError:
        raise InputError(f"{where} '{cell}' is not a number") from None
    if not math.isfinite(value):
        raise InputError(f"{where} '{cell}' is not a finite number")
    return value


def load_samples(path, metric):
    """{(config, model, args): [metric of each run with status 0]} in file
    order, and the number of rows. Rows that did not exit 0 say nothing of
    the speed and are left out; so is a run without the metric."""
    path = runs_path(path)
    try:
        with open(path, newline="", errors="replace") as runs_file:
            reader = csv.DictReader(runs_file)
            header = reader.fieldnames
            if not header:
                raise InputError(f"{path}: empty, not a runs.csv")
            missing = [c for c in KEY_COLUMNS if c not in header]
            if missing:
                raise InputError(f"{path}: not a runs.csv of scripts/bench.py "
                                 f"(no column {', '.join(missing)})")
            if metric not in header:
                raise InputError(f"{path}: no column {metric} (a runs.csv of an older bench?)")
            samples, rows = {}, 0
            for row in reader:
                rows += 1
                key = (row["config"], row["model"], row["args"])
                values = samples.setdefault(key, [])
                if row["status"] != "0" or row[metric] in ("", None):
                    continue
                values.append(read_number(row[metric], f"{path}: line {reader.line_num}: "
                                                       f"{metric}"))
    except OSError as err:
        raise InputError(f"{path}: {err.strerror}") from err
    except csv.Error as err:
        raise InputError(f"{path}: not a CSV file ({err})") from err
    if rows == 0:
        raise InputError(f"{path}: no runs (a header and nothing else)")
    return samples


# ---- Comparing ----

def summarize(values):
    """What a side says: n, median and its interval (None when there are
    too few runs for one)."""
    if not values:
        return {"n": 0, "median": None, "low": None, "high": None}
    ci = median_ci(values)
    return {"n": len(values), "median": median(values),
            "low": ci[0] if ci else None, "high": ci[1] if ci else None}


def compare_pair(old, new, alpha):
    """One row: both sides summarized and the verdict on the change.
    verdict: "changed" (p <= alpha), "same" (~), "too few" (no p could be
    <= alpha with so few runs), "no runs" (a side had no run that exited 0)."""
    row = {"config": None, "model": None, "args": None,
           "old": summarize(old), "new": summarize(new),
           "change_pct": None, "p": None, "test": None}
    if not old or not new:
        row["verdict"] = "no runs"
        return row
    if row["old"]["median"] > 0:
        row["change_pct"] = 100 * (row["new"]["median"] / row["old"]["median"] - 1)
    p, how = mann_whitney(old, new)
    row["p"], row["test"] = p, how
    if smallest_p(len(old), len(new)) > alpha:
        row["verdict"] = "too few"
    elif p <= alpha:
        row["verdict"] = "changed"
    else:
        row["verdict"] = "same"
    return row


def compare(old_samples, new_samples, alpha):
    """The rows in OLD's order (grouped by configuration), geomeans per
    model, and the keys only one side has."""
    common = [k for k in old_samples if k in new_samples]
    if not common:
        raise InputError("OLD and NEW have no configuration and model run with the same "
                         "arguments in common")
    order = {}
    for config, _, _ in common:
        order.setdefault(config, len(order))
    common.sort(key=lambda k: order[k[0]])          # stable: models keep file order
    rows = []
    for key in common:
        row = compare_pair(old_samples[key], new_samples[key], alpha)
        row.update(config=key[0], model=key[1], args=key[2])
        rows.append(row)
    geomeans = []
    for model in dict.fromkeys(r["model"] for r in rows):
        pairs = [(r["old"]["median"], r["new"]["median"]) for r in rows
                 if r["model"] == model and r["old"]["median"] and r["new"]["median"]
                 and r["old"]["median"] > 0 and r["new"]["median"] > 0]
        if pairs:
            old_g, new_g = geomean([o for o, _ in pairs]), geomean([n for _, n in pairs])
            geomeans.append({"model": model, "configs": len(pairs), "old": old_g,
                             "new": new_g, "change_pct": 100 * (new_g / old_g - 1)})
    only_old = [k for k in old_samples if k not in new_samples]
    only_new = [k for k in new_samples if k not in old_samples]
    return rows, geomeans, only_old, only_new


# ---- Output ----

def fmt_value(value):
    """Four significant digits (more left of the point), never an exponent:
    20,412  123.5  1.234. The power of ten is the rounded value's, read from
    its exponent form: 9.99996 is 10.00, not 10.000."""
    if value is None:
        return "-"
    if value == 0:
        return "0"
    exponent = int(f"{abs(value):.3e}".partition("e")[2])
    decimals = max(0, 3 - exponent)
    return f"{value:,.{decimals}f}"


def fmt_side(side):
    """ "median ± x%", x the farther end of the interval from the median;
    ± ∞ when there are too few runs for an interval."""
    if side["n"] == 0:
        return "no runs"
    if side["low"] is None:
        spread = "∞"
    elif side["median"] == 0:
        spread = "0%" if side["low"] == side["high"] == 0 else "∞"
    else:
        far = max(side["median"] - side["low"], side["high"] - side["median"])
        spread = f"{100 * far / abs(side['median']):.0f}%"
    return f"{fmt_value(side['median'])} ± {spread}"


def fmt_p(p):
    return f"{p:.3f}" if p >= 0.001 else f"{p:.1e}"


def fmt_change(row):
    n1, n2 = row["old"]["n"], row["new"]["n"]
    if row["verdict"] == "no runs":
        return "no runs in " + ("OLD and NEW" if n1 == n2 == 0 else "OLD" if n1 == 0 else "NEW")
    if row["verdict"] == "too few":
        return f"too few runs ({n1} vs {n2})"
    if row["verdict"] == "same":
        return f"~ (p={fmt_p(row['p'])})"
    change = "?" if row["change_pct"] is None else f"{row['change_pct']:+.1f}%"
    return f"{change} (p={fmt_p(row['p'])})"


def print_table(rows, geomeans, only_old, only_new, metric, alpha, out):
    table = [("config", "model", f"old {metric}", "n", f"new {metric}", "n", "change")]
    for r in rows:
        table.append((r["config"], r["model"], fmt_side(r["old"]), str(r["old"]["n"]),
                      fmt_side(r["new"]), str(r["new"]["n"]), fmt_change(r)))
    for g in geomeans:
        table.append(("geomean", g["model"], fmt_value(g["old"]), "", fmt_value(g["new"]),
                      "", f"{g['change_pct']:+.1f}% ({g['configs']} config{'s' if g['configs'] > 1 else ''})"))
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for i, line in enumerate(table):
        if i == len(rows) + 1 and geomeans:
            out.write("\n")
        cells = [line[c].ljust(widths[c]) if c in (0, 1) else line[c].rjust(widths[c])
                 for c in range(len(line) - 1)] + [line[-1]]
        out.write("  ".join(cells).rstrip() + "\n")
    need_ci, need_u = runs_for_ci(), runs_to_tell(alpha)
    out.write(f"\n{metric}: the median of the runs that exited 0, ± the farther end of its "
              f"{CONFIDENCE:.0%} confidence interval\n(order statistics; ± ∞: fewer than "
              f"{need_ci} runs). change: (new - old) / old of the medians, shown when a "
              f"two-sided\nMann-Whitney U test gives p <= {alpha:g}; ~: no significant "
              f"change; too few runs: no p could reach {alpha:g}\nwith so few ({need_u} a side at least). "
              f"geomean: of the medians over the configurations both sides measured.\n")
    for name, keys in (("OLD", only_old), ("NEW", only_new)):
        if keys:
            out.write(f"Only in {name}, not compared: {len(keys)} (configuration, model, "
                      f"arguments), e.g. {keys[0][0]} {keys[0][1]}.\n")


CSV_FIELDS = ["config", "model", "args", "old_n", "old_median", "old_low", "old_high",
              "new_n", "new_median", "new_low", "new_high", "change_pct", "p", "test", "verdict"]


def write_csv(rows, geomeans, out):
    """One row per comparison, then one per model's geomean (config
    "geomean", verdict empty); empty cells where there is nothing."""
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        flat = {k: r[k] for k in ("config", "model", "args", "change_pct", "p", "test", "verdict")}
        for side in ("old", "new"):
            for k in ("n", "median", "low", "high"):
                flat[f"{side}_{k}"] = r[side][k]
        writer.writerow({k: "" if v is None else v for k, v in flat.items()})
    for g in geomeans:
        writer.writerow({"config": "geomean", "model": g["model"], "old_median": g["old"],
                         "new_median": g["new"], "change_pct": g["change_pct"],
                         "old_n": g["configs"], "new_n": g["configs"]})


def parse_args(argv):
    """The options, each checked where it stands (scripts/options.py). None
    after --help; options.UsageError for a bad command line."""
    parser = options.Parser(
        "scripts/compare.py",
        description="Compares two bench runs configuration by configuration: medians "
                    "with 95%% confidence intervals and a Mann-Whitney U test.")
    parser.add_argument("old", metavar="OLD", help="a results folder or its runs.csv")
    parser.add_argument("new", metavar="NEW", help="a results folder or its runs.csv")
    parser.add_argument("--metric", default="wall_ms", metavar="COLUMN",
                        type=options.one_of("--metric", METRICS),
                        help=f"the runs.csv column to compare: {', '.join(METRICS)} "
                             "(default: wall_ms)")
    parser.add_argument("--alpha", default=ALPHA, metavar="A",
                        type=options.decimal("--alpha", "above 0 and below 1",
                                             lambda a: 0 < a < 1),
                        help="the significance level, above 0 and below 1 "
                             "(default: %(default)s)")
    form = parser.add_mutually_exclusive_group()
    form.add_argument("--csv", action="store_true", help="one CSV row per comparison")
    form.add_argument("--json", action="store_true", help="one JSON object")
    args = parser.parse(argv)
    if args is None:
        parser.print_help()
    return args


def main(argv):
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # `| head` ends it quietly
    try:
        args = parse_args(argv)
        if args is None:
            return 0
        old = load_samples(args.old, args.metric)
        new = load_samples(args.new, args.metric)
        rows, geomeans, only_old, only_new = compare(old, new, args.alpha)
    except (options.UsageError, InputError) as err:
        sys.stderr.write(f"{PROGRAM}: {err}\n")
        return 2
    if args.json:
        json.dump({"old": args.old, "new": args.new, "metric": args.metric,
                   "alpha": args.alpha, "confidence": CONFIDENCE, "rows": rows,
                   "geomeans": geomeans,
                   "only_old": [list(k) for k in only_old],
                   "only_new": [list(k) for k in only_new]}, sys.stdout)
        sys.stdout.write("\n")
    elif args.csv:
        write_csv(rows, geomeans, sys.stdout)
    else:
        print_table(rows, geomeans, only_old, only_new, args.metric, args.alpha, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
