"""sources.py: each section's "Figures from the bench configs" line, checked and written.

Every figure of the lesson has beside it the command that produced it: each
section (what a heading of level 1 or 2 begins, and the text before the
first) whose figures quote runs.csv ends with one line naming every config
those figures come from, with the command-line arguments runs.csv's args
column has for it:

    Figures from the bench configs: `headline fetch` (`fetch -n 100 --latency-ms 200`), `count 1` (`fetch -n 1 --latency-ms 200`).

in the order the section first uses them. Where the section's models ran
one config with different arguments, each is given with its models:
(`ARGS` for async_uv, async_coro; `ARGS` for async_threads). A cost term's
slope comes from the count sweep: the `count` sweep (`fetch -n N
--latency-ms 200`, N = 1, 3, 10). tests/tools/check_figures.py holds each
section to its line (source_problems) and --update writes it
(sources_fixed); scripts/lesson.py writes it again from a run's rows.
A figure of the reference step (reference.json) is from no bench config:
the line leaves it out, and the words beside it name scripts/reference.py.
Compare with figures.py, which checks the figures themselves.
Python 3 standard library only.
"""

import re

from aiobench.figures import FigureError, figures_of, parse_title, source_name, term_source

SOURCES = "Figures from the bench configs: "
SOURCES_START = "Figures from the bench config"     # a line so begun is checked as one
SOURCE_ENTRY = re.compile(r"(the )?`([^`]+)`( sweep)? \(([^()]*)\)")
HEADING = re.compile(r"^#{1,2} ")


def sources_of(runs, titles):
    """{key: description} of the sources the titles' terms use, in the
    order of first use (key as term_source); the description is None
    where the run has no rows for any of the key's models."""
    by_key = {}
    for title in titles:
        try:
            terms = parse_title(title)
        except FigureError:
            continue            # the figure itself fails, and says why
        for term in terms:
            if "reference" in term:
                continue        # not a bench config: its words name the reference step
            models = by_key.setdefault(term_source(term), {})
            if term["model"] not in models:
                models[term["model"]] = runs.source(term)
    described = {}
    for key, models in by_key.items():
        groups = {}             # description: its models, in order
        for model, description in models.items():
            if description is not None:
                groups.setdefault(description, []).append(model)
        if len(groups) > 1:
            described[key] = "; ".join(f"{d} for {', '.join(m)}" for d, m in groups.items())
        else:
            described[key] = next(iter(groups), None)
    return described


def sources_line(sources):
    """The 'Figures from' line of a section's sources (sources_of); None
    without any."""
    entries = [f"`{name}` ({description})" if kind == "config"
               else f"the `{name}` sweep ({description})"
               for (kind, name), description in sources.items() if description is not None]
    return SOURCES + ", ".join(entries) + "." if entries else None


def parse_sources(line):
    """{key: description} a written 'Figures from' line names; None when it
    does not read as one."""
    rest = line[len(SOURCES):]
    if not line.startswith(SOURCES) or not rest.endswith("."):
        return None
    rest, written, end = rest[:-1], {}, 0
    for match in SOURCE_ENTRY.finditer(rest):
        the, name, sweep, description = match.groups()
        if rest[end:match.start()] != (", " if written else "") or bool(the) != bool(sweep):
            return None
        written[("sweep" if sweep else "config", name)] = description
        end = match.end()
    return written if written and end == len(rest) else None


def sections_of(lines):
    """(heading, start, end) of each section of a Markdown text's lines: a
    heading of level 1 or 2 outside fenced code begins one (the text
    before the first is one too, heading ''); start and end index lines,
    end exclusive."""
    starts, in_fence = [(0, "")], False
    for index, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence and HEADING.match(line):
            starts.append((index, line.strip()))
    ends = [start for start, _ in starts[1:]] + [len(lines)]
    return [(heading, start, end) for (start, heading), end in zip(starts, ends)
            if start < end]


def section_sources(runs, markdown):
    """For each section: (heading, start, end, the indexes of its 'Figures
    from' lines, the index of its last non-blank line, the sources of its
    figures, the line as it should read or None). Indexes count from 0."""
    lines = markdown.split("\n")
    titles = [(number - 1, title) for number, _, title, problem, _ in figures_of(markdown)
              if not problem]
    for heading, start, end in sections_of(lines):
        at = [i for i in range(start, end) if lines[i].startswith(SOURCES_START)]
        last = max((i for i in range(start, end) if lines[i].strip()), default=start)
        sources = sources_of(runs, [t for i, t in titles if start <= i < end])
        yield heading, start, end, at, last, sources, sources_line(sources)


def source_problems(runs, markdown):
    """(line number, heading, why) for each section whose 'Figures from'
    line is missing, not its last line, twice, unreadable, or at odds with
    its figures: a source they use that it does not name, one it names
    that they do not use, or arguments other than runs.csv's."""
    lines = markdown.split("\n")
    for heading, _, _, at, last, sources, expected in section_sources(runs, markdown):
        if not at:
            if expected:
                yield last + 1, heading, f"no '{SOURCES.strip()}' line at its end; " \
                                         f"it would read: {expected}"
            continue
        if len(at) > 1:
            yield at[1] + 1, heading, f"a second 'Figures from' line (the first is line {at[0] + 1})"
            continue
        line = at[0]
        written = parse_sources(lines[line])
        if written is None:
            yield line + 1, heading, "its 'Figures from' line does not read as " \
                                     f"'{SOURCES}`CONFIG` (`ARGS`), ....'; it would read: " \
                                     f"{expected}"
            continue
        if line != last:
            yield line + 1, heading, "its 'Figures from' line is not the section's last line"
        for key, description in sources.items():
            if key not in written:
                yield line + 1, heading, f"{source_name(key)}, which its figures use, is " \
                                         "not named on its 'Figures from' line"
            elif description is not None and written[key] != description:
                yield line + 1, heading, f"{source_name(key)}: the line gives " \
                                         f"({written[key]}), runs.csv has ({description})"
        for key in written:
            if key not in sources:
                yield line + 1, heading, f"its 'Figures from' line names {source_name(key)}, " \
                                         "which none of its figures use"


def sources_fixed(runs, markdown):
    """(text, line numbers): the text with each section's 'Figures from'
    line as it should read, as the section's last line, and none in a
    section without figures; the numbers, in the text as given, are of the
    lines that changed (a section's last line where one was added)."""
    lines = markdown.split("\n")
    changed = []
    sections = list(section_sources(runs, markdown))
    for _, start, end, at, last, _, expected in reversed(sections):
        if at == [last] and expected is not None:
            if lines[last] != expected:
                lines[last] = expected
                changed.append(last + 1)
            continue
        if not at and expected is None:
            continue
        for index in reversed(at):
            del lines[index]
            end -= 1
            # and the blank line that set it apart, where one is left beside another
            if index > start and not lines[index - 1].strip() and \
                    (index == len(lines) or not lines[index].strip()):
                del lines[index - 1]
                end -= 1
        if expected is not None:
            last = max((i for i in range(start, end) if lines[i].strip()), default=start)
            lines[last + 1:last + 1] = ["", expected]
        changed.append((at[0] if at else last) + 1)
    return "\n".join(lines), sorted(changed)
