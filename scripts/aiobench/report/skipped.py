"""skipped.py: the section "Skipped and failed runs"."""

from aiobench.report.context import Lines


def section(ctx):
    """Every run skipped or failed, and every error of the bench."""
    out = Lines()
    out.add("## Skipped and failed runs", "")
    for model, why in ctx.meta.get("models_unavailable", {}).items():
        out.add(f"- {model}: skipped: {why}")
    seen = set()
    for group in ctx.meta["groups"]:
        for point in group["points"]:
            for model, entry in point["models"].items():
                key = (model, entry["args"])
                if entry["skipped"] and key not in seen:
                    seen.add(key)
                    out.add(f"- skipped: {model} `{entry['args']}`: {entry['skipped']}")
    for row in ctx.res.rows:
        if str(row["status"]) != "0":
            out.add(f"- {row['model']} `{row['args']}` run {row['run']}: status "
                    f"{row['status']}, {row['failed']} failed ({row['failures'] or row['error']})")
    for name, facts in ctx.res.ref_clients.items():
        if facts.get("skipped"):
            out.add(f"- skipped: {name} (a reference client), every run: {facts['skipped']}")
    for error in ctx.meta.get("errors", []):
        out.add(f"- error: {error}")
    if len(out) and out[-1] == "":
        out.add("Nothing was skipped and no run failed.")
    out.add("")
    return out
