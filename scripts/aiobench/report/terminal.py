"""terminal.py: the headline as a table for a terminal (bench.py prints it at the end)."""

from aiobench.report.results import Results
from aiobench.report.words import fmt_ratio, fmt_time, ratio


def headline_table(folder):
    """The headline as a fixed-width table for a terminal: a row per workload
    and model, then the reference clients' (not models) where they ran. The
    checksum column shows that every run of every model got the same data
    ('differs' if not; curl_parallel has none)."""
    res = Results(folder)
    row = "{:<24} {:<14} {:>9} {:>9} {:>9} {:>9} {:>7} {:>11}  {}"
    lines = [row.format("workload", "model", "median", "min", "max", "ideal", "ratio",
                        "ok/failed", "checksum")]
    for group in res.headline + res.processing:
        point = group["points"][0]
        for model in res.models + res.references_at(point):
            if model not in point["models"]:
                continue                # it does not take the entry's flags
            stat = res.stat(model, point)
            if stat is None:
                why = res.skipped(model, point) or "no run"
                lines.append(f"{group['name']:<24} {model:<14} not run: {why}")
                continue
            ideal = res.ideal(model, point)
            sums = {r["checksum"] for r in stat.rows if r["checksum"]}
            checksum = sums.pop() if len(sums) == 1 else "differs" if sums else "n/a"
            lines.append(row.format(
                group["name"], model, fmt_time(stat.median), fmt_time(stat.min),
                fmt_time(stat.max),
                fmt_time(ideal) if ideal else "unknown" if res.meta["server"].get("external") else "-",
                fmt_ratio(ratio(stat.median, ideal)) if ideal else "-",
                f"{stat.ok}/{stat.failed}", checksum))
    shown = [r for r in res.references if any(f" {r} " in line for line in lines[1:])]
    if shown:
        lines.append(f"({', '.join(shown)}: reference clients, not models)")
    return "\n".join(lines) + "\n"
