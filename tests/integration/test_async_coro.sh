#!/usr/bin/env bash
# test_async_coro.sh: what only the coroutine model promises.
#
# Each coroutine's stack is what --stack-kb says, and the summary reports
# how much of it the deepest task touched; a transfer pauses while its
# coroutine writes what it staged, and no byte is lost; with --offload a
# blob's bytes are checked on libuv's pool, and every one still is.
# Everything else (checksums of every workload, every fault kind, the
# window, hangs, Ctrl-C) is checked for every model in test_models.sh,
# test_concurrency.sh, test_trace.sh and test_interrupt.sh, and the
# ASan+UBSan build runs them all.
. "$(dirname "$0")/../lib.sh"

[ -x "$BIN/async_coro" ] || exit 0

start_server --latency-ms 20 --threads 128 || exit 1

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

# 8 blobs of 8 MiB through one pool thread: each time 64 KiB are staged the
# transfer pauses until its coroutine has written them, and the writes of
# eight tasks queue for the one thread. Every byte must still arrive in
# order: the checksum says so.
dir="$TEST_TMP/paused"
run_client async_coro download -n 8 --size 8M --uv-threadpool 1 --url "$SERVER_URL" \
    --dir "$dir" --json
expect_eq "pauses: exit 0" "$STATUS" 0
expect_eq "pauses: checksum" "$(json .checksum)" "$("$BIN/expected_checksum" download 8 8388608)"
expect_eq "pauses: --uv-threadpool 1 reported" "$(json .uv_threadpool)" 1
expect_eq "pauses: no part file left" "$(find "$dir" -name '*.part' | wc -l)" 0

# ---- Checking on the pool ----

# A blob's piece is checked and hashed where the model computes: with
# --offload on libuv's pool, while the loop receives. Every byte is still
# checked, in order: the checksum is the same, and another blob's bytes
# are found wrong.
dir="$TEST_TMP/offload"
run_client async_coro --offload download -n 8 --size 1M --url "$SERVER_URL" --dir "$dir" --json
expect_eq "offload: exit 0" "$STATUS" 0
expect_eq "offload: checksum" "$(json .checksum)" "$("$BIN/expected_checksum" download 8 1048576)"
run_client async_coro --offload download -n 3 --size 1M --url "$SERVER_URL" \
    --path '/blobs/7?size={size}' --json
expect_eq "offload: another blob's bytes: exit 1, each task failed for mismatch" \
    "$STATUS $(json .failed) $(json .failures.mismatch)" "1 3 3"

# ---- A socket the loop cannot watch ----

# AIO_BENCH_FAIL_WATCH=N makes the glue's Nth socket watch fail as if calloc
# had no memory (loop/curl_uv.c): that task fails as io, 'no memory to
# watch its socket', and the others go on (test_async_uv.sh has the rest).
# The glue used to return -1 to libcurl: every transfer failed, and then
# libcurl crashed (the 5th watch) or the loop waited for ever (the 1st).
for n in 1 5; do
    rm -f "$TEST_TMP/unwatched.csv"
    AIO_BENCH_FAIL_WATCH=$n run_client async_coro fetch -n 50 --url "$SERVER_URL" \
        --trace "$TEST_TMP/unwatched.csv"
    unwatched_check "socket $n not watched" 50
done

# ---- Out of memory ----

# Under a low address-space limit each task that gets no memory (itself,
# its coroutine's stack, its libcurl handle, libcurl's buffers) fails, as
# io, and the run goes on (check_out_of_memory, lib.sh).
if [ "$BIN" = bin ]; then
    check_out_of_memory async_coro "fetch -n 400 --stack-kb 1024" 250000 300000 350000
fi
