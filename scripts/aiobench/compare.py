"""compare.py: did anything change between two bench runs? (benchstat's method)

scripts/compare.py's command line and main, the reading of two runs.csv
(schema.KEY_COLUMNS, schema.METRICS) and the table, CSV or JSON it prints;
the statistics are stats.py's. scripts/compare.py's docstring says what
it prints and its exit statuses.
"""

import csv
import json
import math
import os
import signal
import sys

import options
from aiobench.schema import KEY_COLUMNS, METRICS
from aiobench.stats import (ALPHA, CONFIDENCE, geomean, mann_whitney, median, median_ci,
                            runs_for_ci, runs_to_tell, smallest_p)

PROGRAM = "compare"


class InputError(Exception):
    """A file cannot be compared (exit 2); the message is one line."""


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
    args, status = options.read_command_line(parse_args, argv, PROGRAM)
    if args is None:
        return status
    try:
        old = load_samples(args.old, args.metric)
        new = load_samples(args.new, args.metric)
        rows, geomeans, only_old, only_new = compare(old, new, args.alpha)
    except InputError as err:
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
