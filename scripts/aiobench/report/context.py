"""context.py: what every section of the report reads, and the lines it gives.

Context: the results, the charts being drawn, meta.json, cook's dishes,
the server measured when it was not the mock (bench.py --url), and each
model's TaskCost. Lines: a section's Markdown, line by line, with a chart
embedded by figure().
"""

from aiobench.report.words import describe


class Lines(list):
    """A section's lines of Markdown."""

    def add(self, *lines):
        self.extend(lines)

    def figure(self, path, alt, marks=None):
        """Embeds a chart, with marks (what each of its marks means) under
        it; path None: the chart had no data to draw."""
        if path is None:
            self.add(f"_No chart ({alt.lower()}): none of its runs went through; see "
                     "Skipped and failed runs._", "")
            return
        self.add(f"![{alt}]({path})", f"<sub>Also as [SVG]({path[:-4]}.svg).</sub>", "")
        if marks:
            self.add(marks, "")


class Context:
    """The results as the sections read them (results.Results as res), and
    the charts they draw (charts.Charts)."""

    def __init__(self, results, charts):
        self.res, self.charts = results, charts
        self.meta = results.meta
        self.dishes = [(d["name"], d["seconds"]) for d in self.meta["dishes"]]
        # bench.py --url: the server measured was not the mock, whose latency is unknown
        self.external = self.meta.get("server", {}).get("external")
        # {model: TaskCost} of the models with two count points or more (the
        # models only: the reference clients have their own sentence).
        costs = {model: results.task_cost(model) for model in results.models}
        self.costs = {model: cost for model, cost in costs.items() if cost is not None}

    def describe(self, params):
        return describe(params, self.dishes, self.meta.get("rounds_default"))

    def ref_facts(self, name):
        return self.res.ref_clients.get(name, {})

    def stats_of(self, group):
        """{model: Stat} of a headline group's models that ran."""
        point = group["points"][0]
        stats = {m: self.res.stat(m, point) for m in self.res.models}
        return {m: st for m, st in stats.items() if st and st.median}
