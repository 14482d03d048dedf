#!/usr/bin/env bash
# test_async_threads.sh: what only the thread-pool model promises.
#
# The pool runs exactly as many requests at once as it has threads (the
# server's max_in_flight says so, not a clock; run here under TSan too);
# the pool shrinks to the open-files limit, and says so once; a pool that
# cannot start all its threads unwinds and exits 3; the TSan and ASan
# builds run a fetch with faults and retries without a report.
. "$(dirname "$0")/../lib.sh"

[ -x "$BIN/async_threads" ] || exit 0

# sanitized BINARY: true when the program carries a sanitizer runtime.
sanitized() {
    ldd "$1" 2>/dev/null | grep -q 'lib[at]san'
}

# ---- The pool's size is the concurrency the server sees ----

start_server --latency-ms 20 --threads 128 || exit 1

reset_stats
run_client async_threads fetch -n 100 --concurrency 10 --latency-ms 100 \
    --url "$SERVER_URL" --json
expect_eq "--concurrency 10: exit 0" "$STATUS" 0
expect_eq "--concurrency 10: the server saw 100 requests" "$(server_stat .requests)" 100
expect_eq "--concurrency 10: exactly 10 in flight at most" "$(server_stat .max_in_flight)" 10
expect_eq "--concurrency 10: a pool of 10 threads" "$(json .pool_threads)/$(json .concurrency)" 10/10

# A latency long enough for all 100 threads to be waiting at once, however
# slowly they start (TSan): the server counts them.
reset_stats
run_client async_threads fetch -n 100 --latency-ms 1000 --url "$SERVER_URL" --json
expect_eq "no --concurrency: exit 0" "$STATUS" 0
expect_eq "no --concurrency: one thread per task" "$(json .pool_threads)" 100
expect_eq "no --concurrency: all 100 in flight at once" "$(server_stat .max_in_flight)" 100
expect_eq "no --concurrency: the default stack" "$(json .stack_kb)" 256

run_client async_threads fetch -n 5 --concurrency 50 --stack-kb 64 --url "$SERVER_URL" --json
expect_eq "--concurrency 50 for 5 tasks: 5 threads" "$(json .pool_threads)" 5
expect_eq "--stack-kb 64: reported" "$(json .stack_kb)" 64

run_client async_threads fetch -n 5 --concurrency 10001 --url "$SERVER_URL"
expect_eq "--concurrency 10001: refused" "$STATUS" 2
expect_true "--concurrency 10001: the cap is named" grep -q 10000 "$TEST_TMP/err"

# Each fetching thread holds three open files (its connection and libcurl's
# wakeup socketpair): under ulimit -n 400, (400 - 64) / 3 = 112 threads fit.
(ulimit -n 400 && exec timeout -s KILL "$CLIENT_TIMEOUT" "$BIN/async_threads" fetch -n 200 \
    --latency-ms 0 --url "$SERVER_URL" --json) >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "ulimit -n 400: all 200 completed" "$?/$(json .ok)" 0/200
expect_eq "ulimit -n 400: the pool shrinks to fit" "$(json .pool_threads)" 112
expect_eq "ulimit -n 400: the shrinking is said in one line on stderr" "$(wc -l <"$TEST_TMP/err")" 1
expect_true "ulimit -n 400: the line gives both sizes and the limit ($(head -1 "$TEST_TMP/err"))" \
    grep -q '^async_threads: a pool of 112 threads, not 200 (one per task): each holds 3 open files, and the open-files limit (ulimit -n 400) leaves room for 112$' \
    "$TEST_TMP/err"
(ulimit -n 400 && exec timeout -s KILL "$CLIENT_TIMEOUT" "$BIN/async_threads" fetch -n 100 \
    --latency-ms 0 --url "$SERVER_URL" --json) >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "ulimit -n 400, 100 tasks: a thread each, and nothing said" \
    "$?/$(json .pool_threads)/$(wc -c <"$TEST_TMP/err")" 0/100/0
(ulimit -n 400 && exec timeout -s KILL "$CLIENT_TIMEOUT" "$BIN/async_threads" fetch -n 200 \
    --concurrency 200 --url "$SERVER_URL") >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "ulimit -n 400, --concurrency 200: refused as a setup failure" "$?" 3
expect_true "ulimit -n 400, --concurrency 200: says why" \
    grep -q 'leaves room for 112 threads' "$TEST_TMP/err"

# ---- Faults and retries: the same answers as every model ----

for kind in status reset hang; do
    start_server --latency-ms 5 --threads 128 --fail-rate 0.3 --fail-times 2 --seed 3 \
        --fail-kind $kind --hang-ms 2000 || exit 1
    run_client async_threads fetch -n 40 --retries 2 --backoff-ms 5 --timeout-ms 300 \
        --concurrency 8 --url "$SERVER_URL" --json
    expect_eq "$kind faults, 2 retries: all 40 completed" "$STATUS/$(json .ok)" 0/40
    expect_eq "$kind faults, 2 retries: checksum" "$(json .checksum)" \
        "$("$BIN/expected_checksum" fetch 40)"
done

# ---- A pool that cannot start all its threads ----

# With the address space capped, stacks of 64 MiB run out after some dozens
# of threads: pthread_create fails with EAGAIN, the started threads are
# joined, and the run stops as a setup failure. A sanitizer reserves more
# address space than the cap allows, so this runs on the plain build only.
if sanitized "$BIN/async_threads"; then
    echo "# skipped under a sanitizer: running out of threads"
else
    (ulimit -v 4000000 && exec timeout -s KILL "$CLIENT_TIMEOUT" "$BIN/async_threads" \
        files -n 10000 --size 0 --stack-kb 65536) >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    expect_eq "out of threads: exits 3" "$?" 3
    expect_true "out of threads: says which thread failed and why" grep -Eq \
        '^async_threads: pthread_create \(thread [0-9]+ of 10000\): Resource temporarily unavailable$' \
        "$TEST_TMP/err"
    expect_eq "out of threads: one line" "$(wc -l <"$TEST_TMP/err")" 1
fi

# ---- The sanitizer builds: faults and retries, no report ----

# Run from the plain build's test; the sanitizer builds run this whole file
# as well (tests/run.sh), where BIN is already the sanitizer build.
if ! sanitized "$BIN/async_threads"; then
    start_server --latency-ms 5 --threads 128 --fail-rate 0.3 --fail-times 2 --seed 5 \
        --fail-kind reset || exit 1
    for san in tsan asan; do
        prog=build/$san/bin/async_threads
        if [ ! -x "$prog" ]; then
            echo "# skipped: no $prog (make $san)"
            continue
        fi
        TSAN_OPTIONS="halt_on_error=1 exitcode=66" ASAN_OPTIONS="detect_leaks=1" \
            timeout -s KILL "$CLIENT_TIMEOUT" "$prog" fetch -n 60 --retries 2 \
            --backoff-ms 5 --timeout-ms 1000 --url "$SERVER_URL" --json \
            >"$TEST_TMP/out" 2>"$TEST_TMP/err"
        expect_eq "$san build: fetch with faults and retries exits 0" "$?" 0
        expect_eq "$san build: all 60 completed" "$(json .ok)" 60
        expect_true "$san build: no sanitizer report" \
            bash -c "! grep -Eq 'Sanitizer|runtime error' '$TEST_TMP/err'"
    done
fi
