#!/usr/bin/env bash
# test_python_asyncio.sh: the Python reference client passes a C model's checks.
#
# peers/python_asyncio (asyncio + aiohttp) against the mock server, for fetch
# and download: the counts, and the checksums that the C definitions give and
# that a C model reports for the same run; the summary's keys; all N in flight
# with no window, exactly C with --concurrency C; the matrix of
# tests/fault_checks.sh that every model passes (every fault kind, in fetch
# and download, retried to whole items and files, or without retries
# failing exactly the ids the server fails, for the cause that kind must
# show and with a message that says what the server did, the checksum the
# C model reports, the server's counts); a hang timed out without holding
# up the others; Ctrl-C; an unreachable server; bad options refused in one
# line. It runs with /usr/bin/python3 whatever python3 comes first on PATH.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../fault_checks.sh"

# The Python client is one program whatever the build variant: it is checked
# once, beside the release programs.
release_only "python_asyncio"

PEER=python_asyncio
N=20
SIZE=300K
SIZE_BYTES=307200

# The C model whose runs the Python client's are held against.
C_MODEL=async_uv
[ -x "$BIN/$C_MODEL" ] || C_MODEL=$(models | head -1)

# make test installs the packages (scripts/install-deps.sh): a missing one
# is a failure here, not a skip. The client names it (its imports come
# before its options; exit 3).
run_client $PEER --help
if [ "$STATUS" != 0 ]; then
    fail "$PEER: runs with /usr/bin/python3 (exit $STATUS): $(tail -1 "$TEST_TMP/err")"
    exit 0
fi

# ---- The command line, before any server ----

check_usage() {
    mkdir -p "$TEST_TMP/path"
    printf '#!/bin/sh\nexit 97\n' >"$TEST_TMP/path/python3"
    chmod +x "$TEST_TMP/path/python3"
    PATH="$TEST_TMP/path:$PATH" run_client $PEER --help
    expect_eq "$PEER: --help exits 0 with another python3 first on PATH" "$STATUS" 0
    expect_true "$PEER: --help lists the workloads" grep -q 'download' "$TEST_TMP/out"

    local args
    for args in "fetch --count abc" "fetch --concurrency 0" "download --size 1X" \
        "fetch --timeout-ms 0" "fetch --retries 101" "fetch --no-such-option" \
        "fetch --url ftp://host" "files" "bake" "" "fetch download"; do
        # shellcheck disable=SC2086
        run_client $PEER $args
        expect_eq "$PEER '$args': exit 2, one line naming the program" \
            "$STATUS $(wc -l <"$TEST_TMP/err") $(grep -c "^$PEER: " "$TEST_TMP/err")" "2 1 1"
    done
    run_client $PEER fetch --count abc
    expect_true "$PEER: a bad value is named" grep -q -- '--count' "$TEST_TMP/err"
    run_client $PEER cook
    expect_true "$PEER: a workload of the C models only is named as such" \
        grep -q "only fetch and download" "$TEST_TMP/err"

    run_client $PEER fetch -n 5 --url http://127.0.0.1:1
    expect_eq "$PEER: an unreachable server exits 3" "$STATUS" 3
    expect_true "$PEER: an unreachable server is named" grep -q 'cannot reach' "$TEST_TMP/err"
}

# ---- Counts, checksums and the summary ----

# The keys a model adds of itself (docs/summary.md), which a client that
# is no model has none of.
MODEL_FACTS="pool_threads stack_kb uv_threadpool stack_touched_kb stack_touched_avg_kb"
MODEL_FACTS+=" task_state_bytes loop_busy loop_lag_p99_ms loop_lag_max_ms"

# summary_keys: the last summary's keys and its failures' keys, but a model's own.
summary_keys() {
    jq -r --arg facts "$MODEL_FACTS" \
        '(keys - ($facts | split(" "))) + (.failures | keys | map("failures." + .))
         | sort | join(" ")' "$TEST_TMP/out"
}

check_workloads() {
    local dir="$TEST_TMP/blobs" c_keys c_checksum c_bytes

    run_client "$C_MODEL" fetch -n $N --url "$SERVER_URL" --json
    c_keys=$(summary_keys)
    c_checksum=$(json .checksum)
    c_bytes=$(json .bytes)
    run_client $PEER fetch -n $N --url "$SERVER_URL" --json
    expect_eq "$PEER fetch: exit 0, $N ok" "$STATUS/$(json .ok)/$(json .failed)" "0/$N/0"
    expect_eq "$PEER fetch: the summary names it" "$(json .model)/$(json .workload)" \
        "$PEER/fetch"
    expect_eq "$PEER fetch: checksum" "$(json .checksum)" "$("$BIN/expected_checksum" fetch $N)"
    expect_eq "$PEER fetch: the checksum $C_MODEL reports" "$(json .checksum)" "$c_checksum"
    expect_eq "$PEER fetch: the summary's keys are $C_MODEL's, but its own facts" \
        "$(summary_keys)" "$c_keys"
    expect_eq "$PEER fetch: the bytes $C_MODEL reports" "$(json .bytes)" "$c_bytes"

    run_client $PEER fetch -n $N --url "$SERVER_URL"
    expect_eq "$PEER fetch: the table for people, with the checksum" \
        "$STATUS $(awk '$1 == "checksum" { print $2 }' "$TEST_TMP/out")" "0 $c_checksum"

    run_client "$C_MODEL" download -n 8 --size $SIZE --url "$SERVER_URL" --json
    c_checksum=$(json .checksum)
    run_client $PEER download -n 8 --size $SIZE --url "$SERVER_URL" --dir "$dir" --json
    expect_eq "$PEER download: exit 0, 8 ok, their bytes" "$STATUS/$(json .ok)/$(json .bytes)" \
        "0/8/$((8 * SIZE_BYTES))"
    expect_eq "$PEER download: checksum" "$(json .checksum)" \
        "$("$BIN/expected_checksum" download 8 $SIZE_BYTES)"
    expect_eq "$PEER download: the checksum $C_MODEL reports" "$(json .checksum)" "$c_checksum"
    expect_eq "$PEER download: 8 whole files" \
        "$(find "$dir" -name 'blob-*.bin' -size ${SIZE_BYTES}c | wc -l)" 8
    expect_eq "$PEER download: no part file left" "$(find "$dir" -name '*.part' | wc -l)" 0

    mkdir -p "$TEST_TMP/tmp"
    TMPDIR="$TEST_TMP/tmp" run_client $PEER download -n 2 --size 64K --url "$SERVER_URL"
    expect_eq "$PEER download: its temporary folder removed at the end" \
        "$STATUS $(find "$TEST_TMP/tmp" -mindepth 1 | wc -l)" "0 0"
}

# ---- The window (test_concurrency.sh's checks) ----

check_window() {
    reset_stats
    run_client $PEER fetch -n 100 --latency-ms 1000 --url "$SERVER_URL" --json
    expect_eq "$PEER no window: exit 0" "$STATUS" 0
    expect_eq "$PEER no window: all 100 in flight at once" "$(server_stat .max_in_flight)" 100
    expect_eq "$PEER no window: concurrency 100 reported" "$(json .concurrency)" 100
    expect_eq "$PEER no window: wall_ms covers the 1000 ms wait ($(json .wall_ms))" \
        "$(json '.wall_ms >= 1000')" true

    reset_stats
    run_client $PEER fetch -n 100 --concurrency 10 --latency-ms 100 --url "$SERVER_URL" --json
    expect_eq "$PEER --concurrency 10: exit 0" "$STATUS" 0
    expect_eq "$PEER --concurrency 10: the server saw 100 requests" "$(server_stat .requests)" 100
    expect_eq "$PEER --concurrency 10: exactly 10 in flight at most" \
        "$(server_stat .max_in_flight)" 10
    expect_eq "$PEER --concurrency 10: reported" "$(json .concurrency)" 10

    run_client $PEER fetch -n 5 --concurrency 50 --url "$SERVER_URL" --json
    expect_eq "$PEER --concurrency 50 for 5 tasks: 5 reported" "$(json .concurrency)" 5

    # 40 tasks of 300 ms, 4 at a time, take 3 s; each has 1 s.
    run_client $PEER fetch -n 40 --concurrency 4 --latency-ms 300 --timeout-ms 1000 \
        --url "$SERVER_URL" --json
    expect_eq "$PEER: the wait in the window is not timed: all 40 completed" \
        "$STATUS/$(json .ok)" 0/40
}

# ---- Ctrl-C ----

check_interrupt() {
    local pid dir="$TEST_TMP/cancel"

    reset_stats
    "$PEERS/$PEER" fetch -n 20 --latency-ms 20000 --url "$SERVER_URL" --json \
        >"$TEST_TMP/int.out" 2>"$TEST_TMP/int.err" &
    pid=$!
    expect_true "$PEER Ctrl-C: all 20 requests sent" wait_for requests_at_least 20
    interrupt "$pid"
    expect_eq "$PEER Ctrl-C: exits 130" "$STATUS" 130
    expect_eq "$PEER Ctrl-C: the summary says cancelled, 20 tasks for that cause" \
        "$(jq -r '"\(.cancelled) \(.failures.cancelled)"' "$TEST_TMP/int.out")" "true 20"

    "$PEERS/$PEER" download -n 2 --size 4G --url "$SERVER_URL" --dir "$dir" \
        >"$TEST_TMP/int.out" 2>"$TEST_TMP/int.err" &
    pid=$!
    expect_true "$PEER Ctrl-C in download: a blob is being written" \
        wait_for has_file "$dir" -name '*.part'
    interrupt "$pid"
    expect_eq "$PEER Ctrl-C in download: exits 130" "$STATUS" 130
    expect_eq "$PEER Ctrl-C in download: no file left" "$(find "$dir" -type f | wc -l)" 0
}

# A tenth of the requests hang: they time out, and the others end long
# before the timeout.
check_hang() {
    local last_ok

    run_client $PEER fetch -n 50 --timeout-ms 2000 --url "$SERVER_URL" --json --verbose
    expect_eq "$PEER hang: exits 1" "$STATUS" 1
    expect_eq "$PEER hang: the hung ids failed, by timeout" "$(ids_with "failed (timeout)")" \
        "$(failing_ids 50)"
    expect_eq "$PEER hang: counted as timeout" "$(json .failures.timeout)" \
        "$(failing_ids 50 | wc -w)"
    last_ok=$(sed -n 's/^\[ *\([0-9]*\)\.[0-9]* ms\] task [0-9]*: completed.*/\1/p' "$TEST_TMP/err" |
        sort -n | tail -1)
    expect_true "$PEER hang: the others ended well before the 2000 ms timeout (${last_ok:-?} ms)" \
        [ "${last_ok:-9999}" -lt 1000 ]
}

# --rate, as test_rate.sh holds the C models to it, from the records as
# --verbose logs them: task i (from 0) starts at i * 1000 / R ms, never
# before and within 50 ms; the summary's intended-start latencies are never
# below the actual-start ones.
check_rate() {
    run_client $PEER fetch -n 20 --rate 100 --url "$SERVER_URL" --json -v
    expect_eq "$PEER --rate 100: exit 0" "$STATUS" 0
    expect_eq "$PEER --rate 100: every task starts on schedule, never before" \
        "$(/usr/bin/python3 - "$TEST_TMP/err" <<'EOF'
import re, sys
starts = {}
for line in open(sys.argv[1]):
    m = re.match(r"\[\s*([0-9.]+) ms\] task (\d+): start \(attempt 1\)$", line)
    if m:
        starts[int(m.group(2))] = float(m.group(1))
bad = [f"task {i}: {starts.get(i)}" for i in range(1, 21)
       if i not in starts or not (i - 1) * 10 - 0.001 <= starts[i] <= (i - 1) * 10 + 50]
print("; ".join(bad) or "ok")
EOF
)" ok
    expect_true "$PEER --rate 100: intended-start latency >= actual-start latency" \
        summary_holds '.rate == 100
               and .latency_from_intended_p50_ms >= .latency_from_start_p50_ms
               and .latency_from_intended_p99_ms >= .latency_from_start_p99_ms
               and .latency_from_intended_max_ms >= .latency_from_start_max_ms
               and .start_late_p50_ms >= 0 and .start_late_max_ms <= 50'
    run_client $PEER fetch -n 2 --rate 100 --url "$SERVER_URL"
    expect_true "$PEER --rate 100: the table has the rows" grep -q '^  start late p99 ' "$TEST_TMP/out"

    # Ctrl-C while tasks sleep until their time: they end as never started.
    local pid
    reset_stats
    "$PEERS/$PEER" fetch -n 100 --rate 5 --url "$SERVER_URL" --json \
        >"$TEST_TMP/int.out" 2>"$TEST_TMP/int.err" &
    pid=$!
    expect_true "$PEER --rate 5: two tasks have started" wait_for requests_at_least 2
    interrupt "$pid"
    expect_eq "$PEER --rate 5, Ctrl-C while waiting for the next start: exits 130" "$STATUS" 130
    expect_eq "$PEER --rate 5, Ctrl-C: at least 80 of 100 cancelled" \
        "$(jq -r '.failures.cancelled >= 80 and .count == 100' "$TEST_TMP/int.out")" true
}

check_usage

start_server --latency-ms 20 --threads 128 || exit 1
check_workloads
check_window
check_rate
check_interrupt

FAULT_SAME_AS=$C_MODEL check_fault_matrix $PEER

start_server --latency-ms 20 --threads 128 --fail-rate 0.1 --fail-times 0 --fail-kind hang \
    --hang-ms 10000 --seed 3 || exit 1
check_hang
