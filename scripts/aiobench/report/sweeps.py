"""sweeps.py: Chart 3's sweeps drawn, each a line per model against its ideal."""

from aiobench.report.charts import log_range, write_dat


def sweep_series(ctx, group, x_of):
    """Per model: timed points [(x, med, min, max)] and skipped [(x, ideal)],
    and the distinct ideal series with the models they belong to."""
    points, skipped, ideals = {}, {}, {}
    for model in ctx.res.models:
        points[model], skipped[model], ideal = [], [], []
        for point in group["points"]:
            x = x_of(point["value"])
            value = ctx.res.ideal(model, point)
            ideal.append((x, value / 1000 if value else None))
            stat = ctx.res.stat(model, point)
            if stat is not None and stat.median is not None:
                points[model].append((x, stat.median / 1000, stat.min / 1000, stat.max / 1000))
            elif ctx.res.skipped(model, point) and value:
                skipped[model].append((x, value / 1000))
        if any(v for _, v in ideal):
            ideals.setdefault(tuple(ideal), []).append(model)
    return points, skipped, ideals


def reference_series(ctx, group, x_of):
    """{reference client: [(x, median, min, max)]} of a sweep, in seconds."""
    series = {}
    for name in ctx.res.references:
        rows = []
        for point in group["points"]:
            stat = ctx.res.stat(name, point)
            if stat is not None and stat.median is not None:
                rows.append((x_of(point["value"]), stat.median / 1000, stat.min / 1000,
                             stat.max / 1000))
        if rows:
            series[name] = rows
    return series


def reference_limit(ctx, name, group):
    """The largest N of the count sweep a reference client was planned
    for, when the sweep goes past it (None: it was planned everywhere)."""
    cap = ctx.ref_facts(name).get("count_max")
    values = [p["value"] for p in group["points"]]
    return cap if cap is not None and values and values[-1] > cap else None


def render_sweep(ctx, name, group, x_of, labels, speedup=None, references=False):
    """Chart 3: one sweep. labels: chart_title, xlabel_text, ylabel_text,
    logx, logy, xtics_cmd, ideal_titles {model: formula}. With
    references, the reference clients' lines too, grey and dash-dotted."""
    points, skipped, ideals = sweep_series(ctx, group, x_of)
    if not any(points.values()):
        return None
    for model in ctx.res.models:
        write_dat(ctx.charts.data(f"{name}-{model}.dat"), points[model], "x median min max")
        write_dat(ctx.charts.data(f"{name}-skipped-{model}.dat"), skipped[model], "x ideal")
    refs = reference_series(ctx, group, x_of) if references else {}
    variables = dict(labels)
    for ref, rows in refs.items():
        write_dat(ctx.charts.data(f"{name}-ref-{ref}.dat"), rows, "x median min max")
        limit = reference_limit(ctx, ref, group)
        variables[f"ref_title_{ref}"] = f"{ref} (reference" + \
            (f", N up to {limit:,})" if limit else ")")
    ideal_titles = variables.pop("ideal_titles")
    for k, (series, owners) in enumerate(ideals.items(), start=1):
        write_dat(ctx.charts.data(f"{name}-ideal-{k}.dat"),
                  [(x, v) for x, v in series if v], "x ideal")
        variables[f"ideal_title_{k}"] = f"ideal, {', '.join(owners)}: {ideal_titles[owners[0]]}"
    if speedup:
        for model, rows in speedup.items():
            write_dat(ctx.charts.data(f"{name}-speedup-{model}.dat"), rows, "x ratio")
    xmin, xmax = log_range([x_of(p["value"]) for p in group["points"]])
    if not variables["logx"]:
        xmin, xmax = 0, xmax
    variables.update({
        "models": " ".join(ctx.res.models), "data": ctx.charts.data(name),
        "skipped_models": " ".join(m for m in ctx.res.models if skipped[m]),
        "speedup_models": " ".join(m for m in (speedup or {}) if speedup[m]),
        "refs": " ".join(refs), "xmin": xmin, "xmax": xmax,
        "nideal": len(ideals), "panels": 2 if speedup else 1,
        "skipped_title": f"%s not run (over {ctx.meta['skip_limit_s']:g} s): its ideal"})
    size = "sweep2" if speedup else "sweep-refs" if refs else "sweep"   # refs: a taller key
    return ctx.charts.render(name, "sweep.gp", size, variables)
