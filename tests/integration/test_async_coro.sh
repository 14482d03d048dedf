#!/usr/bin/env bash
# test_async_coro.sh: what only the coroutine model promises.
#
# One loop runs every task, each a coroutine of the straight task code:
# without a window all N requests are at the server at once, with
# --concurrency C exactly C, and no more than C coroutines exist at once
# (the trace's own times say so). A hung transfer times out without holding
# up the others. Each coroutine's stack is what --stack-kb says, and the
# summary reports how much of it the deepest task touched. Everything else
# (checksums of every workload, every fault kind, Ctrl-C) is checked for
# every model in test_models.sh, test_trace.sh and test_interrupt.sh, and
# the ASan+UBSan build runs them all.
. "$(dirname "$0")/../lib.sh"

[ -x "$BIN/async_coro" ] || exit 0

start_server --latency-ms 20 --threads 128 || exit 1

reset_stats
run_client async_coro fetch -n 100 --latency-ms 1000 --url "$SERVER_URL" --json
expect_eq "no window: exit 0" "$STATUS" 0
expect_eq "no window: all 100 in flight at once" "$(server_stat .max_in_flight)" 100
expect_eq "no window: concurrency 100 reported" "$(json .concurrency)" 100

reset_stats
run_client async_coro fetch -n 100 --concurrency 10 --latency-ms 100 --url "$SERVER_URL" --json
expect_eq "--concurrency 10: exit 0" "$STATUS" 0
expect_eq "--concurrency 10: the server saw 100 requests" "$(server_stat .requests)" 100
expect_eq "--concurrency 10: exactly 10 in flight at most" "$(server_stat .max_in_flight)" 10
expect_eq "--concurrency 10: reported" "$(json .concurrency)" 10

# 40 tasks of 300 ms, 4 at a time, take 3 s; each has 1 s. A timeout that
# counted the wait in the window would fail every task after the eighth.
run_client async_coro fetch -n 40 --concurrency 4 --latency-ms 300 --timeout-ms 1000 \
    --url "$SERVER_URL" --json
expect_eq "the wait in the window is not timed: all 40 completed" "$STATUS/$(json .ok)" 0/40

# ---- Stacks ----

run_client async_coro download -n 4 --size 1M --url "$SERVER_URL" --json
expect_eq "stacks: the default is 64 KiB" "$(json .stack_kb)" 64
touched=$(json .stack_touched_kb)
expect_true "stacks: the deepest task touched some, and less than its stack ($touched KiB)" \
    [ "$touched" -gt 0 -a "$touched" -lt 64 ]
run_client async_coro fetch -n 4 --stack-kb 32 --url "$SERVER_URL" --json
expect_eq "stacks: --stack-kb 32 is used" "$STATUS $(json .stack_kb)" "0 32"
run_client async_coro fetch -n 4 --stack-kb 31 --url "$SERVER_URL"
expect_eq "stacks: --stack-kb 31 is refused" "$STATUS" 2
expect_true "stacks: the refusal names the option" grep -q -- '--stack-kb' "$TEST_TMP/err"

# One pool thread for 8 blobs of 8 MiB: the disk falls behind the network,
# the stage fills, and each transfer pauses until its coroutine has
# written. Every byte must still arrive in order: the checksum says so.
dir="$TEST_TMP/paused"
run_client async_coro download -n 8 --size 8M --uv-threadpool 1 --url "$SERVER_URL" \
    --dir "$dir" --json
expect_eq "pauses: exit 0" "$STATUS" 0
expect_eq "pauses: checksum" "$(json .checksum)" "$("$BIN/expected_checksum" download 8 8388608)"
expect_eq "pauses: --uv-threadpool 1 reported" "$(json .uv_threadpool)" 1
expect_eq "pauses: no part file left" "$(find "$dir" -name '*.part' | wc -l)" 0

# ---- A hung transfer times out; the others do not wait for it ----

start_server --latency-ms 20 --threads 128 --fail-rate 0.1 --fail-times 0 --fail-kind hang \
    --hang-ms 10000 --seed 3 || exit 1
trace="$TEST_TMP/hang.csv"
run_client async_coro fetch -n 50 --timeout-ms 2000 --url "$SERVER_URL" --json --trace "$trace"
expect_eq "hang: exits 1" "$STATUS" 1
expect_eq "hang: the hung ids failed" "$(trace_ids failed "$trace")" "$(failing_ids 50)"
expect_eq "hang: by timeout" "$(json .failures.timeout)" "$(failing_ids 50 | wc -w)"
last_ok=$(awk -F, 'NR > 1 && $2 == "completed" && $5 > m { m = $5 } END { print int(m) }' "$trace")
expect_true "hang: the others ended well before the 2000 ms timeout ($last_ok ms)" \
    [ "$last_ok" -lt 1000 ]

# ---- Cook: every dish's timer at once, ready shortest first ----

run_client async_coro cook --time-scale 0.05
expect_eq "cook: ready shortest first (1 s, 2 s, 3 s)" \
    "$(sed -n 's/.*\] \(.*\) is ready.*/\1/p' "$TEST_TMP/out" | paste -sd,)" \
    "Garlic Lettuce,Tomato and Eggs,Green Pepper with Meat"
