#!/usr/bin/env bash
# test_stop_time.sh: scripts/stop_time.py measures what the lesson's step 10
# quotes: each program, Ctrl-C'd while its window waits on the server, exits
# 130 with the tasks in flight cancelled and the others never started; a
# program that ignores the signal is killed by its PID and counted as not
# stopped; usage errors and missing programs say so. What the models do on
# Ctrl-C in every state is test_interrupt.sh's; here only the tool, on a
# tiny run (6 tasks, a window of 2), and never how fast anything stopped.
. "$(dirname "$0")/../lib.sh"

# The tool measures the release programs; each program's Ctrl-C under the
# sanitizers is test_interrupt.sh's.
release_only "stop_time.py"

TOOL=scripts/stop_time.py
PYTHON=/usr/bin/python3

# tool ARGS...: runs the tool (5 minutes at most); stdout to $TEST_TMP/out,
# stderr to $TEST_TMP/err; sets STATUS.
tool() {
    timeout -s KILL 300 "$PYTHON" -B "$TOOL" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    STATUS=$?
}

# holds FILTER JSON: jq's FILTER is true of JSON.
holds() {
    jq -e "$1" <<<"$2" >/dev/null
}

# ---- Three programs, two runs each ----

PROGRAMS="sync async_uv"
"$PEERS/python_asyncio" --help >/dev/null 2>&1 && PROGRAMS="$PROGRAMS python_asyncio"
# shellcheck disable=SC2086
tool --bin "$BIN" --runs 2 -n 6 --concurrency 2 --latency-ms 1000 --after-ms 100 --json $PROGRAMS
expect_eq "stop_time: exit 0" "$STATUS" 0
[ "$STATUS" = 0 ] || sed 's/^/#   /' "$TEST_TMP/err" "$TEST_TMP/out" | head -20
expect_eq "stop_time: one record per program, in order" \
    "$(jq -r .model "$TEST_TMP/out" | xargs)" "$PROGRAMS"
for m in $PROGRAMS; do
    w=$(window_of "$m" 2)
    r=$(jq -c "select(.model == \"$m\")" "$TEST_TMP/out")
    expect_eq "$m: both runs exited 130, none with a problem" \
        "$(jq -c '[.exits, .problems]' <<<"$r")" "[[130,130],[]]"
    expect_eq "$m: the $w in flight cancelled, $((6 - w)) never started, none completed" \
        "$(jq -c '[.cancelled_in_flight, .cancelled_before_start, .completed]' <<<"$r")" \
        "[$w,$((6 - w)),0]"
    expect_true "$m: a stop time, its median between its least and its most" \
        holds '.stop_ms_min >= 0 and .stop_ms_min <= .stop_ms_median
               and .stop_ms_median <= .stop_ms_max' "$r"
done
expect_true "stop_time: its server's line on stderr" \
    grep -q '^stop_time: mock_server with [0-9]* threads listening on http://127.0.0.1:' \
    "$TEST_TMP/err"

tool --bin "$BIN" --runs 1 -n 4 --latency-ms 1000 --after-ms 100 async_coro
expect_eq "stop_time, the table: exit 0" "$STATUS" 0
expect_true "stop_time, the table: async_coro's row, 4 cancelled in flight" \
    grep -qE '^  async_coro +[0-9.]+ ms +[0-9.]+ ms +[0-9.]+ ms +130 +4 / 0, 0$' "$TEST_TMP/out"

# ---- A program that ignores Ctrl-C: killed by its PID, not stopped ----

FAKE_BIN=$TEST_TMP/fake-bin
mkdir -p "$FAKE_BIN"
ln -s "$(cd "$BIN" && pwd)/mock_server" "$FAKE_BIN/mock_server"
cat >"$FAKE_BIN/sync" <<EOF
#!/bin/sh
echo \$\$ >"$TEST_TMP/fake.pid"
echo '[   0.100 ms] task 1: start (attempt 1)' >&2
trap '' INT
exec sleep 60
EOF
chmod +x "$FAKE_BIN/sync"
tool --bin "$FAKE_BIN" --runs 1 --after-ms 0 --stop-timeout-s 1 --json sync
expect_eq "a program that ignores Ctrl-C: exit 1" "$STATUS" 1
expect_eq "a program that ignores Ctrl-C: killed, no stop time, said why" \
    "$(jq -c '[.exits, .stop_ms_median, .problems]' "$TEST_TMP/out")" \
    '[["killed"],null,["run 1: still running 1 s after the signal: killed"]]'
FAKE_PID=$(cat "$TEST_TMP/fake.pid")
expect_true "a program that ignores Ctrl-C: gone (pid $FAKE_PID)" \
    test "$(tr '\0' ' ' 2>/dev/null <"/proc/$FAKE_PID/cmdline")" != "sleep 60 "

# ---- Usage, and programs that are not there ----

tool --runs 0
expect_eq "--runs 0: exit 2, one line" "$STATUS $(cat "$TEST_TMP/err")" \
    "2 stop_time: --runs: '0' is not a whole number from 1 to 100"
tool async_loop
expect_eq "an unknown model: exit 2" "$STATUS" 2
expect_true "an unknown model: named" grep -q "'async_loop' is not sync, " "$TEST_TMP/err"
tool --help
expect_eq "--help: exit 0" "$STATUS" 0
expect_true "--help: the options" grep -q -- '--stop-timeout-s' "$TEST_TMP/out"
mkdir -p "$TEST_TMP/empty"
tool --bin "$TEST_TMP/empty" async_uv
expect_eq "a model not built: exit 3, one line" "$STATUS $(cat "$TEST_TMP/err")" \
    "3 stop_time: async_uv: no $TEST_TMP/empty/async_uv"
