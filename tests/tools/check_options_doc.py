#!/usr/bin/python3
"""check_options_doc.py: the option tables of the documents, held to --help.

    tests/tools/check_options_doc.py [--bin DIR] [--docs DIR] [--peer PROGRAM]...

Each program's --help is made from its option table (client/cli.c,
mock_server/options.c), so it is the truth about names, value names,
ranges and defaults; the documents say the same in their own words and
must not drift from it, as a figure must not drift from runs.csv
(check_figures.py). Checked:

  docs/options.md, the table whose header is "| option | meaning | default |":
  - every option of a client's --help (sync, async_uv, async_threads,
    async_coro, async_uring, those built in DIR) has a row, and every row is an option
    of some client's --help;
  - a row's option cell is the --help entry's usage, letters and value
    name included (`-n, --count N`);
  - its default cell holds the --help default of each client that has the
    option (the words in "(default: X)" up to the first ", " or "; "), as
    whole words;
  - each "A to B" in its meaning cell is the range "A..B" in the --help
    entry of some client, when the entry gives a range.
  docs/mock-server.md:
  - the usage block's "[--NAME VALUE]" names every option of the server's
    --help that takes a value and no other; a VALUE that is not the value
    name is the --help default;
  - "`--NAME` (A to B; default D)" in its text: the range and the default
    of the --help entry.
  --peer PROGRAM, a reference client in another language
  (peers/python_asyncio), which must type the C clients' limits again:
  - each option it shares with the C clients gives one of their ranges
    ("0..16G" too) and, where both give one, their default.

Prints each failure as one line, "FILE:LINE: option '--NAME': why" (for
a peer, "PEER: option ..."), then a
count on stderr. Exit status: 0 all agree, 1 something differs, 2 a usage
error (a bad option, a document or program that cannot be read or run).
Python 3 standard library only.
"""

import argparse
import os
import re
import subprocess
import sys

PROGRAM = "check_options_doc"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CLIENTS = ("sync", "async_uv", "async_threads", "async_coro", "async_uring")

# An entry's usage at the start of a line of --help: "-n, --count N",
# "--keep-alive on|off", "--timeline". A value name is upper case, or
# words joined by '|'; the help text after it starts in lower case.
USAGE = re.compile(r"  ((?:-[A-Za-z], )?--([a-z][a-z0-9-]*)"
                   r"(?: ([A-Z][A-Z_]*|[a-z]+(?:\|[a-z]+)+))?)(?=\s|$)")
DEFAULT = re.compile(r"\(default:? (.*?)\)")
RANGE = re.compile(r"(?<![\d.])(\d+[KMG]?)\.\.(\d+[KMG]?)(?![\d.])")
NUMBER = r"(\d+(?:,\d{3})*)"     # as the documents write one: 3,600,000


class UsageError(Exception):
    """The documents or programs cannot be read: exit 2."""


class Entry:
    """One option of one program's --help."""

    def __init__(self, usage, name, value_name):
        self.usage = usage
        self.name = name
        self.value_name = value_name
        self.text = ""          # the help, its lines joined by single blanks

    @property
    def default(self):
        """The words of "(default: X)" up to the first ", " or "; ", or None."""
        match = DEFAULT.search(self.text)
        if match is None:
            return None
        return re.split(r"[,;] ", match[1])[0].strip('"')

    @property
    def ranges(self):
        """Every "A..B" the help gives, as (A, B) pairs of texts: ("0", "16G")."""
        return set(RANGE.findall(self.text))


def help_entries(program):
    """The entries of a program's --help, by long name: lines that start
    with two blanks and an option begin one; deeper lines continue it."""
    try:
        done = subprocess.run([program, "--help"], capture_output=True, text=True,
                              timeout=60, check=False, env=dict(os.environ, COLUMNS="100"))
    except OSError as err:
        raise UsageError(f"cannot run {program}: {err.strerror}") from None
    if done.returncode != 0:
        raise UsageError(f"{program} --help exited {done.returncode}")
    entries, entry = {}, None
    for line in done.stdout.splitlines():
        match = USAGE.match(line)
        if match is not None:
            entry = Entry(match[1], match[2], match[3])
            entries[entry.name] = entry
            line = line[match.end():]
        elif entry is None or not line.startswith("   "):
            entry = None
            continue
        entry.text = (entry.text + " " + line.strip()).strip()
    return entries


def read_lines(path):
    try:
        with open(path, encoding="utf-8") as doc:
            return doc.read().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"cannot read {path}: "
                         f"{getattr(err, 'strerror', None) or err}") from None


def cells(row):
    """A Markdown table row's cells; a '|' inside `code` is the cell's own."""
    out, cell, code = [], "", False
    for char in row.strip().strip("|"):
        if char == "`":
            code = not code
        if char == "|" and not code:
            out.append(cell.strip())
            cell = ""
        else:
            cell += char
    out.append(cell.strip())
    return out


def plain(text):
    """A cell without Markdown's backticks and quotes, for comparing words."""
    return text.replace("`", "").replace('"', "")


def whole(text):
    """A number as the documents write one, "3,600,000", as --help does: "3600000"."""
    return text.replace(",", "")


def holds_words(text, words):
    """words occur in text, not as part of a longer word or number."""
    return re.search(r"(?<![\w.])" + re.escape(words) + r"(?![\w.])", text) is not None


def check_client_table(path, programs):
    """The failures of docs/options.md's option table, as (line, option, why)."""
    failures, rows, lines = [], {}, read_lines(path)
    header = next((i for i, line in enumerate(lines)
                   if cells(line) == ["option", "meaning", "default"]), None)
    if header is None:
        return [(1, "-", "no table whose header is | option | meaning | default |")]
    for number, line in enumerate(lines[header + 2:], start=header + 3):
        if not line.startswith("|"):
            break
        option, meaning, default = (cells(line) + ["", "", ""])[:3]
        usage = option.strip("`")
        name = re.search(r"--([a-z][a-z0-9-]*)", usage)
        if name is None:
            failures.append((number, usage, "no --NAME in the option cell"))
            continue
        rows[name[1]] = (number, usage, meaning, default)
    known = {}
    for program, entries in programs.items():
        for name, entry in entries.items():
            known.setdefault(name, []).append((program, entry))
    for name in sorted(set(known) - set(rows)):
        failures.append((header + 1, "--" + name,
                         f"in the --help of {', '.join(p for p, _ in known[name])} "
                         "but not in the table"))
    for name, (number, usage, meaning, default) in sorted(rows.items(), key=lambda r: r[1][0]):
        if name not in known:
            failures.append((number, "--" + name, "in the table but in no client's --help"))
            continue
        said = {}       # why -> the programs it holds for, said once for all of them
        for program, entry in known[name]:
            if usage != entry.usage:
                said.setdefault(f"the table says `{usage}`, --help '{entry.usage}'",
                                []).append(program)
            if entry.default is not None and not holds_words(plain(default), entry.default):
                said.setdefault(f"the default cell does not say --help's default "
                                f"'{entry.default}'", []).append(program)
        failures += [(number, "--" + name, f"{why} ({', '.join(names)})")
                     for why, names in said.items()]
        ranges = set().union(*(entry.ranges for _, entry in known[name]))
        for low, high in re.findall(NUMBER + " to " + NUMBER, meaning):
            pair = (whole(low), whole(high))
            if ranges and pair not in ranges:
                failures.append((number, "--" + name,
                                 f"'{low} to {high}' is no range of its --help "
                                 f"({', '.join(f'{a}..{b}' for a, b in sorted(ranges))})"))
    return failures


def check_server_doc(path, entries):
    """The failures of docs/mock-server.md against the server's --help."""
    failures, lines, seen = [], read_lines(path), {}
    start = next((i for i, line in enumerate(lines) if line.startswith("bin/mock_server")), None)
    if start is None:
        return [(1, "-", "no usage block starting 'bin/mock_server'")]
    for number, line in enumerate(lines[start:], start=start + 1):
        if line.startswith("```"):
            break
        for name, value in re.findall(r"\[--([a-z][a-z0-9-]*)(?: ([^\]]+))?\]", line):
            seen[name] = number
            entry = entries.get(name)
            if entry is None:
                failures.append((number, "--" + name, "in the usage block but not in --help"))
            elif value and value != entry.value_name and value != entry.default:
                failures.append((number, "--" + name,
                                 f"the usage block says {value}, --help's default is "
                                 f"'{entry.default}'"))
    for name, entry in sorted(entries.items()):
        if entry.value_name is not None and name not in seen:
            failures.append((start + 1, "--" + name,
                             "takes a value in --help but is not in the usage block"))
    said = re.compile(r"`--([a-z][a-z0-9-]*)` \(" + NUMBER + " to " + NUMBER
                      + "; default " + NUMBER + r"\)")
    for number, line in enumerate(lines, start=1):
        for name, low, high, default in said.findall(line):
            entry = entries.get(name)
            if entry is None:
                failures.append((number, "--" + name, "not in --help"))
            elif (whole(low), whole(high)) not in entry.ranges:
                failures.append((number, "--" + name, f"{low} to {high} is not its --help range"))
            elif whole(default) != entry.default:
                failures.append((number, "--" + name,
                                 f"default {default}, --help's is '{entry.default}'"))
    return failures


def check_peer(peer, entries, clients):
    """The failures of a reference client's --help (its options typed again
    in another language) against the C clients' --help: each option the C
    clients have too must give one of their ranges and their default."""
    failures = []
    for name, entry in sorted(entries.items()):
        theirs = [e for client in clients.values() for e in [client.get(name)] if e]
        if not theirs:
            continue
        ranges = set().union(*(e.ranges for e in theirs))
        for low, high in sorted(entry.ranges - ranges):
            failures.append((peer, "--" + name, f"its range {low}..{high} is none of the C "
                             f"clients' ({', '.join(f'{a}..{b}' for a, b in sorted(ranges))})"))
        defaults = {e.default for e in theirs if e.default is not None}
        if entry.default is not None and defaults and entry.default not in defaults:
            failures.append((peer, "--" + name, f"its default '{entry.default}' is not the C "
                             f"clients' '{', '.join(sorted(defaults))}'"))
    return failures


def parse_options(argv):
    parser = argparse.ArgumentParser(
        prog="check_options_doc.py",
        description="Check the option tables of docs/options.md and docs/mock-server.md "
                    "against the programs' --help.")
    parser.add_argument("--bin", metavar="DIR", default=os.path.join(ROOT, "bin"),
                        help="where the programs are (default: the repository's bin/)")
    parser.add_argument("--docs", metavar="DIR", default=os.path.join(ROOT, "docs"),
                        help="where options.md and mock-server.md are "
                             "(default: the repository's docs/)")
    parser.add_argument("--peer", metavar="PROGRAM", action="append", default=[],
                        help="a reference client whose --help must give the C clients' "
                             "ranges and defaults (peers/python_asyncio); may be repeated")
    return parser.parse_args(argv)


def main(argv):
    opts = parse_options(argv)
    try:
        clients = {name: help_entries(os.path.join(opts.bin, name)) for name in CLIENTS
                   if os.access(os.path.join(opts.bin, name), os.X_OK)}
        if not clients:
            raise UsageError(f"no client program in {opts.bin}")
        server = help_entries(os.path.join(opts.bin, "mock_server"))
        found = [("docs/options.md", f) for f in
                 check_client_table(os.path.join(opts.docs, "options.md"), clients)]
        found += [("docs/mock-server.md", f) for f in
                  check_server_doc(os.path.join(opts.docs, "mock-server.md"), server)]
        for peer in opts.peer:
            found += [(os.path.basename(peer), f[1:]) for f in
                      check_peer(peer, help_entries(peer), clients)]
    except UsageError as err:
        sys.stderr.write(f"{PROGRAM}: {err}\n")
        return 2
    for where, failure in found:
        print(":".join([where] + [str(part) for part in failure[:-2]])
              + f": option '{failure[-2]}': {failure[-1]}")
    peers = "".join(f", {os.path.basename(peer)}" for peer in opts.peer)
    sys.stderr.write(f"{PROGRAM}: {len(found)} difference(s) between the documents and "
                     f"--help of {', '.join(sorted(clients))}, mock_server{peers}\n")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
