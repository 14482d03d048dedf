#!/usr/bin/env bash
# test_sync.sh: what only the sync model promises: one request at a time.
. "$(dirname "$0")/../lib.sh"

[ -x "$BIN/sync" ] || exit 0
start_server --latency-ms 20 --threads 64 || exit 1

for workload in fetch download; do
    reset_stats
    run_client sync $workload -n 10 --size 64K --url "$SERVER_URL" --json
    expect_eq "sync $workload: exit 0" "$STATUS" 0
    expect_eq "sync $workload: the server saw 10 requests" "$(server_stat .requests)" 10
    expect_eq "sync $workload: never more than one in flight" "$(server_stat .max_in_flight)" 1
    expect_eq "sync $workload: reports concurrency 1" "$(json .concurrency)" 1
done

run_client sync fetch --concurrency 4 --url "$SERVER_URL"
expect_eq "sync: --concurrency 4 is refused" "$STATUS" 2
expect_true "sync: the refusal says why" grep -q 'one task at a time' "$TEST_TMP/err"

# The cook waits for each dish before starting the next: start, ready, start, ...
run_client sync cook --time-scale 0.02
expect_eq "sync cook: dishes cooked in turn" \
    "$(grep -o 'Starting to prepare\|is ready' "$TEST_TMP/out" | uniq -c | awk '{print $1}' | xargs)" \
    "1 1 1 1 1 1"
