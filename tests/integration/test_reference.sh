#!/usr/bin/env bash
# test_reference.sh: the reference clients run beside the models.
#
# scripts/reference.py starts its own server, runs bin/plain_pool and
# curl --parallel beside the models, interleaved, and reports each client's
# median with its ratio to the reference. Here on a tiny workload: every
# client is there (each coroutine model's download twice, the second time
# with --verify status), none failed, and the reference's ratio is 1. async_uring
# is among them where it can run here; one that exits 3, as where io_uring
# is disabled, is left out with its line, and the others run.
. "$(dirname "$0")/../lib.sh"

[ -x "$BIN/plain_pool" ] || exit 0

# async_uring runs where it is built and its probe (the bench's) does not exit 3.
RING=""
if [ -x "$BIN/async_uring" ]; then
    "$BIN/async_uring" cook --dishes probe:0.001 --json >/dev/null 2>&1
    [ "$?" -ne 3 ] && RING=" async_uring"
fi

timeout -s KILL 300 /usr/bin/python3 scripts/reference.py --bin "$BIN" --runs 1 --count 5 \
    --latency-ms 10 --size 16384 --json >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "reference: exit 0" "$?" 0
expect_eq "reference: fetch's clients" \
    "$(jq -r 'select(.comparison == "fetch") | .client' "$TEST_TMP/out" | xargs)" \
    "plain_pool async_threads async_uv async_coro$RING"
# Each coroutine model's download runs again next to it with --verify status.
expect_eq "reference: download's clients" \
    "$(jq -r 'select(.comparison == "download") | .client' "$TEST_TMP/out" | paste -sd,)" \
    "curl_parallel,async_threads,async_uv,async_coro,async_coro --verify status${RING:+,async_uring,async_uring --verify status}"
expect_eq "reference: no client failed" "$(jq -s 'map(.failed_runs) | add' "$TEST_TMP/out")" 0
expect_eq "reference: each reference's ratio is 1" \
    "$(jq -r 'select(.client == .reference) | .ratio' "$TEST_TMP/out" | xargs)" "1 1"

# An async_uring that cannot set up: left out with its line, the rest run.
FAKE_BIN="$TEST_TMP/fake-bin"
mkdir -p "$FAKE_BIN"
for program in mock_server plain_pool async_threads async_uv async_coro; do
    ln -s "$(cd "$BIN" && pwd)/$program" "$FAKE_BIN/$program"
done
[ -x "$FAKE_BIN/mock_server" ] || ln -sf "$(cd "$SERVER_BIN" && pwd)/mock_server" "$FAKE_BIN/"
URING_WHY="async_uring: io_uring_setup: Operation not permitted (simulated by test_reference.sh)"
printf '#!/bin/sh\necho "%s" >&2\nexit 3\n' "$URING_WHY" >"$FAKE_BIN/async_uring"
chmod +x "$FAKE_BIN/async_uring"
timeout -s KILL 300 /usr/bin/python3 scripts/reference.py --bin "$FAKE_BIN" --runs 1 --count 5 \
    --latency-ms 10 --size 16384 --only fetch --json >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "reference, async_uring without io_uring: exit 0" "$?" 0
expect_eq "reference, async_uring without io_uring: fetch's clients, without it" \
    "$(jq -r '.client' "$TEST_TMP/out" | xargs)" "plain_pool async_threads async_uv async_coro"
expect_true "reference, async_uring without io_uring: its line on stderr" \
    grep -qxF "reference: async_uring left out: $URING_WHY" "$TEST_TMP/err"

"$BIN/plain_pool" 2>"$TEST_TMP/err"
expect_eq "plain_pool without arguments: exit 2 and a usage line" \
    "$? $(grep -c '^usage: plain_pool' "$TEST_TMP/err")" "2 1"
start_server --latency-ms 10 --threads 64 || exit 1
reset_stats
"$BIN/plain_pool" "$SERVER_URL" 20 5 >"$TEST_TMP/out"
expect_eq "plain_pool: 20 fetched by 5 threads, 5 at the server at most" \
    "$(jq -c '[.ok, .threads]' "$TEST_TMP/out") $(server_stat .max_in_flight)" "[20,5] 5"
