# fault_checks.sh: the fault checks every client passes, a C model or a
# reference client alike (sourced by test_models.sh and
# test_python_asyncio.sh, after lib.sh). Each runs against a server started
# with --fail-rate 0.2 --fail-times 2 --seed 7 and the fault kind checked;
# the caller sets SIZE and SIZE_BYTES, a blob's size for the download checks.

# The cause a client must report for each fault kind the server serves.
declare -A CAUSE_OF_FAULT=([status]=status [reset]=reset [truncate]=truncated
                           [badjson]=bad_json [hang]=timeout)

# ids_with EVENT: the ids of the tasks that had EVENT in the last run's
# --verbose lines ("[  12.345 ms] task 7: failed (status): HTTP 500").
ids_with() {
    sed -n "s/^\[ *[0-9.]* ms\] task \([0-9]*\): $1.*/\1/p" "$TEST_TMP/err" | sort -n | xargs
}

# check_faults CLIENT KIND [MODEL]: with ids failing their first 2 requests,
# 2 retries complete every task; no retry fails exactly the failing ids, all
# for the cause that fault kind must show, and nothing else. With MODEL, the
# checksum with failures is also the one that model reports.
check_faults() {
    local c=$1 kind=$2 model=${3:-} n=30 expected nfail model_checksum
    local opts=(--url "$SERVER_URL" -n $n --timeout-ms 300 --backoff-ms 10 --json)
    local cause=${CAUSE_OF_FAULT[$kind]}
    expected=$(failing_ids $n)
    nfail=$(echo "$expected" | wc -w)

    reset_stats
    run_client "$c" fetch "${opts[@]}" --retries 2
    expect_eq "$c $kind: --retries 2 completes all" "$STATUS/$(json .ok)" "0/$n"
    expect_eq "$c $kind: --retries 2 retried each failing id twice" \
        "$(json .retries)" $((2 * nfail))
    # One request per attempt the program made: none sent again unseen.
    expect_eq "$c $kind: the server saw every attempt, and only those" \
        "$(server_stat .requests)" "$((n + $(json .retries)))"
    expect_eq "$c $kind: the server served $((2 * nfail)) faults, all of kind $kind" \
        "$(server_stat "[.faults[]] | add")/$(server_stat ".faults.$kind")" \
        "$((2 * nfail))/$((2 * nfail))"

    if [ -n "$model" ]; then
        reset_stats
        run_client "$model" fetch "${opts[@]}" --retries 0
        model_checksum=$(json .checksum)
    fi
    reset_stats
    run_client "$c" fetch "${opts[@]}" --retries 0 --verbose
    expect_eq "$c $kind: --retries 0 exits 1" "$STATUS" 1
    expect_eq "$c $kind: --retries 0 sent one request per task" "$(server_stat .requests)" $n
    expect_eq "$c $kind: --retries 0 fails exactly the failing ids" "$(ids_with failed)" \
        "$expected"
    expect_eq "$c $kind: each for the cause $cause" "$(ids_with "failed ($cause)")" "$expected"
    expect_eq "$c $kind: every failure counted as $cause, none as another cause" \
        "$(json "[.failures[]] | add")/$(json ".failures.$cause")" "$nfail/$nfail"
    # shellcheck disable=SC2086
    expect_eq "$c $kind: checksum with failures" "$(json .checksum)" \
        "$("$BIN/expected_checksum" fetch $n $expected)"
    [ -z "$model" ] ||
        expect_eq "$c $kind: the checksum $model reports" "$(json .checksum)" "$model_checksum"
}

# check_truncated_download CLIENT: a blob cut short never appears under its
# final name.
check_truncated_download() {
    local c=$1 dir="$TEST_TMP/$1-trunc" n=10 ok_files

    reset_stats
    run_client "$c" download -n $n --size "$SIZE" --url "$SERVER_URL" --dir "$dir" \
        --json --verbose
    expect_eq "$c truncated download: exits 1, each failed one truncated" \
        "$STATUS $(ids_with "failed (truncated)")" "1 $(failing_ids $n)"
    ok_files=$(cd "$dir" && ls blob-*.bin 2>/dev/null | sed 's/blob-\(.*\)\.bin/\1/' | sort -n | xargs)
    expect_eq "$c truncated download: final files are exactly the completed ids" \
        "$ok_files" "$(ids_with completed)"
    expect_eq "$c truncated download: whole final files only" \
        "$(find "$dir" -name 'blob-*.bin' ! -size "${SIZE_BYTES}c" | wc -l)" 0
    expect_eq "$c truncated download: no part file left" "$(find "$dir" -name '*.part' | wc -l)" 0
}

# check_download_status CLIENT: a blob answered with a 500 fails for its
# status, not for its bytes.
check_download_status() {
    local c=$1 n=30 nfail

    nfail=$(failing_ids $n | wc -w)
    reset_stats
    run_client "$c" download -n $n --size 64K --url "$SERVER_URL" --json
    expect_eq "$c download: a 500 counts as status" "$(json .failures.status)/$(json .failed)" \
        "$nfail/$nfail"
}
