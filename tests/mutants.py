#!/usr/bin/python3
"""mutants.py: plants each bug of tests/mutants.txt and checks the tests catch it.

The tests are only worth what they catch. For each mutant of the list (a
name, a file, an exact original text and its replacement), this copies the
tree into a temporary folder (the files git lists, and the release build
with its timestamps, so that make rebuilds only what the mutant changed),
applies the replacement, builds the release programs (make all), and runs
the release tests with TEST_VARIANTS=release TEST_FAIL_FAST=1 tests/run.sh.
A failed check means the mutant was caught. The unmutated tree is tested
first, once: if that fails, nothing can be judged.

    tests/mutants.py [--only NAME]... [--list] [--timeout S] [--no-baseline] [--jobs N]

A mutant's "tests:" line names the integration files that should catch it;
they run first (run.sh's TEST_FIRST), then the others, so a mutant is still
judged by every release test but is usually caught in seconds. --jobs runs
that many trees at once (the tests hold on a busy machine).

One line per mutant:
    caught  NAME  (by: the first failing check)  [41 s]
    MISSED  NAME  [98 s]             every test passed with the bug in
    stale   NAME  (why)              the original text is not in the file
                                     exactly once, or the mutant does not build
and a last line "mutants: N caught, M missed, K stale". Tests running
longer than --timeout count as caught (timed out).

Exit status: 0 every mutant caught; 1 some missed or stale; 2 usage error or
a malformed list; 3 the unmutated tree fails its build or its tests;
130 interrupted. Python 3 standard library only.
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

PROGRAM = "mutants"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LIST = os.path.join(ROOT, "tests", "mutants.txt")
BUILT = ("build/release", "bin")          # copied with their timestamps
BUILD_TIMEOUT_S = 600
TEST_ENV = {"TEST_VARIANTS": "release", "TEST_FAIL_FAST": "1"}
STOP = threading.Event()                  # set on SIGINT or SIGTERM: every tree ends


class ListError(Exception):
    """A malformed tests/mutants.txt: says which line."""


class Interrupted(Exception):
    """SIGINT or SIGTERM: clean up and stop."""


class Mutant:
    def __init__(self, name, path, line):
        self.name = name
        self.path = path
        self.line = line          # where its block starts in the list
        self.tests = []           # the "tests:" files, run first
        self.original = []        # the "- " lines
        self.replacement = []     # the "+ " lines


# ---- The list ----

def parse_list(text):
    """The mutants of the list, in order; raises ListError on a bad line."""
    mutants, names = [], set()
    current = None

    def finish(m):
        if m is None:
            return
        if not m.path:
            raise ListError(f"line {m.line}: mutant '{m.name}' has no 'file:' line")
        if not m.original:
            raise ListError(f"line {m.line}: mutant '{m.name}' has no '- ' line")
        mutants.append(m)

    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("name:"):
            finish(current)
            name = line[len("name:"):].strip()
            if not name:
                raise ListError(f"line {number}: an empty name")
            if name in names:
                raise ListError(f"line {number}: the name '{name}' is used twice")
            names.add(name)
            current = Mutant(name, None, number)
        elif current is None:
            raise ListError(f"line {number}: a mutant starts with 'name:'")
        elif line.startswith("file:"):
            if current.path or current.original:
                raise ListError(f"line {number}: 'file:' comes once, after 'name:'")
            current.path = line[len("file:"):].strip()
        elif line.startswith("tests:"):
            if current.tests or current.original:
                raise ListError(f"line {number}: 'tests:' comes once, before the text")
            current.tests = line[len("tests:"):].split()
            for name in current.tests:
                if not os.path.isfile(os.path.join(ROOT, "tests", "integration", name)):
                    raise ListError(f"line {number}: no tests/integration/{name}")
        elif line[0] in "-+" and (len(line) == 1 or line[1] == " "):
            if not current.path:
                raise ListError(f"line {number}: 'file:' comes before the text")
            if line[0] == "-" and current.replacement:
                raise ListError(f"line {number}: every '- ' line comes before the '+ ' lines")
            (current.original if line[0] == "-" else current.replacement).append(line[2:])
        else:
            raise ListError(f"line {number}: expected 'name:', 'file:', 'tests:', "
                            f"'- TEXT' or '+ TEXT', not '{line[:40]}'")
    finish(current)
    return mutants


def mutate(text, mutant):
    """The file's text with the mutant applied, or (None, why) when stale."""
    original = "\n".join(mutant.original)
    found = text.count(original)
    if found != 1:
        return None, (f"the original text occurs {found} times in {mutant.path}"
                      if found else f"the original text is not in {mutant.path}")
    replacement = "\n".join(mutant.replacement)
    if not mutant.replacement and text.count(original + "\n") == 1:
        original += "\n"          # a deleted block of whole lines takes its line end
    return text.replace(original, replacement, 1), None


def planted(mutant):
    """The mutant's file from this tree with the bug in, or (None, why)."""
    try:
        with open(os.path.join(ROOT, mutant.path), encoding="utf-8", newline="") as f:
            text = f.read()
    except OSError as err:
        return None, f"cannot read {mutant.path}: {err.strerror}"
    return mutate(text, mutant)


# ---- Processes: each in its own session, every one of them ended ----

def session_pids(sid):
    """The processes of session sid still alive (zombies aside)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[0] != "Z" and int(fields[3]) == sid:
            pids.append(int(entry))
    return pids


def end_session(sid):
    """SIGTERM to every process left in the session, SIGKILL after 5 s."""
    for sig, grace_s in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 2.0)):
        pids = session_pids(sid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + grace_s
        while session_pids(sid) and time.monotonic() < deadline:
            time.sleep(0.1)


def run_bounded(argv, cwd, env, log_path, timeout_s):
    """Runs argv in a new session, output to log_path. Returns its exit
    status, or None when it ran out of time. Every process it started is
    ended before this returns, however it returns."""
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    deadline = time.monotonic() + timeout_s
    try:
        while not STOP.is_set() and time.monotonic() < deadline:
            try:
                return proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                pass
        return None
    finally:
        end_session(proc.pid)     # its leftovers (a server, a client), or all of it
        proc.wait()


def child_env(tmp_dir, first):
    """The environment of make and the tests: no make of ours leaks into
    theirs, their temporary files go where they are removed with the copy,
    and the integration files in first run before the others."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
    env.update(TEST_ENV, TMPDIR=tmp_dir, TEST_FIRST=" ".join(first))
    return env


# ---- One copy of the tree ----

def tree_files():
    """The files of the tree, as git lists them: tracked and untracked, not ignored."""
    out = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                         check=True, capture_output=True, timeout=60).stdout
    return [name for name in out.decode().split("\0") if name]


def copy_tree(files, dest):
    """Copies the tree and its release build, timestamps kept."""
    for name in files:
        source = os.path.join(ROOT, name)
        if not os.path.lexists(source):       # deleted, not yet committed
            continue
        target = os.path.join(dest, name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
    for folder in BUILT:
        if os.path.isdir(os.path.join(ROOT, folder)):
            shutil.copytree(os.path.join(ROOT, folder), os.path.join(dest, folder),
                            symlinks=True)


def first_error(log_path):
    """The first line of a build log that says what went wrong."""
    with open(log_path, errors="replace") as log:
        lines = log.read().splitlines()
    for pattern in (r"error:", r"\*\*\*", r"."):
        for line in lines:
            if re.search(pattern, line):
                return line.strip()[:200]
    return "no output"


def first_failure(log_path):
    """Where the tests stopped and the first check that failed, from run.sh's output."""
    with open(log_path, errors="replace") as log:
        lines = log.read().splitlines()
    where = ""
    for line in lines:
        m = re.match(r"# stopped after the first failure \(TEST_FAIL_FAST=1\): (.*)", line)
        if m:
            where = m.group(1).replace("tests/integration/", "").replace(" in bin", "")
    check = None
    for line in lines:
        if line.startswith("not ok - "):
            check = line[len("not ok - "):]
            break
        m = re.match(r"# \[  FAILED  \] (?!\d+ test)(.*)", line)
        if m and check is None:
            check = m.group(1)
            break
    check = check or (lines[-1] if lines else "no output")
    text = f"{where}: {check}" if where and not check.startswith(where) else check
    return text[:240]


def try_tree(files, work, mutant, first, timeout_s):
    """Copies the tree into work, plants the mutant (a (path, text) pair, or
    None for the baseline), builds and tests it, the integration files in
    first before the others. Returns (verdict, detail): verdict is
    "nobuild", "failed", "timeout" or "passed"."""
    tree = os.path.join(work, "tree")
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp)
    copy_tree(files, tree)
    if mutant is not None:
        path, text = mutant
        # A new modification time: make rebuilds what depends on this file.
        with open(os.path.join(tree, path), "w", encoding="utf-8", newline="") as f:
            f.write(text)
    env = child_env(tmp, first)
    log = os.path.join(work, "build.log")
    status = run_bounded(["make", "--no-print-directory", "all"], tree, env, log,
                         BUILD_TIMEOUT_S)
    if status != 0:
        return "nobuild", "timed out" if status is None else first_error(log)
    log = os.path.join(work, "test.log")
    status = run_bounded(["tests/run.sh"], tree, env, log, timeout_s)
    if status is None:
        return "timeout", f"timed out after {timeout_s} s"
    if status != 0:
        return "failed", first_failure(log)
    return "passed", ""


def in_temp_folder(files, mutant, first, timeout_s):
    """try_tree in a fresh temporary folder, removed afterwards."""
    work = tempfile.mkdtemp(prefix="aio-mutant-")
    try:
        return try_tree(files, work, mutant, first, timeout_s)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def seconds(started):
    took = time.monotonic() - started
    return f"{took:.0f} s" if took < 120 else f"{took / 60:.1f} min"


def say(line):
    print(line, flush=True)


# ---- Main ----

def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="tests/mutants.py",
        description="Plants each bug of tests/mutants.txt, one at a time, in a copy of "
                    "the tree, builds the release programs and runs the release tests "
                    "(fail-fast): every mutant must be caught. Exit status 0 when all "
                    "are, 1 when some are missed or stale, 2 on a usage error or a "
                    "malformed list, 3 when the unmutated tree fails.")
    parser.add_argument("--only", action="append", metavar="NAME", default=[],
                        help="only this mutant (its exact name); may be repeated")
    parser.add_argument("--list", action="store_true", help="print the names and exit")
    parser.add_argument("--check", action="store_true",
                        help="only say which mutants no longer plant (their lines moved "
                             "or changed), in seconds, building nothing; exit 1 if any")
    parser.add_argument("--timeout", type=int, default=900, metavar="S",
                        help="seconds the tests of one tree may take; longer counts "
                             "as caught (default: 900)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the run of the unmutated tree (when it just passed)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="mutants tried at once, each in its own copy (default: 1)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs: expected 1 or more")
    if args.timeout < 1:
        parser.error("--timeout: expected 1 or more seconds")
    return args


def check(mutants):
    """--check: says each mutant whose lines are no longer in its file, the
    check to run after moving code. 0 when every one plants, else 1."""
    stale = 0
    for mutant in mutants:
        text, why = planted(mutant)
        if text is None:
            say(f"stale   {mutant.name}  ({why})")
            stale += 1
    say(f"mutants: {len(mutants)} checked, {stale} stale")
    return 1 if stale else 0


def on_signal(signum, frame):
    # The clean-up on the way out is not interrupted again; every tree
    # being tested ends its processes and is removed.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    STOP.set()
    raise Interrupted(signal.Signals(signum).name)


def judge(files, mutants, args):
    """Runs the baseline and every mutant; returns the exit status."""
    say(f"# {len(mutants)} mutant(s){'' if args.no_baseline else ', after the unmutated tree'}: "
        f"release tests, stopping at the first failure")
    if not os.path.isdir(os.path.join(ROOT, BUILT[0])):
        say(f"# no {BUILT[0]} here: every copy builds from scratch (make all first saves that)")
    if not args.no_baseline:
        started = time.monotonic()
        verdict, detail = in_temp_folder(files, None, [], args.timeout)
        if verdict != "passed":
            what = "does not build" if verdict == "nobuild" else "fails its tests"
            say(f"baseline  FAILED  ({detail})  [{seconds(started)}]")
            sys.stderr.write(f"{PROGRAM}: the unmutated tree {what}: nothing can be judged\n")
            return 3
        say(f"baseline  passed  [{seconds(started)}]")
    caught = missed = stale = 0

    def try_mutant(mutant):
        started = time.monotonic()
        if STOP.is_set():
            return mutant, "stale", "not tried: interrupted", seconds(started)
        text, why = planted(mutant)
        if text is None:
            return mutant, "stale", why, seconds(started)
        verdict, detail = in_temp_folder(files, (mutant.path, text), mutant.tests,
                                         args.timeout)
        return mutant, verdict, detail, seconds(started)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        outcomes = [pool.submit(try_mutant, m) for m in mutants]
        for done in concurrent.futures.as_completed(outcomes):
            caught, missed, stale = tally(done.result(), (caught, missed, stale))
    say(f"mutants: {caught} caught, {missed} missed, {stale} stale")
    return 0 if missed == 0 and stale == 0 else 1


def tally(outcome, counts):
    """Says one mutant's verdict; returns the counts (caught, missed, stale) with it."""
    mutant, verdict, detail, took = outcome
    caught, missed, stale = counts
    if verdict in ("failed", "timeout"):
        say(f"caught  {mutant.name}  (by: {detail})  [{took}]")
        return caught + 1, missed, stale
    if verdict == "passed":
        say(f"MISSED  {mutant.name}  [{took}]")
        return caught, missed + 1, stale
    if verdict == "nobuild":
        detail = f"does not build: {detail}"
    say(f"stale   {mutant.name}  ({detail}; tests/mutants.txt line {mutant.line})")
    return caught, missed, stale + 1


def main(argv):
    args = parse_args(argv)
    try:
        with open(LIST, encoding="utf-8") as f:
            mutants = parse_list(f.read())
    except (OSError, ListError) as err:
        sys.stderr.write(f"{PROGRAM}: {os.path.relpath(LIST, ROOT)}: {err}\n")
        return 2
    if args.list:
        for mutant in mutants:
            print(mutant.name)
        return 0
    if args.only:
        known = {m.name for m in mutants}
        unknown = [name for name in args.only if name not in known]
        if unknown:
            sys.stderr.write(f"{PROGRAM}: no mutant named '{unknown[0]}' "
                             f"(tests/mutants.py --list names them)\n")
            return 2
        mutants = [m for m in mutants if m.name in args.only]
    if not mutants:
        sys.stderr.write(f"{PROGRAM}: the list holds no mutant\n")
        return 2
    if args.check:
        return check(mutants)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        return judge(tree_files(), mutants, args)
    except Interrupted as why:
        sys.stderr.write(f"\n{PROGRAM}: interrupted ({why})\n")
        return 130
    except (OSError, subprocess.SubprocessError) as err:
        sys.stderr.write(f"{PROGRAM}: {err}\n")
        return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
