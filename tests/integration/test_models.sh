#!/usr/bin/env bash
# test_models.sh: the checks every model must pass, run for each model built.
#
# Every workload completes with the expected count and the checksum computed
# from the workload definitions; every fault kind, in fetch and download,
# with and without retries, is retried to whole items and files or fails
# exactly the ids the server fails, with a message that says what the
# server did, and the server's own counts agree (tests/fault_checks.sh);
# hangs time out; an unreachable server and bad options are refused; a
# download never leaves a partial file under a final name; Ctrl-C stops a
# run with exit 130 and a trace.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/../fault_checks.sh"

N=20
SIZE=300K
SIZE_BYTES=307200

check_workloads() {
    local m=$1 dir="$TEST_TMP/$1-dir"

    run_client "$m" fetch -n $N --url "$SERVER_URL" --json --trace "$TEST_TMP/trace.csv"
    expect_eq "$m fetch: exit 0" "$STATUS" 0
    expect_eq "$m fetch: $N ok" "$(json .ok)" $N
    expect_eq "$m fetch: checksum" "$(json .checksum)" "$("$BIN/expected_checksum" fetch $N)"
    expect_eq "$m fetch: trace has a header and $N rows" "$(wc -l <"$TEST_TMP/trace.csv")" $((N + 1))
    expect_eq "$m fetch: trace header" "$(head -1 "$TEST_TMP/trace.csv")" \
        "id,state,start_ms,attempt_start_ms,end_ms,attempts,http_status,bytes,checksum,cause,error"

    run_client "$m" download -n 8 --size $SIZE --url "$SERVER_URL" --json --dir "$dir"
    expect_eq "$m download: exit 0" "$STATUS" 0
    expect_eq "$m download: checksum" "$(json .checksum)" \
        "$("$BIN/expected_checksum" download 8 $SIZE_BYTES)"
    expect_eq "$m download: 8 whole files" \
        "$(find "$dir" -name 'blob-*.bin' -size ${SIZE_BYTES}c | wc -l)" 8
    expect_eq "$m download: no part file left" "$(find "$dir" -name '*.part' | wc -l)" 0

    run_client "$m" files -n 8 --size $SIZE --json --fsync
    expect_eq "$m files: exit 0" "$STATUS" 0
    expect_eq "$m files: checksum" "$(json .checksum)" \
        "$("$BIN/expected_checksum" files 8 $SIZE_BYTES)"

    run_client "$m" cook --time-scale 0.02
    expect_eq "$m cook: exit 0" "$STATUS" 0
    expect_eq "$m cook: three dishes ready" "$(grep -c 'is ready' "$TEST_TMP/out")" 3
    run_client "$m" cook --time-scale 0.02 --json
    expect_eq "$m cook: checksum" "$(json .checksum)" "$("$BIN/expected_checksum" cook)"
}

check_usage() {
    local m=$1

    run_client "$m" fetch --count abc
    expect_eq "$m: a bad value exits 2" "$STATUS" 2
    expect_true "$m: a bad value is named" grep -q -- '--count' "$TEST_TMP/err"
    run_client "$m" fetch --no-such-option
    expect_eq "$m: an unknown option exits 2" "$STATUS" 2
    run_client "$m" bake
    expect_eq "$m: an unknown workload exits 2" "$STATUS" 2
    run_client "$m" --help
    expect_eq "$m: --help exits 0" "$STATUS" 0
    expect_true "$m: --help lists the workloads" grep -q 'download' "$TEST_TMP/out"
}

check_unreachable() {
    local m=$1

    run_client "$m" fetch -n 5 --url http://127.0.0.1:1
    expect_eq "$m: an unreachable server exits 3" "$STATUS" 3
    expect_true "$m: an unreachable server is named" grep -q 'cannot reach' "$TEST_TMP/err"
}

# Every task fails at once, before any can wait (a folder whose name leaves
# no room for the files' names): the run still ends with its summary.
check_all_fail_at_once() {
    local m=$1 dir="$TEST_TMP/long"

    while [ ${#dir} -lt 3880 ]; do dir="$dir/$(printf 'd%.0s' $(seq 200))"; done
    dir="$dir/$(printf 'e%.0s' $(seq $((4085 - ${#dir}))))"   # 4,085 bytes
    mkdir -p "$(dirname "$dir")"
    run_client "$m" files -n 3 --dir "$dir" --json
    expect_eq "$m: every task failing at once: exit 1, 3 failed by io" \
        "$STATUS $(json .failed) $(json .failures.io)" "1 3 3"
}

# Every request hangs: each task fails by timeout, in bounded time.
check_hang_times_out() {
    local m=$1

    run_client "$m" fetch -n 3 --url "$SERVER_URL" --timeout-ms 200 --json
    expect_eq "$m hang: exits 1" "$STATUS" 1
    expect_eq "$m hang: every task timed out" "$(json .failures.timeout)" 3
}

# A run longer than a second shows progress on a terminal (script(1) gives
# it one), and none when stderr is a file, as for a script.
check_progress() {
    local m=$1 run="$BIN/$m fetch -n 6 --concurrency 1 --latency-ms 300 --url $SERVER_URL"

    timeout -s KILL 60 script -qec "$run" /dev/null >"$TEST_TMP/tty.out"
    expect_true "$m: progress on a terminal" grep -q "tasks done, 0 failed" "$TEST_TMP/tty.out"
    run_client "$m" fetch -n 6 --concurrency 1 --latency-ms 300 --url "$SERVER_URL"
    expect_eq "$m: no progress without a terminal" "$(grep -c 'tasks done' "$TEST_TMP/err")" 0
}

# Ctrl-C in the middle of cooking: exit 130, and a trace that says so.
check_interrupt() {
    local m=$1 trace="$TEST_TMP/int.csv"

    rm -f "$trace" "$TEST_TMP/int.out"   # the wait below must not read an old file
    "$BIN/$m" cook --dishes "Stew:30,Soup:30" --trace "$trace" \
        >"$TEST_TMP/int.out" 2>&1 &
    local pid=$!
    expect_true "$m Ctrl-C: cooking has begun" wait_for grep -q 'Starting to prepare' "$TEST_TMP/int.out"
    interrupt "$pid"
    expect_eq "$m Ctrl-C: exits 130" "$STATUS" 130
    expect_true "$m Ctrl-C: the trace records cancelled tasks" grep -q ',cancelled,' "$trace"

    # A file of 2 GiB being written is cut short, not finished first.
    local dir="$TEST_TMP/$m-cancel"
    rm -f "$trace"
    "$BIN/$m" files -n 2 --size 2G --dir "$dir" --trace "$trace" >"$TEST_TMP/int.out" 2>&1 &
    pid=$!
    expect_true "$m Ctrl-C in files: a file is being written" wait_for has_file "$dir" -name '*.part'
    interrupt "$pid"
    expect_eq "$m Ctrl-C in files: exits 130" "$STATUS" 130
    expect_eq "$m Ctrl-C in files: both tasks cancelled" \
        "$(trace_ids failed "$trace")/$(grep -c ',cancelled,' "$trace")" "1 2/2"
    expect_eq "$m Ctrl-C in files: no file left" "$(find "$dir" -type f | wc -l)" 0
}

start_server --latency-ms 20 --threads 128 || exit 1
for m in $(models); do
    check_workloads "$m"
    check_usage "$m"
    check_unreachable "$m"
    check_interrupt "$m"
    check_progress "$m"
    check_all_fail_at_once "$m"
done

# shellcheck disable=SC2046
check_fault_matrix $(models)

start_server --latency-ms 5 --fail-rate 1 --fail-times 0 --fail-kind hang --hang-ms 5000 || exit 1
for m in $(models); do
    check_hang_times_out "$m"
done
