#!/usr/bin/env bash
# test_signals.sh: SIGHUP, SIGTERM and SIGINT stop a run alike, in every client.
#
# A download is stopped by each signal while some blobs are whole and the
# others wait on the server, a part file open for each: the program exits
# 128 + the signal's number, as a shell reports a process the signal killed,
# but only after doing what Ctrl-C does: the trace written whole (no task
# left pending or running), the cache saved with what had completed, and the
# temporary folder, whole blobs and part files alike, gone. The Python client
# likewise. Ctrl-C itself, in each kind of wait, is test_interrupt.sh's.
. "$(dirname "$0")/../lib.sh"

N=8

# With this seed the server fails ids 4, 5, 6 and 8 of 1..8 by hanging: the
# window models complete 1, 2, 3 and 7 and wait on the rest; sync, one task
# at a time, completes 1, 2 and 3 and waits on 4.
start_server --latency-ms 0 --threads 64 --seed 5 --fail-rate 0.5 --fail-times 0 \
    --fail-kind hang --hang-ms 600000 || exit 1
FAILING=" $(failing_ids $N) "

# completed_ids MODEL: the ids a model completes before it waits on a hang,
# space-separated.
completed_ids() {
    local id sep=""
    for id in $(seq $N); do
        case $FAILING in
            *" $id "*) [ "$1" = sync ] && break ;;
            *) printf '%s%s' "$sep" "$id"; sep=" " ;;
        esac
    done
}

# signal_number SIG: 1 for HUP, 15 for TERM, 2 for INT.
signal_number() {
    kill -l "$1"
}

# check_signal_in_download PROGRAM SIG: the run stopped by SIG, as above.
check_signal_in_download() {
    local m=$1 sig=$2 what="$1 SIG$2 in a download"
    local tmp="$TEST_TMP/tmp-$1-$2" trace="$TEST_TMP/sig.csv" cache="$TEST_TMP/sig.cache"
    local done_ids requests program="$BIN/$m" extra=(--trace "$trace" --cache "$cache")
    done_ids=$(completed_ids "$m")
    requests=$(($(echo "$done_ids" | wc -w) + 1))
    [ "$m" = sync ] || requests=$N
    if [ "$m" = python_asyncio ]; then
        program="$PEERS/$m"
        extra=()             # no trace, no cache: its summary says what completed
    fi

    mkdir -p "$tmp"
    rm -f "$trace" "$cache" "$TEST_TMP/sig.err"
    reset_stats
    # TMPDIR: the run's temporary folder is made in $tmp, where it can be seen.
    TMPDIR=$tmp "$program" download -n $N --size 256K --timeout-ms 600000 --url "$SERVER_URL" \
        --json -v "${extra[@]}" >"$TEST_TMP/sig.out" 2>"$TEST_TMP/sig.err" &
    local pid=$!
    expect_true "$what: $requests requests at the server" wait_for requests_at_least "$requests"
    expect_true "$what: $(echo "$done_ids" | wc -w) blobs whole" \
        wait_for lines_at_least "$(echo "$done_ids" | wc -w)" 'completed' "$TEST_TMP/sig.err"
    expect_true "$what: a part file open for a blob still awaited" \
        wait_for has_file "$tmp" -name '*.part'
    interrupt "$pid" "$sig"
    expect_eq "$what: exits 128 + $(signal_number "$sig")" "$STATUS" \
        $((128 + $(signal_number "$sig")))
    expect_eq "$what: the temporary folder removed, blobs and part files with it" \
        "$(find "$tmp" -mindepth 1 | head -3)" ""
    if [ "$m" = python_asyncio ]; then
        expect_eq "$what: the summary: cancelled, ${done_ids// /,} completed" \
            "$(jq -r '"\(.cancelled) \(.ok)"' "$TEST_TMP/sig.out" 2>&1)" \
            "true $(echo "$done_ids" | wc -w)"
        return
    fi
    expect_eq "$what: every task in the trace" "$(($(wc -l <"$trace" 2>/dev/null) - 1))" $N
    expect_eq "$what: the trace: ${done_ids// /,} completed, none pending or running" \
        "$(trace_ids completed "$trace");$(trace_ids pending "$trace")$(trace_ids running "$trace")" \
        "$done_ids;"
    # The cache is read back the way a rerun reads it, whatever its format:
    # the hanging ids fail at once, and the completed ones come from the cache.
    run_client "$m" download -n $N --size 256K --timeout-ms 100 --url "$SERVER_URL" --json \
        --dir "$tmp" --cache "$cache"
    expect_eq "$what: the cache holds the $(echo "$done_ids" | wc -w) completed" \
        "$(json .cached 2>&1)" "$(echo "$done_ids" | wc -w)"
}

PROGRAMS="$(models)"
"$PEERS/python_asyncio" --help >/dev/null 2>&1 && [ "$BIN" = bin ] &&
    PROGRAMS="$PROGRAMS python_asyncio"
for m in $PROGRAMS; do
    for sig in HUP TERM INT; do
        check_signal_in_download "$m" "$sig"
    done
done

# The mock server stops on each of the three with exit 0, as on SIGTERM.
for sig in HUP TERM INT; do
    "$SERVER_BIN/mock_server" --host 127.0.0.1 --port 0 >"$TEST_TMP/stop.out" \
        2>"$TEST_TMP/stop.err" &
    pid=$!
    expect_true "mock_server: starts" wait_for grep -q '^listening on' "$TEST_TMP/stop.out"
    interrupt "$pid" "$sig"
    expect_eq "mock_server: SIG$sig stops it, exit 0" "$STATUS" 0
done
