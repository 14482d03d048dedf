#!/usr/bin/env bash
# test_async_coro.sh: what only the coroutine model promises.
#
# Each coroutine's stack is what --stack-kb says, and the summary reports
# how much of it the deepest task touched; a transfer pauses while its
# coroutine writes what it staged, and no byte is lost.
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
    expect_eq "socket $n not watched: exits 1 (not killed, not crashed)" "$STATUS" 1
    expect_eq "socket $n not watched: the trace is whole" \
        "$(awk 'END { print NR - 1 }' "$TEST_TMP/unwatched.csv")" 50
    expect_eq "socket $n not watched: one task failed, as io, and says why" \
        "$(awk -F, 'NR > 1 && $2 == "failed" { gsub(/"/, "", $11); print $10 ": " $11 }' \
            "$TEST_TMP/unwatched.csv")" "io: no memory to watch its socket"
    expect_eq "socket $n not watched: the others completed" \
        "$(trace_ids completed "$TEST_TMP/unwatched.csv" | wc -w)" 49
done

# ---- Out of memory ----

# Under a low address-space limit (ulimit -v, in a subshell) the tasks that
# get no memory (a task, its coroutine's stack or libcurl handle, libcurl's
# buffers) fail and the run goes on. Each such failure counts as io, a
# local failure, with a message that says memory: never as reset, which
# blames the connection. Three limits, as where memory runs out moves the
# failure from one allocation to another; at least one must bite. The
# sanitizer builds reserve terabytes of address space and cannot run so.
if [ "$BIN" = bin ]; then
    for limit_kb in 250000 300000 350000; do
        rm -f "$TEST_TMP/nomem.csv"
        (ulimit -v "$limit_kb" &&
            exec timeout -s KILL "$CLIENT_TIMEOUT" "$BIN/async_coro" fetch -n 400 --stack-kb 1024 \
                --url "$SERVER_URL" --trace "$TEST_TMP/nomem.csv") >"$TEST_TMP/out" 2>"$TEST_TMP/err"
        STATUS=$?
        failed=$(awk -F, 'NR > 1 && $2 == "failed"' "$TEST_TMP/nomem.csv" 2>/dev/null | wc -l)
        [ "$failed" -gt 0 ] || continue
        nomem_bit=yes
        expect_eq "out of memory (ulimit -v $limit_kb, $failed failed): the run went on and exited 1" \
            "$STATUS" 1
        expect_eq "out of memory (ulimit -v $limit_kb): every failure is counted as io, none as reset" \
            "$(awk -F, 'NR > 1 && $2 == "failed" { print $10 }' "$TEST_TMP/nomem.csv" | sort -u)" io
        odd=$(awk -F, 'NR > 1 && $2 == "failed" && tolower($11) !~ /memory/ { print $11; exit }' \
            "$TEST_TMP/nomem.csv")
        expect_eq "out of memory (ulimit -v $limit_kb): every failure's message says memory${odd:+ (not $odd)}" \
            "$(awk -F, 'NR > 1 && $2 == "failed" && tolower($11) !~ /memory/' "$TEST_TMP/nomem.csv" | wc -l)" 0
    done
    expect_eq "out of memory: some limit made tasks fail" "${nomem_bit:-no}" yes
fi
