#!/usr/bin/env bash
# test_closed_fds.sh: every program runs with stdin, stdout or stderr closed.
#
# cron and some supervisors start programs with a standard descriptor
# closed (<&-, >&-, 2>&-). The next descriptor opened then takes its number:
# libuv, whose loop took fd 0, aborted as it closed it. Each program opens
# /dev/null onto a closed one first, so that its own files never take 0, 1
# or 2. Here each client downloads with each one closed in turn and must do
# the run's work: no abort, the trace whole, the cache saved, the temporary
# folder removed; with stdout closed the summary cannot be written, which
# it says on stderr with a status of its own. The server must answer.
. "$(dirname "$0")/../lib.sh"

N=4

# run_closed FD PROGRAM ARGS...: runs PROGRAM with FD (stdin, stdout or
# stderr) closed and the other two to $TEST_TMP/out and err, bounded in
# time; sets STATUS. TMPDIR is $TEST_TMP/tmp, for the run's own folder.
run_closed() {
    local fd=$1
    shift
    rm -rf "$TEST_TMP/tmp" "$TEST_TMP/out" "$TEST_TMP/err"
    mkdir "$TEST_TMP/tmp"
    : >"$TEST_TMP/out"
    : >"$TEST_TMP/err"
    case $fd in
        stdin)  TMPDIR=$TEST_TMP/tmp timeout -s KILL "$CLIENT_TIMEOUT" "$@" \
                    <&- >"$TEST_TMP/out" 2>"$TEST_TMP/err" ;;
        stdout) TMPDIR=$TEST_TMP/tmp timeout -s KILL "$CLIENT_TIMEOUT" "$@" \
                    >&- 2>"$TEST_TMP/err" ;;
        stderr) TMPDIR=$TEST_TMP/tmp timeout -s KILL "$CLIENT_TIMEOUT" "$@" \
                    >"$TEST_TMP/out" 2>&- ;;
    esac
    STATUS=$?
}

# check_status WHAT FD: 0, or with stdout closed exit 3 and the one line
# that says the summary could not be written there (stdout is /dev/null
# opened read-only: the write fails with EBADF).
check_status() {
    local what=$1 fd=$2 m=${1%% *}
    if [ "$fd" != stdout ]; then
        expect_eq "$what: exit 0" "$STATUS" 0
        return
    fi
    expect_eq "$what: exit 3, one line on stderr" "$STATUS $(cat "$TEST_TMP/err")" \
        "3 $m: cannot write the summary to standard output: Bad file descriptor"
}

# check_client MODEL FD: a download of N blobs with FD closed.
check_client() {
    local m=$1 fd=$2 what="$1 with $2 closed"
    local trace="$TEST_TMP/closed.csv" cache="$TEST_TMP/closed.cache"

    rm -f "$trace" "$cache"
    run_closed "$fd" "$BIN/$m" download -n $N --size 64K --url "$SERVER_URL" --json \
        --trace "$trace" --cache "$cache"
    check_status "$what" "$fd"
    expect_eq "$what: the trace holds the $N tasks, completed" \
        "$(trace_ids completed "$trace" 2>&1)" "$(seq -s ' ' $N)"
    expect_eq "$what: the temporary folder removed" "$(find "$TEST_TMP/tmp" -mindepth 1)" ""
    # Read back as a rerun reads it, whatever its format: all N cached.
    run_client "$m" download -n $N --size 64K --url "$SERVER_URL" --json --cache "$cache"
    expect_eq "$what: the cache holds the $N" "$(json .cached 2>&1)" $N
}

# check_python FD: the Python client's download with FD closed.
check_python() {
    local fd=$1 what="python_asyncio with $1 closed"

    run_closed "$fd" "$PEERS/python_asyncio" download -n $N --size 64K --url "$SERVER_URL" \
        --json
    if [ "$fd" = stdout ]; then
        expect_eq "$what: exit 3, one line on stderr" \
            "$STATUS $(cat "$TEST_TMP/err")" \
            "3 python_asyncio: cannot write the summary to standard output: Bad file descriptor"
    else
        expect_eq "$what: exit 0, $N completed" "$STATUS $(json .ok 2>&1)" "0 $N"
    fi
    expect_eq "$what: the temporary folder removed" "$(find "$TEST_TMP/tmp" -mindepth 1)" ""
}

# free_port: a port of 127.0.0.1 nothing listens on (as the kernel gave it
# out a moment ago).
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# check_server FD: the mock server with FD closed answers /health, and a
# SIGTERM stops it with exit 0. With stdout closed it cannot announce
# itself: it says so on stderr and serves all the same.
check_server() {
    local fd=$1 what="mock_server with $1 closed" port pid
    port=$(free_port)
    case $fd in
        stdin)  "$SERVER_BIN/mock_server" --port "$port" <&- >"$TEST_TMP/srv.out" \
                    2>"$TEST_TMP/srv.err" & ;;
        stdout) "$SERVER_BIN/mock_server" --port "$port" >&- 2>"$TEST_TMP/srv.err" & ;;
        stderr) "$SERVER_BIN/mock_server" --port "$port" >"$TEST_TMP/srv.out" 2>&- & ;;
    esac
    pid=$!
    expect_true "$what: answers /health" \
        wait_for curl -sf --max-time 2 "http://127.0.0.1:$port/health" -o /dev/null
    interrupt "$pid" TERM
    expect_eq "$what: SIGTERM stops it, exit 0" "$STATUS" 0
    [ "$fd" = stdout ] && expect_true "$what: stderr says stdout could not be written" \
        grep -q stdout "$TEST_TMP/srv.err"
}

start_server --latency-ms 0 --threads 32 || exit 1
for fd in stdin stdout stderr; do
    for m in $(models); do
        check_client "$m" "$fd"
    done
    check_server "$fd"
done
if [ "$BIN" = bin ] && "$PEERS/python_asyncio" --help >/dev/null 2>&1; then
    for fd in stdin stdout stderr; do
        check_python "$fd"
    done
fi
