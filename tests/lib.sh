# lib.sh: what every integration test file shares. Source it; do not run it.
#
# A test file prints one line per check, "ok - what" or "not ok - what: why",
# and tests/run.sh counts them. Servers are started on a free port of
# 127.0.0.1 and stopped by PID when the file ends, however it ends. Every
# wait is bounded. No check depends on how fast the machine is.

set -u

BIN=${BIN:-bin}                 # where the programs are: bin, build/asan/bin, ...
SERVER_BIN=${SERVER_BIN:-$BIN}  # where mock_server is (TSan runs use the release one)
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/aio-test.XXXXXX")
SERVER_PID=
SERVER_URL=
CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-120}   # seconds any one client run may take
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)   # the repository
PEERS=$ROOT/peers               # the reference clients

# release_only WHAT: a file whose checks do not depend on the build variant
# (documents, the Python client, the lesson) runs once, beside the release
# programs; under a sanitizer's BIN it says so and ends here.
release_only() {
    if [ "$BIN" != bin ]; then
        echo "# $1: checked with the release programs (bin) only"
        exit 0
    fi
}

# ---- Reporting ----

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; }

# expect_eq WHAT ACTUAL EXPECTED
expect_eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1: got '$2', expected '$3'"; fi
}

# expect_true WHAT COMMAND...: passes when the command succeeds.
expect_true() {
    local what=$1
    shift
    if "$@"; then pass "$what"; else fail "$what: '$*' is false"; fi
}

# has_line TEXT [FILE]: a line of FILE ($TEST_TMP/out unless given) starts
# with TEXT, taken as it is (no pattern).
has_line() {
    awk -v text="$1" 'index($0, text) == 1 { found = 1 } END { exit !found }' \
        "${2:-$TEST_TMP/out}"
}

# expect_stderr WHAT SPEC...: the last run's stderr ($TEST_TMP/err) holds
# exactly the lines its ending should print. Each SPEC is COUNT:REGEX, an
# extended regex that a whole line must match, and how many lines may:
#   N:REGEX   exactly N (1: the line that must be there, once; 0: never)
#   +:REGEX   one or more
#   *:REGEX   any number (what a run may print, as --verbose's lines)
# A line counts for the first SPEC it matches. A line that matches none, a
# count not met, or a last line without its newline fails the check, with
# the lines shown; no SPEC at all means nothing may be printed. Sanitizer
# reports never land here: tests/run.sh sends them to files (log_path).
expect_stderr() {
    local what=$1 file="$TEST_TMP/err" line n=0 i why=""
    shift
    local specs=("$@") counts=()
    for i in "${!specs[@]}"; do counts[i]=0; done
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        for i in "${!specs[@]}"; do
            if [[ $line =~ ^(${specs[i]#*:})$ ]]; then
                counts[i]=$((counts[i] + 1))
                continue 2
            fi
        done
        [ -n "$why" ] || why="line $n is not one this ending prints: '$line'"
    done <"$file"
    for i in "${!specs[@]}"; do
        [ -z "$why" ] || break
        case ${specs[i]%%:*} in
            '*') ;;
            +) [ "${counts[i]}" -gt 0 ] || why="no line matches '${specs[i]#*:}'" ;;
            *) [ "${counts[i]}" -eq "${specs[i]%%:*}" ] ||
                why="${counts[i]} lines match '${specs[i]#*:}', not ${specs[i]%%:*}" ;;
        esac
    done
    [ -z "$why" ] && [ -s "$file" ] && [ "$(tail -c 1 "$file" | wc -l)" = 0 ] &&
        why="the last line has no newline"
    if [ -z "$why" ]; then
        pass "$what: stderr holds what it should"
        return 0
    fi
    fail "$what: stderr: $why"
    awk 'NR <= 25 { print "#   stderr: " $0 }' "$file"
    return 1
}

# ---- The mock server ----

# running_child PID: PID is a process this test's shell started, still
# running (not a zombie waiting to be reaped). Once bash has reaped a child,
# its number is free, and on a busy machine (pid_max 32768, thousands of
# processes a minute) soon another's: a late SIGTERM or SIGKILL by number
# would reach a stranger, another test's program or make itself.
running_child() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }            # after the command's name, which may hold spaces
    set -- $stat                 # state, parent, ...
    [ "$1" != Z ] && [ "$2" = "$$" ]
}


# start_any_server COMMAND...: starts a server that prints "listening on
# URL" when ready (bin/mock_server, tests/tools/any_server.py) and waits
# (10 s at most) for that line; sets SERVER_URL.
start_any_server() {
    stop_server
    : >"$TEST_TMP/server.out"   # exists before the first read below
    "$@" >"$TEST_TMP/server.out" 2>"$TEST_TMP/server.err" &
    SERVER_PID=$!
    local i
    for i in $(seq 100); do
        SERVER_URL=$(sed -n 's/^listening on //p' "$TEST_TMP/server.out")
        [ -n "$SERVER_URL" ] && return 0
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "# ${1##*/} did not start: $(cat "$TEST_TMP/server.err")" >&2
    SERVER_URL=
    return 1
}

# start_server [mock_server options]: the mock server on a free port of
# 127.0.0.1; sets SERVER_URL.
start_server() {
    start_any_server "$SERVER_BIN/mock_server" --host 127.0.0.1 --port 0 "$@"
}

# stop_server: SIGTERM, then SIGKILL after 10 s; always reaps the process.
stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    running_child "$SERVER_PID" && kill -TERM "$SERVER_PID" 2>/dev/null
    local i
    for i in $(seq 100); do
        running_child "$SERVER_PID" || break
        sleep 0.1
    done
    running_child "$SERVER_PID" && kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
}

# server_stat KEY: a value from GET /stats (jq syntax: .max_in_flight).
server_stat() {
    curl -s --max-time 5 "$SERVER_URL/stats" | jq -r "$1"
}

reset_stats() {
    curl -s --max-time 5 -X POST "$SERVER_URL/stats/reset" >/dev/null
}

# failing_ids N: the ids in 1..N the server is set to fail, space-separated.
failing_ids() {
    curl -s --max-time 5 "$SERVER_URL/faults?count=$1" | jq -r 'map(tostring) | join(" ")'
}

# ---- The clients ----

# run_client CLIENT ARGS...: runs bin/CLIENT, or peers/CLIENT for a
# reference client (one program whatever the build variant), bounded in
# time; stdout to $TEST_TMP/out, stderr to $TEST_TMP/err; sets STATUS.
run_client() {
    local program="$BIN/$1"
    [ -x "$program" ] || program="$PEERS/$1"
    shift
    timeout -s KILL "$CLIENT_TIMEOUT" "$program" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    STATUS=$?
}

# json KEY: a value from the last client's --json summary.
json() {
    jq -r "$1" "$TEST_TMP/out"
}

# summary_holds FILTER: the last client's --json summary makes the jq
# FILTER true (for expect_true).
summary_holds() {
    jq -e "$1" "$TEST_TMP/out" >/dev/null
}

# trace_ids STATE FILE: the ids in a --trace CSV with that state, space-separated.
trace_ids() {
    awk -F, -v state="$1" 'NR > 1 && $2 == state { printf "%s%s", sep, $1; sep = " " }' "$2"
}

# unwatched_check WHAT N: after a run of N fetches with AIO_BENCH_FAIL_WATCH
# set and --trace $TEST_TMP/unwatched.csv, its exit status and trace: the
# glue's socket watch that failed (as calloc would without memory) failed
# that one task, as io, saying why, and the others completed (a loop model
# that ended every transfer, crashed or waited for ever would not).
unwatched_check() {
    local csv="$TEST_TMP/unwatched.csv"
    expect_eq "$1: exits 1 (not killed, not crashed)" "$STATUS" 1
    expect_eq "$1: the trace is whole" "$(awk 'END { print NR - 1 }' "$csv")" "$2"
    expect_eq "$1: one task failed, as io, and says why" \
        "$(awk -F, 'NR > 1 && $2 == "failed" { gsub(/"/, "", $11); print $10 ": " $11 }' "$csv")" \
        "io: no memory to watch its socket"
    expect_eq "$1: the others completed" "$(trace_ids completed "$csv" | wc -w)" $(($2 - 1))
}

# interrupt PID [SIGNAL]: Ctrl-C (or SIGNAL: TERM, HUP) to a program this
# shell started, up to 10 s for it to exit, then SIGKILL; reaps it and sets
# STATUS to its exit status.
interrupt() {
    local pid=$1 sig=${2:-INT} i
    kill -"$sig" "$pid"
    for i in $(seq 100); do
        running_child "$pid" || break
        sleep 0.1
    done
    running_child "$pid" && kill -KILL "$pid" 2>/dev/null
    wait "$pid"
    STATUS=$?
}

# wait_for COMMAND...: up to 10 s for the command to succeed, tried afresh
# every 0.1 s; false when it never did.
wait_for() {
    local i
    for i in $(seq 100); do
        "$@" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# requests_at_least N: the server has received N requests or more since the
# last reset_stats. Unlike in_flight, no earlier run's request (a blob still
# being streamed to a client that has gone) can count.
requests_at_least() {
    [ "$(server_stat .requests)" -ge "$1" ] 2>/dev/null
}

# lines_at_least N TEXT FILE: FILE has N lines or more that hold TEXT.
lines_at_least() {
    [ "$(grep -c "$2" "$3")" -ge "$1" ] 2>/dev/null
}

# has_file DIR FIND-TESTS...: find(1) finds something.
has_file() {
    local dir=$1
    shift
    [ -n "$(find "$dir" "$@" 2>/dev/null | head -1)" ]
}

# window_of MODEL C: the --concurrency to pass a model for a window of C
# (sync runs one task at a time and takes only 1).
window_of() {
    if [ "$1" = sync ]; then echo 1; else echo "$2"; fi
}

# models: the client programs built in $BIN, in a fixed order.
models() {
    local m
    for m in sync async_uv async_threads async_coro async_uring; do
        [ -x "$BIN/$m" ] && echo "$m"
    done
}

# clients: the models, then the Python reference client where this run
# checks it (with the release programs only: it is one program whatever the
# build variant); says so when it is left out, and fails when it cannot run.
clients() {
    models
    if [ "$BIN" != bin ]; then
        echo "# python_asyncio: checked with the release programs (bin) only" >&2
    elif "$PEERS/python_asyncio" --help >/dev/null 2>&1; then
        echo python_asyncio
    else
        fail "python_asyncio: does not run with /usr/bin/python3 (test_python_asyncio.sh says why)" >&2
    fi
}

# check_out_of_memory MODEL ARGS LIMIT...: runs MODEL with ARGS (and --url,
# --trace) under each address-space limit (ulimit -v LIMIT KiB, in a
# subshell). Where tasks failed, the run went on and exited 1, and every
# failure counts as io, a local failure, with a message that says memory:
# never as connect or reset, which blame the server. Several limits, as where
# memory runs out moves the failure from one allocation to another; at
# least one must make tasks fail. The sanitizer builds reserve terabytes of
# address space and cannot run so: call it for bin/ only.
check_out_of_memory() {
    local m=$1 args=$2 limit_kb failed odd bit=no
    shift 2
    for limit_kb in "$@"; do
        rm -f "$TEST_TMP/nomem.csv"
        # shellcheck disable=SC2086
        (ulimit -v "$limit_kb" &&
            exec timeout -s KILL "$CLIENT_TIMEOUT" "$BIN/$m" $args \
                --url "$SERVER_URL" --trace "$TEST_TMP/nomem.csv") >"$TEST_TMP/out" 2>"$TEST_TMP/err"
        STATUS=$?
        failed=$(awk -F, 'NR > 1 && $2 == "failed"' "$TEST_TMP/nomem.csv" 2>/dev/null | wc -l)
        [ "$failed" -gt 0 ] || continue
        bit=yes
        expect_eq "$m out of memory (ulimit -v $limit_kb, $failed failed): the run went on and exited 1" \
            "$STATUS" 1
        expect_eq "$m out of memory (ulimit -v $limit_kb): every failure is counted as io" \
            "$(awk -F, 'NR > 1 && $2 == "failed" { print $10 }' "$TEST_TMP/nomem.csv" | sort -u)" io
        odd=$(awk -F, 'NR > 1 && $2 == "failed" && tolower($11) !~ /memory/ { print $11; exit }' \
            "$TEST_TMP/nomem.csv")
        expect_eq "$m out of memory (ulimit -v $limit_kb): every failure's message says memory${odd:+ (not $odd)}" \
            "$(awk -F, 'NR > 1 && $2 == "failed" && tolower($11) !~ /memory/' "$TEST_TMP/nomem.csv" | wc -l)" 0
    done
    expect_eq "$m out of memory: some limit made tasks fail" "$bit" yes
}

# cleanup: the test's own shell stops its server and removes TEST_TMP. A
# copy of that shell forked for a command, signalled before it has reset
# the traps it inherited, would run this EXIT trap too: once, under load,
# one removed TEST_TMP while the test went on (bash said "wait_for: No
# record of process", a forked shell waiting for a child it does not have).
# Only the shell that set the trap may clean up.
cleanup() {
    [ "$BASHPID" = "$CLEANUP_PID" ] || return 0
    stop_server
    rm -rf "$TEST_TMP"
}
CLEANUP_PID=$BASHPID
trap cleanup EXIT
trap 'exit 130' INT TERM
