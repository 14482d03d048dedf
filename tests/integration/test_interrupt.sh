#!/usr/bin/env bash
# test_interrupt.sh: Ctrl-C, the same in every model.
#
# A Ctrl-C ends a run with exit 130 and a whole trace in which no task is
# left pending or running: the tasks that were waiting on the server are
# "cancelled during the transfer", those waiting to retry "cancelled during
# backoff", and those that had not begun "cancelled before it started",
# with no attempt and no request. Cook and files are interrupted in
# test_models.sh.
. "$(dirname "$0")/../lib.sh"

# never_started TRACE: rows of tasks cancelled before their first attempt.
never_started() {
    grep -c '^[0-9]*,failed,.*,0,0,0,0000000000000000,cancelled,"cancelled before it started"$' "$1"
}

# check_in_transfer MODEL: 40 slow requests, C at a time; Ctrl-C while C wait.
check_in_transfer() {
    local m=$1 trace="$TEST_TMP/int.csv" c
    c=$(window_of "$m" 4)

    rm -f "$trace"
    reset_stats
    "$BIN/$m" fetch -n 40 --concurrency "$c" --latency-ms 5000 --url "$SERVER_URL" \
        --trace "$trace" >"$TEST_TMP/int.out" 2>&1 &
    local pid=$!
    expect_true "$m Ctrl-C in a transfer: $c requests at the server" wait_for requests_at_least "$c"
    interrupt "$pid"
    expect_eq "$m Ctrl-C in a transfer: exits 130" "$STATUS" 130
    expect_eq "$m Ctrl-C in a transfer: every task in the trace" "$(($(wc -l <"$trace") - 1))" 40
    expect_eq "$m Ctrl-C in a transfer: no task left pending or running" \
        "$(trace_ids pending "$trace")$(trace_ids running "$trace")" ""
    expect_eq "$m Ctrl-C in a transfer: the $c in flight cancelled during their transfer" \
        "$(grep -c ',cancelled,"cancelled during the transfer"$' "$trace")" "$c"
    expect_eq "$m Ctrl-C in a transfer: the other $((40 - c)) never started" \
        "$(never_started "$trace")" $((40 - c))
    expect_eq "$m Ctrl-C in a transfer: no request after it" "$(server_stat .requests)" "$c"
}

# check_in_download MODEL: blobs of 4 GiB, cut short: no file left behind.
check_in_download() {
    local m=$1 trace="$TEST_TMP/int.csv" dir="$TEST_TMP/$1-int-download"

    rm -f "$trace"
    "$BIN/$m" download -n 4 --size 4G --url "$SERVER_URL" --dir "$dir" \
        --trace "$trace" >"$TEST_TMP/int.out" 2>&1 &
    local pid=$!
    expect_true "$m Ctrl-C in a download: one is under way" \
        wait_for has_file "$dir" -name '*.part' -size +1M
    interrupt "$pid"
    expect_eq "$m Ctrl-C in a download: exits 130" "$STATUS" 130
    expect_eq "$m Ctrl-C in a download: all 4 cancelled" "$(grep -c ',cancelled,' "$trace")" 4
    expect_eq "$m Ctrl-C in a download: no file left" "$(find "$dir" -type f | wc -l)" 0
}

# check_in_backoff MODEL: every request fails and the next try is a minute
# away; Ctrl-C while C tasks wait for it.
check_in_backoff() {
    local m=$1 trace="$TEST_TMP/int.csv" c
    c=$(window_of "$m" 4)

    # Gone before the start: the wait below must not read the last run's lines.
    rm -f "$trace" "$TEST_TMP/int.err"
    "$BIN/$m" fetch -n 4 --concurrency "$c" --retries 3 --backoff-ms 60000 \
        --url "$SERVER_URL" -v --trace "$trace" >"$TEST_TMP/int.out" 2>"$TEST_TMP/int.err" &
    local pid=$!
    expect_true "$m Ctrl-C in backoff: $c waiting to retry" \
        wait_for lines_at_least "$c" 'retry in' "$TEST_TMP/int.err"
    interrupt "$pid"
    expect_eq "$m Ctrl-C in backoff: exits 130" "$STATUS" 130
    expect_eq "$m Ctrl-C in backoff: the $c waiting to retry cancelled during backoff" \
        "$(grep -c ',cancelled,"cancelled during backoff"$' "$trace")" "$c"
    expect_eq "$m Ctrl-C in backoff: the other $((4 - c)) never started" \
        "$(never_started "$trace")" $((4 - c))
}

start_server --latency-ms 20 --threads 128 || exit 1
for m in $(models); do
    check_in_transfer "$m"
    check_in_download "$m"
done

start_server --latency-ms 5 --threads 128 --fail-rate 1 --fail-times 0 || exit 1
for m in $(models); do
    check_in_backoff "$m"
done
