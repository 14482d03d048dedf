"""sweeps.py: Chart 3's sweeps drawn, each a line per model against its ideal."""

from aiobench.report.charts import log_range, write_dat


def sweep_series(ctx, group, x_of, models):
    """Per model of models: timed points [(x, med, min, max)] and skipped
    [(x, ideal)], and the distinct ideal series with the models they belong to."""
    points, skipped, ideals = {}, {}, {}
    for model in models:
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


def render_sweep(ctx, name, group, x_of, labels, speedup=None, references=False,
                 models=None, nudge=0.0):
    """Chart 3: one sweep. labels: chart_title, xlabel_text, ylabel_text,
    logx, logy, xtics_cmd, ideal_titles {model: formula}. With
    references, the reference clients' lines too, grey and dash-dotted.
    models: those drawn (default all); nudge: each model's points moved
    sideways by this fraction of x per place in the models' order, centred,
    so that lines that coincide stay apart (0: at their x)."""
    models = ctx.res.models if models is None else models
    points, skipped, ideals = sweep_series(ctx, group, x_of, models)
    if not any(points.values()):
        return None, None
    variables = dict(labels)
    for k, model in enumerate(models):
        variables[f"shift_{model}"] = (1 + nudge) ** (k - (len(models) - 1) / 2)
    for model in models:
        write_dat(ctx.charts.data(f"{name}-{model}.dat"), points[model], "x median min max")
        write_dat(ctx.charts.data(f"{name}-skipped-{model}.dat"), skipped[model], "x ideal")
    refs = reference_series(ctx, group, x_of) if references else {}
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
        "models": " ".join(models), "data": ctx.charts.data(name),
        "skipped_models": " ".join(m for m in models if skipped[m]),
        "speedup_models": " ".join(m for m in (speedup or {}) if speedup[m]),
        "refs": " ".join(refs), "xmin": xmin, "xmax": xmax,
        "nideal": len(ideals), "panels": 2 if speedup else 1,
        "skipped_title": f"%s not run (over {ctx.meta['skip_limit_s']:g} s): its ideal"})
    size = "sweep2" if speedup else "sweep-refs" if refs else "sweep"   # refs: a taller key
    path = ctx.charts.render(name, "sweep.gp", size, variables)
    return path, sweep_marks(ctx, variables, [m for m in models if points[m]], nudge)


# gnuplot's dash types in words (sweep.gp: the K-th ideal is dash type K+1).
DASH_WORDS = {2: "dashed", 3: "dotted", 4: "dash-dotted", 5: "dash-dot-dotted"}


def sweep_marks(ctx, variables, drawn, nudge):
    """What each mark of a sweep's chart means, from the variables it was
    drawn with: drawn, the models with a line; nudge as render_sweep's."""
    parts = [f"a coloured line per model ({', '.join(drawn)}), with its own filled marker "
             "at the median of the counted runs and a whisker from the fastest run to the "
             "slowest; each model's line is narrower than the one before it in that list, "
             "so that a line drawn over another leaves it showing at its edges"]
    if nudge:
        parts.append(f"each model's points are moved sideways by {nudge:.0%} of x per place "
                     "in that list, centred, so that lines that coincide stay apart: a "
                     "point's x is its setting only to within that")
    for k in range(1, variables["nideal"] + 1):
        parts.append(f"the black {DASH_WORDS.get(k + 1, 'dashed')} line: "
                     f"{variables[f'ideal_title_{k}']}")
    if variables["skipped_models"]:
        parts.append("an open circle, a point a model did not run (one run would take over "
                     f"{ctx.meta['skip_limit_s']:g} s), drawn on its ideal")
    if variables["refs"]:
        parts.append("grey dash-dotted lines with open squares, the reference clients "
                     f"({variables['refs'].replace(' ', ', ')}; not models)")
    if "mark_x" in variables:
        parts.append(f"the grey dotted upright line, this machine's{variables['mark_title']}")
    if variables["panels"] == 2:
        parts.append("in the lower panel, each model's speed-up over sync (sync's time over "
                     "its own), the black dashed line at 1x being break-even")
    return "The marks: " + "; ".join(parts) + "."
