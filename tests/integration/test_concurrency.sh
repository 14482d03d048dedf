#!/usr/bin/env bash
# test_concurrency.sh: what every model that runs tasks at once promises.
#
# For async_threads, async_uv and async_coro alike: without a window all N
# requests are at the server at once, with --concurrency C exactly C (the
# server's max_in_flight says so, not a clock); a task's timeout does not
# count its wait in the window; a hung transfer times out without holding up
# the others; the cook's dishes all start at once and are ready shortest
# first. (sync's one-at-a-time is test_sync.sh's; the window seen from the
# trace's own times is test_trace.sh's.)
. "$(dirname "$0")/../lib.sh"

# concurrent_models: every model built but sync.
concurrent_models() {
    models | grep -vx sync
}

check_window() {
    local m=$1

    reset_stats
    run_client "$m" fetch -n 100 --latency-ms 1000 --url "$SERVER_URL" --json
    expect_eq "$m no window: exit 0" "$STATUS" 0
    expect_eq "$m no window: all 100 in flight at once" "$(server_stat .max_in_flight)" 100
    expect_eq "$m no window: concurrency 100 reported" "$(json .concurrency)" 100
    local touched_100 touched_max
    touched_100=$(json '.stack_touched_kb // empty')
    touched_max=$(json '.stack_kb // empty')
    expect_true "$m: its own state per task reported" [ "$(json '.task_state_bytes // 0')" -gt 0 ]
    if [ -n "$touched_max" ]; then
        expect_true "$m: some stack touched, less than reserved ($touched_100 of $touched_max KiB)" \
            [ "${touched_100:-0}" -gt 0 ] && [ "${touched_100:-0}" -lt "$touched_max" ]
    fi

    reset_stats
    run_client "$m" fetch -n 100 --concurrency 10 --latency-ms 100 --url "$SERVER_URL" --json
    expect_eq "$m --concurrency 10: exit 0" "$STATUS" 0
    expect_eq "$m --concurrency 10: the server saw 100 requests" "$(server_stat .requests)" 100
    expect_eq "$m --concurrency 10: exactly 10 in flight at most" "$(server_stat .max_in_flight)" 10
    expect_eq "$m --concurrency 10: reported" "$(json .concurrency)" 10

    run_client "$m" fetch -n 5 --concurrency 50 --url "$SERVER_URL" --json
    expect_eq "$m --concurrency 50 for 5 tasks: 5 reported" "$(json .concurrency)" 5

    # 40 tasks of 300 ms, 4 at a time, take 3 s; each has 1 s. A timeout
    # that counted the wait in the window would fail every task after the
    # eighth.
    run_client "$m" fetch -n 40 --concurrency 4 --latency-ms 300 --timeout-ms 1000 \
        --url "$SERVER_URL" --json
    expect_eq "$m: the wait in the window is not timed: all 40 completed" \
        "$STATUS/$(json .ok)" 0/40
}

# Cook: every dish started before the first is ready; ready shortest first.
check_cook() {
    local m=$1 trace="$TEST_TMP/cook.csv"

    rm -f "$trace"
    run_client "$m" cook --dishes "Stew:3,Tea:1,Soup:2" --time-scale 0.05 --trace "$trace"
    expect_eq "$m cook: exit 0" "$STATUS" 0
    expect_eq "$m cook: ready shortest first" \
        "$(sed -n 's/.*\] \(.*\) is ready.*/\1/p' "$TEST_TMP/out" | xargs)" "Tea Soup Stew"
    expect_true "$m cook: every dish started before the first was ready" awk -F, \
        'NR > 1 { if ($3 > s) s = $3; if (e == "" || $5 < e) e = $5 } END { exit !(s < e) }' \
        "$trace"
}

# A tenth of the requests hang: they time out, and the others end before
# the first of them does.
check_hang() {
    local m=$1 trace="$TEST_TMP/hang.csv" last_ok first_hung

    rm -f "$trace"
    run_client "$m" fetch -n 50 --timeout-ms 2000 --url "$SERVER_URL" --json --trace "$trace"
    expect_eq "$m hang: exits 1, 50 rows" "$STATUS $(($(wc -l <"$trace") - 1))" "1 50"
    expect_eq "$m hang: the hung ids failed" "$(trace_ids failed "$trace")" "$(failing_ids 50)"
    expect_eq "$m hang: by timeout" "$(json .failures.timeout)" "$(failing_ids 50 | wc -w)"
    # The others did not wait for the hung ones: every completed task ended
    # before the first hung one timed out.
    last_ok=$(awk -F, 'NR > 1 && $2 == "completed" && $5 > m { m = $5 } END { print m + 0 }' "$trace")
    first_hung=$(awk -F, 'NR > 1 && $2 == "failed" && (m == "" || $5 < m) { m = $5 } END { print m + 0 }' "$trace")
    expect_true "$m hang: the others ended ($last_ok ms) before the first timeout ($first_hung ms)" \
        awk "BEGIN { exit !($last_ok < $first_hung) }"
}

start_server --latency-ms 20 --threads 128 || exit 1
for m in $(concurrent_models); do
    check_window "$m"
    check_cook "$m"
done

start_server --latency-ms 20 --threads 128 --fail-rate 0.1 --fail-times 0 --fail-kind hang \
    --hang-ms 10000 --seed 3 || exit 1
for m in $(concurrent_models); do
    check_hang "$m"
done
