#!/usr/bin/python3
"""lesson_commands.py: every ```sh block of docs/LESSON.md, run in a short form.

    tests/tools/lesson_commands.py --url URL [--bin DIR] [--tmp DIR]
                                   [--no-stale] [--check-only] [LESSON]
    tests/tools/lesson_commands.py --waits-table [LESSON]

The first form runs the lesson's commands as a reader would, one block
after another, each block in one bash, so that a renamed option or a
changed output fails a test (test_lesson_commands.sh). Each line of a
block is one command, kept as the lesson writes it, with these
substitutions only (short_form):

  - " | less" is dropped: nobody reads the pager;
  - "-n N" with N over 20 becomes "-n 10": the count sets how long, not what;
  - "--latency-ms L" with L over 20 becomes "--latency-ms 20", and a
    mock_server the block starts gets "--latency-ms 20" when it has none;
  - but a line that timeout(1) ends with a signal ("timeout -s INT 0.5
    bin/..."), the lesson's Ctrl-C, keeps its count and latency: they
    decide what is in flight when the signal comes, and the signal decides
    how long it runs;
  - 127.0.0.1:8080, the lesson's server, becomes URL's host and port (the
    test's own server, with a latency of 20 ms; the clients also find it
    through $MOCK_URL); ports 8081 to 8083, the servers the blocks start
    and stop, become free ports;
  - "/tmp/" becomes "./", the block's working folder;
  - a mock_server started with "& VAR=$!" is waited for (10 s at most)
    until it prints "listening on", and stopped by its PID if the block
    did not stop it; a block that runs over BLOCK_TIMEOUT_S is killed
    with everything it started (its process group).

Each command exits as EXPECT says (0 unless named there) and, where the
lesson states an output, EXPECT's regular expression finds it in the
command's stdout or stderr. A line through jq must print no null: jq's
word for a field the output does not have, a renamed one. A line the test
cannot run is named in SKIP with the reason. A line neither run nor named,
because its program is not one a short form can run (RUNNABLE), fails
before anything runs: "a line the test neither runs nor names". So does an
entry of SKIP or EXPECT that no line of the lesson matches any more (unless
--no-stale, for copies). A comment, whole line or closing, is no command.

The working folder holds a link to each entry of the repository, and bin
links to --bin, so that the lesson's relative paths (bin/sync,
coro/coro_loop.c) resolve. A block runs for at most BLOCK_TIMEOUT_S (180 s,
or $LESSON_BLOCK_TIMEOUT_S).

--waits-table checks step 5's table of waits instead: one row per member
of struct waits (tasks/task.h), each quoted line of its blocking column in
tasks/blocking.c and each of its pausing column in the file the row names.

Output: one line per check, "ok - ..." or "not ok - ...: why". Exit
status: 0 all passed; 1 a check failed; 2 a usage error.
"""

import argparse
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BLOCK_TIMEOUT_S = int(os.environ.get("LESSON_BLOCK_TIMEOUT_S", "180"))
SHORT_N = 10            # "-n N" over MAX_N becomes this
MAX_N = 20
SHORT_LATENCY_MS = 20
LESSON_PORTS = ("8081", "8082", "8083")   # the servers the blocks start

# Lines the test does not run, and why.
SKIP = {
    "make -j1 all": "builds the tree, which make test has built before any test runs",
    "bin/mock_server &": "the test's own server stands for it, on a free port with"
                         " --latency-ms 20 (test_lesson_commands.sh checks it says"
                         " 'listening on http://127.0.0.1:')",
    "scripts/stop_time.py --concurrency 10": "measures for a minute or more;"
                                            " test_stop_time.sh runs it on a tiny run",
}

# Lines whose exit status is not 0, or whose output the lesson states:
# line -> a list of (status, regex or None), one per occurrence in order
# (the last repeats).
EXPECT = {
    "bin/async_threads fetch -n 1000 --url http://127.0.0.1:8081 --json | jq '{wall_ms,"
    " pool_threads, max_rss_kb, stack_touched_avg_kb, task_state_bytes}'":
        [(0, r'"pool_threads": [0-9]+')],
    "bin/async_uv fetch -n 100 -q -v 2>&1 | tail -1":
        [(0, r"transfers finished, [0-9]+ socket actions")],
    "grep -n 'coro_await(ct' coro/coro_loop.c async_coro/waits.c":
        [(0, r"WAIT_TRANSFER[\s\S]*WAIT_FILE")],
    "curl -s http://127.0.0.1:8080/stats | jq .max_in_flight": [(0, r"^([1-9]|10)\n")],
    # Step 2: sync's task 2 starts after task 1; the trace's header; an attempt's event.
    "bin/sync fetch -n 10 -q -v": [(0, r"task 1: completed[^\n]*\n[^\n]*task 2: start")],
    "cat /tmp/run.csv": [(0, r"^id,state,start_ms,attempt_start_ms,end_ms,attempts,")],
    "jq -c '.traceEvents[]' /tmp/run.json | grep '\"tid\":3,'":
        [(0, r'"name":"task 3"[\s\S]*"ph":"X"')],
    # Step 8 lists its failing ids; step 9's server fails id 11 alone.
    "curl -s 'http://127.0.0.1:8081/faults?count=20'": [(0, r"[0-9]"), (0, r"^\[11\]$")],
    # Step 8: the failing ids end the first run with exit 1, counted under
    # status; with two retries every task completes.
    "bin/async_coro fetch -n 20 --url http://127.0.0.1:8081 --timeline; echo \"exit $?\"":
        [(0, r"status[\s\S]*^exit 1$")],
    "bin/async_uv fetch -n 20 --url http://127.0.0.1:8082 --timeout-ms 500 --timeline":
        [(1, r"timeout")],
    # Step 9: one task fails, the others complete, in every model.
    "bin/async_coro fetch -n 20 --url http://127.0.0.1:8081 --trace /tmp/one.csv;"
    " echo \"exit $?\"": [(0, r"completed +19\n +failed +1\n +status +1\n[\s\S]*^exit 1$")],
    "grep -v ',completed,' /tmp/one.csv": [(0, r'^11,failed,.*,status,"HTTP 500"$')],
    **{f"{program} fetch -n 20 --url http://127.0.0.1:8081 --json"
       " | jq -c '{ok, failed, status: .failures.status}'":
       [(1, r'^\{"ok":19,"failed":1,"status":1\}$')]
       for program in ("bin/sync", "bin/async_threads", "bin/async_uv", "bin/async_uring",
                       "peers/python_asyncio")},
    # Step 10: Ctrl-C at 0.5 s, while the window of 10 waits its 1 s.
    "timeout -s INT --preserve-status 0.5 bin/async_uv fetch -n 100 --concurrency 10"
    " --latency-ms 1000 --trace /tmp/cut.csv":
        [(130, r"failed +100\n +cancelled +100\n[\s\S]*cancelled +yes")],
    "grep -c 'cancelled during the transfer' /tmp/cut.csv": [(0, r"^10$")],
    "grep -c 'cancelled before it started' /tmp/cut.csv": [(0, r"^90$")],
    "time timeout -s INT --preserve-status 0.5 bin/sync fetch -n 100 --latency-ms 1000 -q":
        [(130, None)],
    "time timeout -s INT --preserve-status 0.5 bin/async_threads fetch -n 100 --concurrency 10"
    " --latency-ms 1000 -q": [(130, None)],
    "time timeout -s INT --preserve-status 0.5 bin/async_uv fetch -n 100 --concurrency 10"
    " --latency-ms 1000 -q": [(130, None)],
    # Step 11: some fail, then only those run again, then nothing runs.
    "bin/async_uv fetch -n 20 --url http://127.0.0.1:8081 --cache /tmp/items.cache --timeline":
        [(1, None), (0, r"from the cache")],
    "bin/async_uv fetch -n 20 --url http://127.0.0.1:8081 --cache /tmp/items.cache":
        [(0, r"from the cache")],
    "curl -s http://127.0.0.1:8083/stats | jq '{max_in_flight, threads}'":
        [(0, r'"max_in_flight": [0-9]+')],
    "bin/async_uv fetch -n 5 --latency-ms 100 --process-ms 150 --blocking-process -q -v 2>&1"
    " | grep held": [(0, r"held")],
    # Step 12: the two files differ, and diff says so with 1.
    "diff async_coro/waits.c async_uring/waits.c": [(1, r"io_uring_prep_write")],
    "diff loop/loop_uv.h async_uring/loop_ring.h": [(1, None)],
    # Step 13: a socket is read after a wake-up in both loops, and only the
    # libuv one sleeps in epoll; a regular file is always ready, and epoll
    # refuses it; the ring writes the files without a write call.
    "strace -f -c -e trace=epoll_wait,recvfrom,io_uring_enter bin/async_coro fetch -n 20 -q":
        [(0, r"\A(?=[\s\S]*\sepoll_wait$)[\s\S]*\srecvfrom$")],
    "strace -f -c -e trace=epoll_wait,recvfrom,io_uring_enter bin/async_uring fetch -n 20 -q":
        [(0, r"\A(?![\s\S]*\sepoll_wait$)[\s\S]*\srecvfrom$")],
    "/usr/bin/python3 -c 'import select; f = open(\"README.md\"); p = select.poll();"
    " p.register(f, select.POLLIN); print(p.poll(0))'": [(0, r"^\[\([0-9]+, 1\)\]$")],
    "/usr/bin/python3 -c 'import select; f = open(\"README.md\");"
    " select.epoll().register(f, select.EPOLLIN)'": [(1, r"Operation not permitted")],
    "strace -f -c -e trace=futex,read,write,io_uring_enter bin/async_coro files -n 20 -q":
        [(0, r"\sfutex$")],
    "strace -f -c -e trace=futex,read,write,io_uring_enter bin/async_uring files -n 20 -q":
        [(0, r"\A(?![\s\S]*\swrite$)[\s\S]*\sio_uring_enter$")],
    # Step 15: sync, and the loop with a window of one, reuse one connection;
    # the loop with every task at once opens one per task (the short form
    # runs 10); each also makes one for the client's /health check.
    "strace -f -c -e trace=connect bin/sync fetch -n 100 --latency-ms 0 -q":
        [(0, r"^\s*[0-9.]+\s+[0-9.]+\s+[0-9]+\s+2\s+([0-9]+\s+)?connect$")],
    "strace -f -c -e trace=connect bin/async_uv fetch -n 100 --latency-ms 0 -q":
        [(0, r"^\s*[0-9.]+\s+[0-9.]+\s+[0-9]+\s+11\s+([0-9]+\s+)?connect$")],
    "strace -f -c -e trace=connect bin/async_uv fetch -n 100 --latency-ms 0 --concurrency 1 -q":
        [(0, r"^\s*[0-9.]+\s+[0-9.]+\s+[0-9]+\s+2\s+([0-9]+\s+)?connect$")],
    # Exercise 3: the answer the lesson gives.
    "bin/async_coro fetch -n 10 --url http://127.0.0.1:8081 --retries 2 --backoff-ms 100 --json"
    " | jq '{wall_ms, ok, retries}'": [(0, r'"ok": 10,\s*"retries": 20')],
}

# The programs a short form may run: the first word of each part of a line.
RUNNABLE = {"bin/", "peers/", "curl", "jq", "diff", "grep", "sqlite3", "kill", "rm", "cat",
            "tail", "time", "nproc", "sleep", "wait", "echo", "/usr/bin/python3"}


def sh_blocks(text):
    """Each ```sh block: [(line number, command)], its lines without the
    fence's indent (a block inside a list item is indented), without a
    closing comment ("  # prints ...") and without the lines that are only
    a comment."""
    blocks, current, indent = [], None, ""
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if current is None:
            if stripped == "```sh":
                current, indent = [], line[:len(line) - len(line.lstrip())]
        elif stripped == "```":
            blocks.append(current)
            current = None
        elif stripped and not stripped.startswith("#"):
            line = line[len(indent):] if line.startswith(indent) else stripped
            current.append((number, re.sub(r"\s+#.*$", "", line)))
    return blocks


# A line that timeout(1) ends with a signal: time, then timeout with its
# options (a signal's name after -s) and its duration.
TIMEOUT = r"timeout(?:\s+(?:-s\s+\w+|--?[a-z-]+))*\s+[0-9.]+[smhd]?\s+"
ENDED_BY_TIMEOUT = re.compile(r"^(?:time\s+)?%s" % TIMEOUT)


# The words that run the rest of their part as a program: for each, the
# options that take an argument and how many words follow the options
# before the program (timeout's duration).
PREFIXES = {"time": ((), 0), "strace": (("-e", "-o"), 0), "timeout": (("-s", "-k"), 1)}
SEPARATORS = {"|", "||", "&&", ";", "&"}


def first_words(line):
    """The program of each part of a line split at |, ||, &&, ; and &
    outside quotes (a redirection such as 2>&1 splits nothing), each
    PREFIXES word, its options and its operands passed over."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    parts, part = [], []
    for token in lexer:
        if token in SEPARATORS:
            parts.append(part)
            part = []
        else:
            part.append(token)
    parts.append(part)
    words = []
    for part in parts:
        tokens = list(part)
        while tokens and re.match(r"^[A-Za-z_]+=", tokens[0]):   # VAR=value before it
            tokens = tokens[1:]
        while tokens and tokens[0] in PREFIXES:
            with_argument, operands = PREFIXES[tokens[0]]
            tokens = tokens[1:]
            while tokens and tokens[0].startswith("-"):
                tokens = tokens[2:] if tokens[0] in with_argument else tokens[1:]
            tokens = tokens[operands:]
        if tokens:
            words.append(tokens[0])
    return words


def runnable(line):
    return all(w in RUNNABLE or any(w.startswith(p) for p in RUNNABLE if p.endswith("/"))
               for w in first_words(line))


def short_form(line, host_port, ports):
    """The lesson's line with the substitutions of the module's docstring."""
    line = line.replace(" | less", "")
    if not ENDED_BY_TIMEOUT.match(line):
        line = re.sub(r"(?<=\s)-n (\d+)\b",
                      lambda m: "-n %d" % SHORT_N if int(m.group(1)) > MAX_N else m.group(0),
                      line)
        line = re.sub(r"--latency-ms (\d+)\b",
                      lambda m: "--latency-ms %d" % SHORT_LATENCY_MS
                      if int(m.group(1)) > SHORT_LATENCY_MS else m.group(0), line)
    if line.startswith("bin/mock_server") and "--latency-ms" not in line:
        line = line.replace("bin/mock_server", "bin/mock_server --latency-ms %d"
                            % SHORT_LATENCY_MS, 1)
    line = line.replace("127.0.0.1:8080", host_port)
    for lesson_port, port in zip(LESSON_PORTS, ports):
        line = re.sub(r"\b%s\b" % lesson_port, str(port), line)
    return line.replace("/tmp/", "./")


def free_ports(count):
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


PRELUDE = r"""set -o pipefail
# wait_listening OUT PID: until OUT says "listening on", 10 s at most.
wait_listening() {
    local i
    for i in $(seq 100); do
        grep -q '^listening on ' "$1" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
exec 3>>"$LESSON_BLOCK/status"
"""
BACKGROUND = re.compile(r"^(?P<cmd>.*[^&])&\s*(?P<var>[A-Za-z_]+)=\$!\s*$")


def block_script(lines):
    """The bash script of one block, run in the working folder: each line's
    output in out.K and err.K, its status as "K STATUS" in status, each
    background PID in pids, all in the block's folder, $LESSON_BLOCK."""
    out = [PRELUDE]
    for k, line in lines:
        m = BACKGROUND.match(line)
        if m:
            out.append('{ %s >"$LESSON_BLOCK/out.%d" 2>"$LESSON_BLOCK/err.%d" & %s=$!; }; '
                       'echo "$%s" >>"$LESSON_BLOCK/pids"; '
                       'wait_listening "$LESSON_BLOCK/out.%d" "$%s"; echo "%d $?" >&3'
                       % (m["cmd"], k, k, m["var"], m["var"], k, m["var"], k))
        else:
            out.append('{ %s\n} >"$LESSON_BLOCK/out.%d" 2>"$LESSON_BLOCK/err.%d"; echo "%d $?" >&3'
                       % (line, k, k, k))
    return "\n".join(out) + "\n"


def stop_leftovers(folder, bin_dir):
    """Stops, by PID, each server the block started and left running (a
    block cut short): TERM, 10 s, then KILL. Only a process whose program
    is in bin_dir is signalled."""
    try:
        with open(os.path.join(folder, "pids")) as f:
            pids = [int(p) for p in f.read().split()]
    except FileNotFoundError:
        return
    for pid in pids:
        try:
            exe = os.readlink("/proc/%d/exe" % pid)
        except OSError:
            continue
        if os.path.dirname(exe) != os.path.realpath(bin_dir):
            continue
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if not os.path.exists("/proc/%d" % pid):
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)


def report(ok, what, why=""):
    print(("ok - %s" % what) if ok else ("not ok - %s: %s" % (what, why)))
    return ok


def run_lesson(args, text):
    failures = 0
    blocks = sh_blocks(text)
    lesson_lines = [line for block in blocks for _, line in block]
    failures += not report(len(blocks) > 0, "the lesson has sh blocks (%d)" % len(blocks),
                           "none found")
    # Forms first: nothing runs if a line has none.
    unformed = [line for line in lesson_lines if line not in SKIP and not runnable(line)]
    for line in unformed:
        report(False, "a line the test neither runs nor names", line)
    failures += len(unformed)
    if not args.no_stale:
        for line in list(SKIP) + list(EXPECT):
            if line not in lesson_lines:
                failures += not report(False, "a line named in lesson_commands.py is in the"
                                       " lesson", line)
    if unformed or args.check_only:
        return failures

    host_port = re.sub(r"^https?://", "", args.url).split("/")[0]
    ports = free_ports(len(LESSON_PORTS))
    tree = tempfile.mkdtemp(prefix="lesson.", dir=args.tmp)
    try:
        for name in os.listdir(ROOT):
            if name not in ("bin", ".git"):
                os.symlink(os.path.join(ROOT, name), os.path.join(tree, name))
        os.symlink(os.path.abspath(args.bin), os.path.join(tree, "bin"))
        env = dict(os.environ, MOCK_URL=args.url, TMPDIR=tree)
        seen = {}
        for block in blocks:
            todo = [(k, line) for k, line in block if line not in SKIP]
            for k, line in block:
                if line in SKIP:
                    print("# lesson line %d not run: %s: %s" % (k, line, SKIP[line]))
            if not todo:
                continue
            folder = tempfile.mkdtemp(prefix="block.", dir=tree)
            script = block_script([(k, short_form(l, host_port, ports)) for k, l in todo])
            with open(os.path.join(folder, "block.sh"), "w") as f:
                f.write(script)
            # The block's bash leads a process group of its own: cut short,
            # the whole group (it and whatever it runs) is killed by its id.
            shell = subprocess.Popen(["bash", os.path.join(folder, "block.sh")], cwd=tree,
                                     env=dict(env, LESSON_BLOCK=folder),
                                     stdin=subprocess.DEVNULL, start_new_session=True)
            try:
                shell.wait(timeout=BLOCK_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                print("# the block at line %d ran over %d s" % (block[0][0], BLOCK_TIMEOUT_S))
                os.killpg(shell.pid, signal.SIGKILL)
                shell.wait()
            finally:
                stop_leftovers(folder, args.bin)
            with open(os.path.join(folder, "status")) as f:
                statuses = dict(l.split() for l in f if l.strip())
            for k, line in todo:
                occurrence = seen.get(line, 0)
                seen[line] = occurrence + 1
                wanted = EXPECT.get(line, [(0, None)])
                status, regex = wanted[min(occurrence, len(wanted) - 1)]
                what = "lesson line %d: %s" % (k, line)
                got = statuses.get(str(k))
                if got is None:
                    failures += not report(False, what, "did not run (the block ended first)")
                    continue
                output = ""
                for stream in ("out", "err"):
                    path = os.path.join(folder, "%s.%d" % (stream, k))
                    if os.path.exists(path):
                        with open(path, errors="replace") as f:
                            output += f.read()
                why = ""
                if int(got) != status:
                    why = "exit %s, expected %d" % (got, status)
                elif regex is not None and not re.search(regex, output, re.M):
                    why = "its output lacks /%s/" % regex
                elif "| jq " in line and re.search(r"\bnull\b", output):
                    why = "jq printed null: a field the lesson names is not in the output"
                if not report(not why, what, why):
                    failures += 1
                    for shown in output.splitlines()[-8:]:
                        print("#   %s" % shown)
    finally:
        shutil.rmtree(tree, ignore_errors=True)
    return failures


def waits_members(task_h):
    with open(task_h) as f:
        text = f.read()
    body = text[text.index("struct waits {"):]
    body = body[:body.index("\n};")]
    return re.findall(r"^\s+[\w ]+\(\*(\w+)\)\(", body, re.M)


def check_waits_table(text):
    """Step 5's table: a row per wait, each quoted line in the file it names."""
    failures = 0
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"`\w+`", cells[0]) and cells[3].endswith(".c"):
            rows[cells[0].strip("`")] = cells
    members = waits_members(os.path.join(ROOT, "tasks", "task.h"))
    failures += not report(sorted(rows) == sorted(members),
                           "the waits table: one row per member of struct waits",
                           "rows %s, members %s" % (sorted(rows), sorted(members)))
    for name in members:
        if name not in rows:
            continue
        _, blocking, pausing, where = rows[name]
        for column, path in ((blocking, "tasks/blocking.c"), (pausing, where)):
            quoted = re.findall(r"`([^`]+)`", column)
            try:
                with open(os.path.join(ROOT, path)) as f:
                    code = f.read()
            except OSError as e:
                failures += not report(False, "the waits table: %s: %s" % (name, path),
                                       e.strerror)
                continue
            missing = [q for q in quoted if q not in code]
            failures += not report(quoted and not missing,
                                   "the waits table: %s: its lines are in %s" % (name, path),
                                   "not there: %s" % missing if missing else "no quoted line")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("lesson", nargs="?", default=os.path.join(ROOT, "docs", "LESSON.md"))
    parser.add_argument("--url", help="the test's mock server, standing for 127.0.0.1:8080")
    parser.add_argument("--bin", default=os.path.join(ROOT, "bin"), help="the programs")
    parser.add_argument("--tmp", default=None, help="where the working folder goes")
    parser.add_argument("--no-stale", action="store_true",
                        help="do not require SKIP's and EXPECT's lines in the lesson")
    parser.add_argument("--check-only", action="store_true",
                        help="check that every line has a form; run nothing")
    parser.add_argument("--waits-table", action="store_true",
                        help="check step 5's table of waits instead")
    args = parser.parse_args()
    try:
        with open(args.lesson) as f:
            text = f.read()
    except OSError as e:
        print("lesson_commands.py: %s: %s" % (args.lesson, e.strerror), file=sys.stderr)
        return 2
    if args.waits_table:
        return 1 if check_waits_table(text) else 0
    if args.url is None and not args.check_only:
        print("lesson_commands.py: --url is needed to run the lesson", file=sys.stderr)
        return 2
    return 1 if run_lesson(args, text) else 0


if __name__ == "__main__":
    sys.exit(main())
