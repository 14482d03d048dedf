#!/usr/bin/env bash
# test_endings.sh: after every ending of every program, stderr holds the
# lines that ending prints and nothing else.
#
# Each client (every model, and peers/python_asyncio with the release
# programs) ends a run every way it can: all completed (exit 0), tasks
# failed (1), a bad command line (2), a run that cannot start (3), and
# SIGINT, SIGTERM and SIGHUP in the middle of a download (130, 143, 129);
# each plainly, with --verbose and with --timeline where they add lines.
# The mock server ends every way it can too: stopped by each signal, idle
# or with a request hanging, a bad command line (2), a port taken (3). A
# warning no ending should print (the curl-libuv glue's after a Ctrl-C, a
# line printed twice, a fault logged without -v) fails here, as does a
# line an ending must print and did not. What the lines say in detail is
# other files' business (test_timeline.sh, test_interrupt.sh,
# test_errors.sh); here each is held to its shape and its count.
#
# Under ASan+UBSan nothing more may be printed: tests/run.sh sends the
# sanitizers' reports to files (log_path) and reads them there. Run alone,
# give ASAN_OPTIONS a log_path too, or a report lands on the program's
# stderr.
. "$(dirname "$0")/../lib.sh"

N=8
export COLUMNS=80   # --timeline's width, whatever the terminal
T='\[ *[0-9]+\.[0-9]+ ms\] task [0-9]+: '   # how every --verbose task line begins

CLIENTS=$(clients)

# is_loop CLIENT: a model on the libuv loop, whose glue reports under -v.
is_loop() {
    [ -x "$BIN/$1" ] && "$BIN/$1" --help 2>/dev/null | grep -q -- '--uv-threadpool'
}

# is_model CLIENT: a C model, which takes --timeline and --trace.
is_model() {
    [ -x "$BIN/$1" ]
}

# VERBOSE=(...): the lines --verbose adds to CLIENT's run of WORKLOAD against
# URL besides the task lines: the server check, once, and in a loop model
# the glue's report, once (and async_uv's download writes), and a callback
# that held the loop, which a busy machine may show.
verbose_specs() {
    local c=$1 workload=$2 url=$3
    VERBOSE=("1:$c: server check: $url/health answered HTTP 200")
    if is_loop "$c"; then
        VERBOSE+=("1:$c: curl_uv: [0-9]+ transfers finished, [0-9]+ socket actions; .* poll errors; .*")
        VERBOSE+=("*:${T}its [a-z_ ]+ callback held the loop for [0-9.]+ ms")
        [ "$c" = async_uv ] && [ "$workload" = download ] &&
            VERBOSE+=("1:async_uv: download: [0-9]+ writes, transfers paused [0-9]+ times")
    elif [ "$c" = async_uring ]; then
        # The ring's loop: its requests by kind, once, and its glue's report
        # where libcurl runs on it.
        VERBOSE+=("1:$c: ring: [0-9]+ requests in [0-9]+ io_uring_enter calls: .*")
        case $workload in fetch | download)
            VERBOSE+=("1:$c: curl_ring: [0-9]+ transfers finished, [0-9]+ socket actions; .* poll errors; .*") ;;
        esac
        VERBOSE+=("*:${T}its [a-z_ ]+ callback held the loop for [0-9.]+ ms")
    fi
}

# TIMELINE=(...): --timeline's lines for CLIENT's WORKLOAD of TASKS (one row
# each at 80 columns): the heading (its "retried, failed" clause on the
# same line or folded onto the next), a row per task, the axis, its times,
# the legend.
timeline_specs() {
    local c=$1 workload=$2 tasks=$3 d='[0-9.e+-]+ m?s'
    TIMELINE=("1:$c $workload: $tasks tasks, one row each, over $d; a column is $d(; [0-9]+ retried, [0-9]+ failed)?"
              "*:  [0-9]+ retried, [0-9]+ failed"
              "$tasks: *[0-9]+ \|[ =~.x#]+\|"
              "1: *\+[-+]+\+"
              "1: *0m?s( +[0-9.]+m?s)*"
              "1: *= running  ~ processing  \. backoff  x failed attempt  # completed")
}

# ---- Clients: all completed, and tasks failed ----

start_server --latency-ms 5 --threads 64 --seed 7 --fail-rate 0.4 --fail-times 1 || exit 1
FAILING=$(failing_ids $N)
NFAIL=$(echo "$FAILING" | wc -w)
[ "$NFAIL" -gt 0 ] && [ "$NFAIL" -lt $N ] || fail "the server fails some ids of 1..$N, not all: '$FAILING'"

for c in $CLIENTS; do
    verbose_specs "$c" fetch "$SERVER_URL"
    # All completed: each failing id's one fault taken by a retry.
    ok=(fetch -n $N --url "$SERVER_URL" --retries 1 --backoff-ms 1)
    reset_stats
    run_client "$c" "${ok[@]}"
    expect_eq "$c all completed: exit 0" "$STATUS" 0
    expect_stderr "$c all completed"
    reset_stats
    run_client "$c" "${ok[@]}" -v
    expect_eq "$c all completed -v: exit 0" "$STATUS" 0
    expect_stderr "$c all completed -v" "${VERBOSE[@]}" \
        "$((N + NFAIL)):${T}start \(attempt [12]\)" \
        "$NFAIL:${T}retry in 1 ms after status: HTTP 500" \
        "$N:${T}completed, [0-9]+ bytes"
    if is_model "$c"; then
        timeline_specs "$c" fetch $N
        reset_stats
        run_client "$c" "${ok[@]}" --timeline
        expect_eq "$c all completed --timeline: exit 0" "$STATUS" 0
        expect_stderr "$c all completed --timeline" "${TIMELINE[@]}"
    fi

    # Tasks failed: no retry, the failing ids fail for their status.
    failed=(fetch -n $N --url "$SERVER_URL")
    reset_stats
    run_client "$c" "${failed[@]}"
    expect_eq "$c tasks failed: exit 1" "$STATUS" 1
    expect_stderr "$c tasks failed"
    reset_stats
    run_client "$c" "${failed[@]}" --verbose
    expect_stderr "$c tasks failed --verbose" "${VERBOSE[@]}" \
        "$N:${T}start \(attempt 1\)" \
        "$NFAIL:${T}failed \(status\): HTTP 500" \
        "$((N - NFAIL)):${T}completed, [0-9]+ bytes"
    if is_model "$c"; then
        reset_stats
        run_client "$c" "${failed[@]}" --timeline
        expect_stderr "$c tasks failed --timeline" "${TIMELINE[@]}"
        expect_true "$c tasks failed --timeline: the heading counts $NFAIL failed" \
            grep -q " 0 retried, $NFAIL failed\$" "$TEST_TMP/err"
    fi
done

# ---- Clients: a bad command line, and a run that cannot start ----

close_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
not_a_folder="$TEST_TMP/a-file"
: >"$not_a_folder"
for c in $CLIENTS; do
    run_client "$c" --help
    expect_eq "$c --help: exit 0" "$STATUS" 0
    expect_stderr "$c --help"
    for v in "" -v; do
        run_client "$c" fetch --url "$SERVER_URL" --bogus $v
        expect_eq "$c --bogus${v:+ $v}: exit 2" "$STATUS" 2
        expect_stderr "$c --bogus${v:+ $v}" "1:$c: [^ ].*--bogus.*"
        run_client "$c" fetch -n x --url "$SERVER_URL" $v
        expect_eq "$c -n x${v:+ $v}: exit 2" "$STATUS" 2
        expect_stderr "$c -n x${v:+ $v}" "1:$c: --count: 'x' .*"
        run_client "$c" $v
        expect_eq "$c no workload${v:+ $v}: exit 2" "$STATUS" 2
        expect_stderr "$c no workload${v:+ $v}" "1:$c: no workload given .*"

        run_client "$c" fetch -n 2 --url "http://127.0.0.1:$close_port" $v
        expect_eq "$c no server${v:+ $v}: exit 3" "$STATUS" 3
        expect_stderr "$c no server${v:+ $v}" "1:$c: cannot reach http://127\.0\.0\.1:$close_port/health: .+"
        run_client "$c" download -n 2 --size 1K --url "$SERVER_URL" --dir "$not_a_folder" $v
        expect_eq "$c --dir a file${v:+ $v}: exit 3" "$STATUS" 3
        # -v says the server check first: the folder is checked after it.
        expect_stderr "$c --dir a file${v:+ $v}" "1:$c: $not_a_folder: not a folder" \
            "$([ -n "$v" ] && echo 1 || echo 0):$c: server check: .*"
        if is_model "$c"; then   # checked before the server is asked
            run_client "$c" fetch -n 2 --url "$SERVER_URL" --trace "$TEST_TMP" $v
            expect_eq "$c --trace a folder${v:+ $v}: exit 3" "$STATUS" 3
            expect_stderr "$c --trace a folder${v:+ $v}" \
                "1:$c: cannot write the trace $TEST_TMP: Is a directory"
        fi
    done
done
stop_server

# ---- Clients: a signal in the middle of a download ----

# With this seed the server hangs ids 4, 5, 6 and 8 of 1..8: every client
# has sent the first of them when the signal comes (sync waits on it).
start_server --latency-ms 0 --threads 64 --seed 5 --fail-rate 0.5 --fail-times 0 \
    --fail-kind hang --hang-ms 600000 || exit 1
first_hung=$(failing_ids $N | awk '{ print $1 }')

# signal_run CLIENT SIG [OPTION]: a download stopped by SIG once the first
# hung request is at the server; sets STATUS, stderr in $TEST_TMP/err.
signal_run() {
    local c=$1 sig=$2 program="$BIN/$1"
    shift 2
    [ -x "$program" ] || program="$PEERS/$c"
    reset_stats
    "$program" download -n $N --size 64K --timeout-ms 600000 --url "$SERVER_URL" "$@" \
        >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
    local pid=$!
    wait_for requests_at_least "$first_hung" ||
        echo "# $c: $first_hung requests were not seen at the server"
    interrupt "$pid" "$sig"
}

for c in $CLIENTS; do
    verbose_specs "$c" download "$SERVER_URL"
    for sig in INT TERM HUP; do
        code=$((128 + $(kill -l "$sig")))
        signal_run "$c" "$sig"
        expect_eq "$c SIG$sig: exit $code" "$STATUS" $code
        expect_stderr "$c SIG$sig"
        signal_run "$c" "$sig" --verbose
        expect_eq "$c SIG$sig --verbose: exit $code" "$STATUS" $code
        expect_stderr "$c SIG$sig --verbose" "${VERBOSE[@]}" \
            "+:${T}start \(attempt 1\)" \
            "*:${T}completed, 65536 bytes" \
            "+:${T}(failed \(cancelled\): .+|cancelled)"
    done
    if is_model "$c"; then
        timeline_specs "$c" download $N
        signal_run "$c" INT --timeline
        expect_eq "$c SIGINT --timeline: exit 130" "$STATUS" 130
        expect_stderr "$c SIGINT --timeline" "${TIMELINE[@]}"
    fi
done
stop_server

# ---- The mock server ----

# server_run SIG [OPTION...]: the mock server started with OPTIONs, asked
# for /health and /stats, with a request for an item left waiting (600 s of
# latency, or a hang with --fail-kind hang), then stopped by SIG; sets
# STATUS, its stderr in $TEST_TMP/err.
server_run() {
    local sig=$1 url pid curl_pid
    shift
    : >"$TEST_TMP/mock.out"
    "$SERVER_BIN/mock_server" --host 127.0.0.1 --port 0 --latency-ms 0 --hang-ms 600000 "$@" \
        >"$TEST_TMP/mock.out" 2>"$TEST_TMP/err" &
    pid=$!
    wait_for grep -q '^listening on ' "$TEST_TMP/mock.out" || echo "# mock_server did not start"
    url=$(sed -n 's/^listening on //p' "$TEST_TMP/mock.out")
    curl -s --max-time 5 "$url/health" >/dev/null
    curl -s --max-time 30 "$url/items/1?latency_ms=600000" >/dev/null &
    curl_pid=$!
    wait_for in_flight_at "$url" ||
        echo "# mock_server: the request for /items/1 was not seen in flight"
    interrupt "$pid" "$sig"
    kill "$curl_pid" 2>/dev/null
    wait "$curl_pid" 2>/dev/null
}

# in_flight_at URL: the server at URL holds a request (besides this one).
in_flight_at() {
    [ "$(curl -s --max-time 5 "$1/stats" | jq -r .in_flight)" -ge 1 ] 2>/dev/null
}

M='mock_server: GET /'
for sig in INT TERM HUP; do
    server_run "$sig"
    expect_eq "mock_server SIG$sig, a request waiting: exit 0" "$STATUS" 0
    expect_stderr "mock_server SIG$sig, a request waiting"
    server_run "$sig" --fail-rate 1 --fail-times 0 --fail-kind hang
    expect_eq "mock_server SIG$sig, a request hanging: exit 0" "$STATUS" 0
    expect_stderr "mock_server SIG$sig, a request hanging"
    # The item's line: how it ended, as the server saw it.
    server_run "$sig" -v
    expect_stderr "mock_server SIG$sig -v, a request waiting" \
        "1:${M}health -> 200 in [0-9.]+ ms" \
        "+:${M}stats -> 200 in [0-9.]+ ms" \
        "1:${M}items/1\?latency_ms=600000 -> (200|aborted) in [0-9.]+ ms"
    server_run "$sig" -v --fail-rate 1 --fail-times 0 --fail-kind hang
    expect_stderr "mock_server SIG$sig -v, a request hanging" \
        "1:${M}health -> 200 in [0-9.]+ ms" \
        "+:${M}stats -> 200 in [0-9.]+ ms" \
        "1:${M}items/1\?latency_ms=600000 -> (fault, no response|aborted) in [0-9.]+ ms"
done

"$SERVER_BIN/mock_server" --help >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "mock_server --help: exit 0" "$?" 0
expect_stderr "mock_server --help"
"$SERVER_BIN/mock_server" --bogus >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "mock_server --bogus: exit 2" "$?" 2
expect_stderr "mock_server --bogus" "1:mock_server: unknown option '--bogus' \(see --help\)"
"$SERVER_BIN/mock_server" --port 99999 >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "mock_server --port 99999: exit 2" "$?" 2
expect_stderr "mock_server --port 99999" "1:mock_server: --port: .*'99999'.*"
start_server || exit 1
taken=${SERVER_URL##*:}
"$SERVER_BIN/mock_server" --host 127.0.0.1 --port "$taken" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
expect_eq "mock_server on a port taken: exit 3" "$?" 3
expect_stderr "mock_server on a port taken" \
    "1:mock_server: cannot listen on 127\.0\.0\.1:$taken: Address already in use"
