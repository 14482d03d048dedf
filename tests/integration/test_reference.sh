#!/usr/bin/env bash
# test_reference.sh: the reference clients run beside the models.
#
# scripts/reference.py starts its own server, runs bin/plain_pool and
# curl --parallel beside the models, interleaved, and reports each client's
# median with its ratio to the reference. Here on a tiny workload: every
# client is there, none failed, and the reference's ratio is 1.
. "$(dirname "$0")/../lib.sh"

[ -x "$BIN/plain_pool" ] || exit 0

timeout -s KILL 300 /usr/bin/python3 scripts/reference.py --bin "$BIN" --runs 1 --count 5 \
    --latency-ms 10 --size 16384 --json >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "reference: exit 0" "$?" 0
expect_eq "reference: fetch's clients" \
    "$(jq -r 'select(.comparison == "fetch") | .client' "$TEST_TMP/out" | xargs)" \
    "plain_pool async_threads async_uv async_coro"
expect_eq "reference: download's clients" \
    "$(jq -r 'select(.comparison == "download") | .client' "$TEST_TMP/out" | xargs)" \
    "curl_parallel async_threads async_uv async_coro"
expect_eq "reference: no client failed" "$(jq -s 'map(.failed_runs) | add' "$TEST_TMP/out")" 0
expect_eq "reference: each reference's ratio is 1" \
    "$(jq -r 'select(.client == .reference) | .ratio' "$TEST_TMP/out" | xargs)" "1 1"

"$BIN/plain_pool" 2>"$TEST_TMP/err"
expect_eq "plain_pool without arguments: exit 2 and a usage line" \
    "$? $(grep -c '^usage: plain_pool' "$TEST_TMP/err")" "2 1"
start_server --latency-ms 10 --threads 64 || exit 1
reset_stats
"$BIN/plain_pool" "$SERVER_URL" 20 5 >"$TEST_TMP/out"
expect_eq "plain_pool: 20 fetched by 5 threads, 5 at the server at most" \
    "$(jq -c '[.ok, .threads]' "$TEST_TMP/out") $(server_stat .max_in_flight)" "[20,5] 5"
