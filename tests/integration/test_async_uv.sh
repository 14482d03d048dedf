#!/usr/bin/env bash
# test_async_uv.sh: what only the libuv model promises.
#
# (The window, hangs and cook, which every concurrent model shares, are in
# test_concurrency.sh; Ctrl-C in test_interrupt.sh.) The glue between libcurl and libuv
# shows its paths in the --verbose report: libcurl's timer stopped (-1),
# transfers paused and resumed from uv_fs callbacks, poll errors passed on
# to libcurl, every poll handle closed, a socket it could not watch failing
# only its own task. The ASan build runs it all cleanly,
# which includes uv_loop_close() == 0 (or the program would exit 3).
. "$(dirname "$0")/../lib.sh"

[ -x "$BIN/async_uv" ] || exit 0

# sanitized BINARY: true when the program carries a sanitizer runtime.
sanitized() {
    ldd "$1" 2>/dev/null | grep -q 'lib[at]san'
}

# glue WHAT: a number from the last run's --verbose report of the glue,
# "async_uv: curl_uv: 50 transfers finished, ... 1 timer stops": WHAT is
# what follows the number ("polls opened", "closed", "timer stops", ...).
glue() {
    grep 'curl_uv: ' "$TEST_TMP/err" | grep -o "[0-9]* $1" | head -1 | cut -d' ' -f1
}


start_server --latency-ms 20 --threads 128 || exit 1

# ---- The glue, seen in the --verbose report ----

run_client async_uv fetch -n 50 --url "$SERVER_URL" --json -v
expect_eq "glue: 50 transfers finished" "$(glue 'transfers finished')" 50
expect_eq "glue: every poll handle closed" "$(glue 'closed')" "$(glue 'polls opened')"
expect_true "glue: libcurl's -1 stopped the timer" [ "$(glue 'timer stops')" -gt 0 ]
expect_true "glue: libuv's version reported" [ -n "$(json '.versions.libuv // empty')" ]

# One pool thread for 8 blobs: the disk falls behind the network, so the
# transfers pause, and resume from the uv_fs write callbacks. Every byte
# must still arrive in order: the checksum says so.
dir="$TEST_TMP/paused"
run_client async_uv download -n 8 --size 8M --uv-threadpool 1 --url "$SERVER_URL" \
    --dir "$dir" --json -v
expect_eq "pauses: exit 0" "$STATUS" 0
expect_eq "pauses: checksum" "$(json .checksum)" "$("$BIN/expected_checksum" download 8 8388608)"
expect_eq "pauses: --uv-threadpool 1 reported" "$(json .uv_threadpool)" 1
pauses=$(sed -n 's/.*transfers paused \([0-9]*\) times.*/\1/p' "$TEST_TMP/err")
expect_true "pauses: the transfers were paused ($pauses times)" [ "${pauses:-0}" -gt 0 ]
expect_eq "pauses: every poll handle closed" "$(glue 'closed')" "$(glue 'polls opened')"
echo "# $(glue 'polls opened') polls opened, $(glue 'on an fd') on an fd whose old poll was closing"
expect_eq "pauses: no part file left" "$(find "$dir" -name '*.part' | wc -l)" 0

# The server dies between attempts: the retries' connections are refused,
# libuv reports an error on the socket (POLLERR), and libcurl must hear of
# it as CURL_CSELECT_ERR to fail the attempt at once.
"$SERVER_BIN/mock_server" --host 127.0.0.1 --port 0 --latency-ms 50 --threads 16 \
    --fail-rate 1 --fail-times 0 >"$TEST_TMP/dying.out" 2>"$TEST_TMP/dying.err" &
dying=$!
wait_for grep -q '^listening on ' "$TEST_TMP/dying.out" ||
    echo "# the second server did not start: $(cat "$TEST_TMP/dying.err")"
dying_url=$(sed -n 's/^listening on //p' "$TEST_TMP/dying.out")
timeout -s KILL "$CLIENT_TIMEOUT" "$BIN/async_uv" fetch -n 10 --retries 2 --backoff-ms 1000 \
    --url "$dying_url" --json -v >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
client=$!
wait_for grep -q 'retry in' "$TEST_TMP/err"
kill -KILL "$dying"
wait "$dying" 2>/dev/null
wait "$client"
expect_eq "server gone: exits 1" "$?" 1
expect_eq "server gone: every task failed to connect" "$(json .failures.connect)" 10
expect_true "server gone: poll errors passed on to libcurl" [ "$(glue 'poll errors')" -gt 0 ]

# ---- libuv's thread pool ----

run_client async_uv files -n 4 --size 64K --json
expect_eq "files: the default pool of 4" "$(json .uv_threadpool)" 4
UV_THREADPOOL_SIZE=3 run_client async_uv files -n 4 --size 64K --json
expect_eq "files: UV_THREADPOOL_SIZE=3 reported" "$(json .uv_threadpool)" 3
run_client async_uv files -n 4 --size 64K --uv-threadpool 2 --json
expect_eq "files: --uv-threadpool 2 reported" "$(json .uv_threadpool)" 2
expect_eq "files: checksum" "$(json .checksum)" "$("$BIN/expected_checksum" files 4 65536)"

# ---- Out of file descriptors: EMFILE by name, and the run goes on ----

start_server --latency-ms 20 --threads 128 || exit 1
(ulimit -n 64 && exec timeout -s KILL "$CLIENT_TIMEOUT" "$BIN/async_uv" files -n 200 \
    --size 4K --json --trace "$TEST_TMP/emfile.csv") >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "64 fds, 200 files at once: exits 1" "$?" 1
expect_true "64 fds, 200 files at once: some completed" [ "$(json .ok)" -gt 0 ]
expect_true "64 fds, 200 files at once: EMFILE named" grep -q 'EMFILE' "$TEST_TMP/emfile.csv"
(ulimit -n 64 && exec timeout -s KILL "$CLIENT_TIMEOUT" "$BIN/async_uv" fetch -n 200 \
    --url "$SERVER_URL" --json --trace "$TEST_TMP/emfile.csv") >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "64 fds, 200 requests at once: exits 1" "$?" 1
expect_true "64 fds, 200 requests at once: EMFILE named" grep -q 'socket: .*(EMFILE)' \
    "$TEST_TMP/emfile.csv"

# ---- Out of memory: each task that gets none fails as io, the run goes on ----

# Lower limits than async_coro's: no coroutine stacks here. (At about 21000
# KiB the program cannot even load its libraries.)
if [ "$BIN" = bin ]; then
    check_out_of_memory async_uv "fetch -n 2000" 24000 26000 28000
fi

# ---- A socket the loop cannot watch: its task fails, the others go on ----

# AIO_BENCH_FAIL_WATCH=N makes the glue's Nth socket watch fail as if calloc
# had no memory (loop/curl_uv.c), as it does under a low ulimit -v. That
# task fails as io, 'no memory to watch its socket', and the run goes on.
# The glue used to return -1 to libcurl, which failed every transfer of the
# multi handle and then crashed in curl_multi_socket_action (the 5th watch)
# or left the loop waiting until the timeout killed it (the 1st).
for n in 1 5; do
    AIO_BENCH_FAIL_WATCH=$n run_client async_uv fetch -n 50 --url "$SERVER_URL" \
        --trace "$TEST_TMP/unwatched.csv" -v
    unwatched_check "socket $n not watched" 50
    expect_eq "socket $n not watched: the glue counts it" \
        "$(glue 'transfers failed for a socket not watched')" 1
    expect_eq "socket $n not watched: every poll handle closed" "$(glue 'closed')" \
        "$(glue 'polls opened')"
done
AIO_BENCH_FAIL_WATCH=2 run_client async_uv download -n 6 --size 1M --url "$SERVER_URL" \
    --dir "$TEST_TMP/unwatched" --trace "$TEST_TMP/unwatched.csv"
unwatched_check "download, socket 2 not watched" 6
expect_eq "download, socket 2 not watched: no part file left" \
    "$(find "$TEST_TMP/unwatched" -name '*.part' | wc -l)" 0
AIO_BENCH_FAIL_WATCH=3 run_client async_uv fetch -n 20 --concurrency 4 --retries 1 \
    --url "$SERVER_URL" --json
expect_eq "socket 3 not watched, --retries 1: the attempt is retried, all 20 complete" \
    "$STATUS $(json .ok) $(json .retries)" "0 20 1"

# ---- Ctrl-C in files: thousands of uv_fs requests cancelled ----
# (Ctrl-C in every workload, for every model: test_interrupt.sh.)

trace="$TEST_TMP/int.csv"
dir="$TEST_TMP/int-files"
"$BIN/async_uv" files -n 2000 --size 1M --dir "$dir" --trace "$trace" >"$TEST_TMP/int.out" 2>&1 &
pid=$!
wait_for has_file "$dir" -name '*.part' -size +1k
interrupt "$pid"
expect_eq "Ctrl-C files: exits 130" "$STATUS" 130
expect_true "Ctrl-C files: tasks cancelled" grep -q ',cancelled,' "$trace"
expect_eq "Ctrl-C files: no part file left" "$(find "$dir" -name '*.part' | wc -l)" 0

# ---- The ASan build: every workload, faults, Ctrl-C; no report ----

# Run from the plain build's test; tests/run.sh also runs this whole file
# with BIN=build/asan/bin.
if ! sanitized "$BIN/async_uv"; then
    prog=build/asan/bin/async_uv
    if [ ! -x "$prog" ]; then
        echo "# skipped: no $prog (make asan)"
    else
        # asan_run WHAT ARGS...: runs the ASan build; STATUS and its stderr.
        asan_run() {
            local what=$1
            shift
            ASAN_OPTIONS="detect_leaks=1" UBSAN_OPTIONS="print_stacktrace=1" \
                timeout -s KILL "$CLIENT_TIMEOUT" "$prog" "$@" \
                >"$TEST_TMP/out" 2>"$TEST_TMP/err"
            STATUS=$?
            expect_true "asan $what: no sanitizer report" \
                bash -c "! grep -Eq 'Sanitizer|runtime error|uv_loop_close' '$TEST_TMP/err'"
        }
        start_server --latency-ms 5 --threads 128 --fail-rate 0.3 --fail-times 2 --seed 5 \
            --fail-kind reset || exit 1
        asan_run "fetch with faults" fetch -n 60 --retries 2 --backoff-ms 5 --url "$SERVER_URL" \
            --json -v
        expect_eq "asan fetch with faults: all 60 completed" "$STATUS/$(json .ok)" 0/60
        expect_eq "asan fetch with faults: every poll handle closed" "$(glue 'closed')" \
            "$(glue 'polls opened')"
        start_server --latency-ms 5 --threads 128 || exit 1
        asan_run "download" download -n 6 --size 4M --uv-threadpool 1 --url "$SERVER_URL" --json
        expect_eq "asan download: exit 0" "$STATUS" 0
        asan_run "files" files -n 20 --size 300K --fsync --json
        expect_eq "asan files: exit 0" "$STATUS" 0
        asan_run "cook" cook --time-scale 0.01
        expect_eq "asan cook: exit 0" "$STATUS" 0
        reset_stats
        ASAN_OPTIONS="detect_leaks=1" "$prog" fetch -n 100 --concurrency 10 --latency-ms 3000 \
            --url "$SERVER_URL" >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
        pid=$!
        wait_for requests_at_least 1
        interrupt "$pid"
        expect_eq "asan Ctrl-C: exits 130" "$STATUS" 130
        expect_true "asan Ctrl-C: no sanitizer report" \
            bash -c "! grep -Eq 'Sanitizer|runtime error|uv_loop_close' '$TEST_TMP/err'"
    fi
fi
