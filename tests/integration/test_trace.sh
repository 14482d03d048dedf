#!/usr/bin/env bash
# test_trace.sh: what every model's trace and system calls must show.
#
# Each check reads what the model itself did, not what a shared helper
# would say it did: every column of the trace against the server and the
# checksums of docs/summary.md; the times between attempts against the backoff
# schedule; how many tasks were running at once against the window (from
# the trace's own start and end times, which libcurl's connection limits
# cannot hide); and the fsync calls the kernel saw, through strace.
. "$(dirname "$0")/../lib.sh"

REF=tests/tools/reference_checksum.py

# max_running TRACE: the most tasks running at one time, from [start, end)
# of every task that made an attempt (an end sorts before a start at a tie).
max_running() {
    awk -F, 'NR > 1 && $6 > 0 { print $3, 1; print $5, 0 }' "$1" | sort -k1,1g -k2,2n |
        awk '$2 == 1 { if (++n > m) m = n; next } { n-- } END { print m + 0 }'
}

# check_columns MODEL: a fetch with retried faults, every column of every row.
check_columns() {
    local m=$1 n=10 trace="$TEST_TMP/columns.csv" row failing
    failing=" $(failing_ids $n) "

    rm -f "$trace"
    reset_stats
    run_client "$m" fetch -n $n --retries 1 --backoff-ms 10 --url "$SERVER_URL" --trace "$trace"
    expect_eq "$m trace: exit 0, a header and $n rows" "$STATUS $(wc -l <"$trace")" "0 $((n + 1))"
    local bad=""
    while IFS=, read -r id state start attempt_start end attempts status bytes checksum cause error; do
        local want_attempts=1
        [[ $failing == *" $id "* ]] && want_attempts=2
        local want="completed $want_attempts 200 $(curl -s "$SERVER_URL/items/$id" | wc -c)"
        want="$want $(/usr/bin/python3 "$REF" task fetch "$id") none \"\""
        local got="$state $attempts $status $bytes $checksum $cause $error"
        [ "$got" = "$want" ] || bad="$bad; id $id: '$got', expected '$want'"
        # Times: start <= last attempt <= end, and a retry begins later.
        awk -v s="$start" -v a="$attempt_start" -v e="$end" -v k="$want_attempts" \
            'BEGIN { exit !(s >= 0 && s <= a && a <= e && (k == 1 ? a == s : a > s)) }' ||
            bad="$bad; id $id: times $start $attempt_start $end"
    done < <(tail -n +2 "$trace")
    expect_eq "$m trace: every column of the $n rows (ids failing once:$failing)" "${bad#; }" ""
    expect_eq "$m trace: rows in id order" "$(cut -d, -f1 "$trace" | tail -n +2 | xargs)" "$(seq -s ' ' $n)"
}

# check_failed_columns MODEL: the same without retries: failed rows.
check_failed_columns() {
    local m=$1 n=10 trace="$TEST_TMP/failed.csv"

    rm -f "$trace"
    reset_stats
    run_client "$m" fetch -n $n --url "$SERVER_URL" --trace "$trace"
    expect_eq "$m trace of failures: exit 1, $n rows" "$STATUS $(($(wc -l <"$trace") - 1))" "1 $n"
    expect_eq "$m trace of failures: the failing ids" "$(trace_ids failed "$trace")" "$(failing_ids $n)"
    expect_eq "$m trace of failures: status, bytes, checksum, cause and error of each failed row" \
        "$(awk -F, '$2 == "failed" { print $1, $6, $7, $8, $9, $10, $11 }' "$trace" | sort -u -k2 | cut -d' ' -f2-)" \
        '1 500 0 0000000000000000 status "HTTP 500"'
}

# check_backoff MODEL: every attempt fails; 2 retries wait B, then 2B.
check_backoff() {
    local m=$1 b=500 trace="$TEST_TMP/backoff.csv"

    rm -f "$trace"
    run_client "$m" fetch -n 2 --concurrency "$(window_of "$m" 2)" --retries 2 --backoff-ms $b \
        --url "$SERVER_URL" --trace "$trace" -v
    expect_eq "$m backoff: exit 1, 3 attempts each" \
        "$STATUS $(awk -F, 'NR > 1 { print $6 }' "$trace" | xargs)" "1 3 3"
    expect_eq "$m backoff: announced as $b then $((2 * b)) ms" \
        "$(grep -c "retry in $b ms" "$TEST_TMP/err") $(grep -c "retry in $((2 * b)) ms" "$TEST_TMP/err")" \
        "2 2"
    # The third attempt begins B + 2B after the first at the least, less
    # 1 ms a wait in the loop models: libuv's timers count whole ms, so one
    # can fire up to 1 ms early in real time. An extra second of slack above
    # for two quick attempts on a loaded machine.
    expect_eq "$m backoff: the third attempt $((3 * b)) to $((3 * b + 1000)) ms after the first" \
        "$(awk -F, -v lo=$((3 * b - 2)) -v hi=$((3 * b + 1000)) \
            'NR > 1 { g = $4 - $3; print (g >= lo && g < hi) ? "yes" : "no (" g " ms)" }' "$trace" | xargs)" \
        "yes yes"
}

# check_window MODEL: 30 tasks, a window of 4: never a fifth running.
check_window() {
    local m=$1 c trace="$TEST_TMP/window.csv"
    c=$(window_of "$m" 4)

    rm -f "$trace"
    run_client "$m" fetch -n 30 --concurrency "$c" --latency-ms 50 --url "$SERVER_URL" --trace "$trace"
    expect_eq "$m window: --concurrency $c runs exactly $c tasks at once" \
        "$STATUS $(max_running "$trace")" "0 $c"
    if [ "$m" != sync ]; then
        rm -f "$trace"
        run_client "$m" fetch -n 30 --latency-ms 300 --url "$SERVER_URL" --trace "$trace"
        expect_eq "$m window: with none, all 30 run at once" "$STATUS $(max_running "$trace")" "0 30"
    fi
}

# fsyncs MODEL ARGS...: how many fsync or fdatasync calls the run made.
# LeakSanitizer cannot work under ptrace, so leak checks are off here.
# async_uring's fsync is a request on its ring, which the kernel carries
# out: no system call of the program's, so strace sees none (as
# test_async_uring.sh checks); its ring report (-v) counts the requests.
fsyncs() {
    local m=$1
    shift
    if [ "$m" = async_uring ]; then
        timeout -s KILL "$CLIENT_TIMEOUT" "$BIN/$m" "$@" -q -v >/dev/null 2>"$TEST_TMP/err" ||
            echo "# $m $*: exit $?: $(head -3 "$TEST_TMP/err")"
        sed -n 's/^async_uring: ring: .*, FSYNC \([0-9]*\),.*/\1/p' "$TEST_TMP/err"
        return
    fi
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" timeout -s KILL "$CLIENT_TIMEOUT" \
        strace -f -qq -e trace=fsync,fdatasync -o "$TEST_TMP/strace.out" "$BIN/$m" "$@" -q \
        >/dev/null 2>"$TEST_TMP/err" || echo "# $m $*: exit $?: $(head -3 "$TEST_TMP/err")"
    grep -c 'sync(' "$TEST_TMP/strace.out"
}

check_fsync() {
    local m=$1
    expect_eq "$m files --fsync: one fsync per file" "$(fsyncs "$m" files -n 5 --size 64K --fsync)" 5
    expect_eq "$m files: no fsync without --fsync" "$(fsyncs "$m" files -n 5 --size 64K)" 0
}

start_server --latency-ms 5 --threads 128 --fail-rate 0.3 --fail-times 1 --seed 3 || exit 1
for m in $(models); do
    check_columns "$m"
    check_failed_columns "$m"
done

start_server --latency-ms 0 --threads 128 --fail-rate 1 --fail-times 0 || exit 1
for m in $(models); do
    check_backoff "$m"
done

start_server --latency-ms 20 --threads 128 || exit 1
for m in $(models); do
    check_window "$m"
    check_fsync "$m"
done
