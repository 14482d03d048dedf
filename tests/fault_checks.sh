# fault_checks.sh: every fault the mock server injects, tried on every
# client, a C model or a reference client alike (sourced by test_models.sh
# and test_python_asyncio.sh, after lib.sh).
#
# check_fault_matrix CLIENT... runs one cell per fault kind (FAULT_MATRIX),
# workload (FAULT_WORKLOADS) and --retries (FAULT_RETRIES) for each client.
# A server per kind fails the ids FAULT_FAILING of 1..FAULT_N their first
# FAULT_TIMES requests; each cell is one run of the client, held to:
#   - what it saw: its exit status, the ids that failed and those retried,
#     each for the cause the kind must show, its --json failures by cause,
#     retries and checksum (a clean run's when the retries outlast the
#     faults), and the attempts of its --verbose lines and trace CSV;
#   - what it said: each failure's message, in the --verbose lines and the
#     trace's "error" column, says what the server did (fault_message_pattern),
#     not a generic text;
#   - what it left: for download, the final files are exactly the completed
#     blobs, whole and right to the byte, and no part file, also after a
#     retry that follows a body cut short;
#   - what the server counted: /stats requests, faults by kind, responses by
#     status and aborted, against the attempts the client made.
# The sizes are small and the timeout short, so that the whole matrix of a
# client takes seconds: the hangs cost the most, FAULT_TIMEOUT_MS each.

# One row per fault kind: the kind, the cause a client must report for it
# in fetch and in download, and the fault the server serves (and counts) in
# its place for a blob.
FAULT_MATRIX=(
    # kind    fetch       download    on a blob
    "status   status      status      status"
    "reset    reset       reset       reset"
    "truncate truncated   truncated   truncate"
    # badjson does not apply to download: a blob is no JSON. The server
    # truncates the blob instead (mock_server/handlers.c, inject_fault) and
    # counts a truncate fault, and the client fails it as truncated: the
    # download cells of this row hold both to that.
    "badjson  bad_json    truncated   truncate"
    "hang     timeout     timeout     hang"
)
FAULT_WORKLOADS="fetch download"
FAULT_RETRIES="0 2"        # none, and enough to outlast FAULT_TIMES faults
FAULT_TIMES=2
FAULT_N=8                  # ids 1..8 all have one digit: their items are one size
# A blob of ten of the server's writes, cut after five: past the 256 KiB
# that async_coro stages before its coroutine writes them, so that in every
# client a blob is cut after writes to its part file (and in async_coro,
# after its transfer was paused and resumed).
FAULT_SIZE_BYTES=655360
# What a hang costs an attempt: long enough that a whole answer always comes
# in time on a loaded machine (300 ms did not: Python's download of 640 KiB
# under a load of 15 on 2 cores timed out), short enough for the matrix.
FAULT_TIMEOUT_MS=1000
# --fail-rate 0.3 --seed 5 fails ids 4, 5 and 8 of 1..8; a hang outlasts
# every timeout.
FAULT_SERVER=(--latency-ms 5 --threads 64 --fail-rate 0.3 --seed 5 --fail-times "$FAULT_TIMES"
              --hang-ms 3000)
# A client whose checksum every other client's must equal in each cell where
# tasks fail (test_python_asyncio.sh sets a C model); none when empty.
FAULT_SAME_AS=${FAULT_SAME_AS:-}

# ids_with EVENT: the ids of the tasks that had EVENT in the last run's
# --verbose lines ("[  12.345 ms] task 7: failed (status): HTTP 500"), in
# order, once per line.
ids_with() {
    sed -n "s/^\[ *[0-9.]* ms\] task \([0-9]*\): $1.*/\1/p" "$TEST_TMP/err" | sort -n | xargs
}

# verbose_failures [failed]: "ID CAUSE: MESSAGE" for each --verbose line of
# the last run where a task failed for good, or (without "failed") also was
# retried after a failed attempt.
verbose_failures() {
    local failed='s/^\[ *[0-9.]* ms\] task \([0-9]*\): failed (\([a-z_]*\)): \(.*\)/\1 \2: \3/p'
    local retry='s/^\[ *[0-9.]* ms\] task \([0-9]*\): retry in [0-9]* ms after \([a-z_]*\): \(.*\)/\1 \2: \3/p'

    if [ "${1:-}" = failed ]; then
        sed -n "$failed" "$TEST_TMP/err"
    else
        sed -n -e "$failed" -e "$retry" "$TEST_TMP/err"
    fi
}

# trace_failures TRACE: "ID CAUSE: MESSAGE" for each failed row of a trace,
# the message read back from its quoted CSV field.
trace_failures() {
    awk -F, 'NR > 1 && $2 == "failed"' "$1" |
        sed -E 's/^([^,]*),([^,]*,){8}([^,]*),"(.*)"$/\1 \3: \4/; s/""/"/g'
}

# fault_message_pattern CAUSE ID BYTES: the ERE that "CAUSE: MESSAGE" must
# match when the mock server's fault caused it, for task ID whose whole body
# is BYTES long. Each names what was lost: the HTTP code; which timeout and
# its ms; that no response came; the bytes got of those promised (the server
# sends half); where the JSON breaks (the server drops the closing brace).
# libcurl's or aiohttp's own words may follow in parentheses.
fault_message_pattern() {
    case $1 in
        status)    echo "^status: HTTP 500( \(|$)" ;;
        timeout)   echo "^timeout: no complete answer within the --timeout-ms of $FAULT_TIMEOUT_MS ms( \(|$)" ;;
        reset)     echo "^reset: connection closed with no response( \(|$)" ;;
        truncated) echo "^truncated: body cut short: got $(($3 / 2)) of $3 bytes( \(|$)" ;;
        bad_json)  echo "^bad_json: item $2: the body is not valid JSON: it ends after $(($3 - 1)) bytes, inside an unclosed object$" ;;
        *)         echo "^$1: no message is known for this cause$" ;;
    esac
}

# A jq function: an object's nonzero counts as "key=n,key=n", or "none".
JQ_COUNTS='def counts: [to_entries[] | select(.value > 0) | "\(.key)=\(.value)"] | join(",")
                       | if . == "" then "none" else . end;'

# server_counts: "REQUESTS ABORTED FAULTS RESPONSES" from /stats once no
# request is in flight, a hung one's handler included (it sees its client
# gone within 10 ms): the faults by kind and the responses by status as
# counts. "busy" when requests are still in flight after 10 s. One jq for
# all, as each costs tens of ms.
server_counts() {
    local line
    for _ in $(seq 100); do
        line=$(server_stat "$JQ_COUNTS"' if .in_flight > 0 then "busy"
            else "\(.requests) \(.aborted) \(.faults | counts) \(.responses | counts)" end')
        [ "$line" = busy ] || break
        sleep 0.1
    done
    echo "$line"
}

# repeat_ids TIMES IDS...: each id TIMES times, in order.
repeat_ids() {
    local times=$1 id k
    shift
    for id in "$@"; do
        for ((k = 0; k < times; k++)); do echo "$id"; done
    done | xargs
}

# client_args WORKLOAD RETRIES DIR: a cell's command line, into FAULT_ARGS.
client_args() {
    FAULT_ARGS=("$1" -n "$FAULT_N" --url "$SERVER_URL" --timeout-ms "$FAULT_TIMEOUT_MS"
                --backoff-ms 10 --retries "$2" --json)
    [ "$1" = download ] && FAULT_ARGS+=(--size "$FAULT_SIZE_BYTES" --dir "$3")
    return 0
}

# check_fault_cell CLIENT KIND WORKLOAD RETRIES CAUSE SERVED: one run of
# CLIENT against the server of KIND, where each failing id meets SERVED
# faults and must fail for CAUSE.
check_fault_cell() {
    local c=$1 kind=$2 w=$3 r=$4 cause=$5 served=$6
    local what="$c $w, $kind faults, --retries $r:"
    local n=$FAULT_N trace="$TEST_TMP/fault.csv" dir="$TEST_TMP/fault-blobs"
    local bytes=$FAULT_ITEM_BYTES failed_ids="" retried_each=$r same_sum=""
    local nfailing nfailed ok retries expected_sum responses bad id line

    [ "$w" = download ] && bytes=$FAULT_SIZE_BYTES
    # Each failing id fails r + 1 attempts, at most FAULT_TIMES; it fails
    # for good when the retries run out first.
    [ "$r" -lt $FAULT_TIMES ] && failed_ids=$FAULT_FAILING
    [ "$r" -gt $FAULT_TIMES ] && retried_each=$FAULT_TIMES
    nfailing=$(echo "$FAULT_FAILING" | wc -w)
    nfailed=$(echo "$failed_ids" | wc -w)
    ok=$((n - nfailed))
    retries=$((nfailing * retried_each))
    # shellcheck disable=SC2086
    if [ "$w" = fetch ]; then
        expected_sum=$("$BIN/expected_checksum" fetch $n $failed_ids)
    else
        expected_sum=$("$BIN/expected_checksum" download $n $bytes $failed_ids)
    fi

    if [ -n "$FAULT_SAME_AS" ] && [ "$c" != "$FAULT_SAME_AS" ] && [ "$nfailed" -gt 0 ]; then
        client_args "$w" "$r" "$dir-same"
        reset_stats
        run_client "$FAULT_SAME_AS" "${FAULT_ARGS[@]}"
        same_sum=$(json .checksum)
        server_counts >/dev/null   # its hung requests let go, before the reset
    fi

    client_args "$w" "$r" "$dir"
    FAULT_ARGS+=(--verbose)
    [ -x "$BIN/$c" ] && FAULT_ARGS+=(--trace "$trace")   # a reference client writes none
    rm -rf "$dir" "$trace"
    reset_stats
    run_client "$c" "${FAULT_ARGS[@]}"

    # ---- What the client saw ----
    local summary
    summary=$(json "$JQ_COUNTS"' "\(.ok) \(.failed) \(.failures | counts) \(.retries) \(.checksum)"')
    expect_eq "$what exit status; completed, failed, failures by cause" \
        "$STATUS; $(cut -d' ' -f1-3 <<<"$summary")" \
        "$((nfailed > 0)); $ok $nfailed $([ "$nfailed" -gt 0 ] && echo "$cause=$nfailed" || echo none)"
    expect_eq "$what the ids that failed, each for $cause" \
        "$(ids_with failed)/$(ids_with "failed ($cause)")" "$failed_ids/$failed_ids"
    local retried
    # shellcheck disable=SC2086
    retried=$(repeat_ids $retried_each $FAULT_FAILING)
    expect_eq "$what retries: the failing ids, $retried_each times each, after $cause" \
        "$(cut -d' ' -f4 <<<"$summary") $(ids_with "retry in [0-9]* ms after ")" \
        "$retries $retried"
    expect_eq "$what the retried ids, each after $cause" \
        "$(ids_with "retry in [0-9]* ms after $cause:")" "$retried"
    local verbose_attempts
    verbose_attempts=$(grep -c '] task [0-9]*: start (attempt [0-9]*)$' "$TEST_TMP/err")
    expect_eq "$what attempts in --verbose: one a task and one a retry" \
        "$verbose_attempts" $((n + retries))
    if [ -x "$BIN/$c" ]; then
        local attempts=""
        for ((id = 1; id <= n; id++)); do
            case " $FAULT_FAILING " in
                *" $id "*) attempts+=" $id:$((retried_each + 1))" ;;
                *) attempts+=" $id:1" ;;
            esac
        done
        expect_eq "$what the trace's attempts of each id" \
            "$(awk -F, 'NR > 1 { printf " %s:%s", $1, $6 }' "$trace")" "$attempts"
        expect_eq "$what the trace's cause and error of each failed row, as --verbose said" \
            "$(trace_failures "$trace" | paste -sd '|')" \
            "$(verbose_failures failed | sort -n -s -k1,1 | paste -sd '|')"
    fi
    local sum_is="a clean run's"
    [ -n "$failed_ids" ] && sum_is="the definitions' with ids $failed_ids failed"
    expect_eq "$what checksum: $sum_is" \
        "$(cut -d' ' -f5 <<<"$summary")" "$expected_sum"
    [ -z "$same_sum" ] ||
        expect_eq "$what the checksum $FAULT_SAME_AS reports" "$(cut -d' ' -f5 <<<"$summary")" \
            "$same_sum"

    # ---- What it said ----
    bad=""
    while IFS= read -r line; do
        id=${line%% *}
        [[ ${line#* } =~ $(fault_message_pattern "$cause" "$id" "$bytes") ]] ||
            bad=${bad:-task $line}
    done < <(verbose_failures)
    expect_eq "$what every failure's message says what the server did" \
        "$(verbose_failures | wc -l) messages${bad:+, not so: $bad}" "$((retries + nfailed)) messages"

    # ---- What it left ----
    if [ "$w" = download ]; then
        expect_eq "$what the final files are the completed blobs" \
            "$(find "$dir" -maxdepth 1 -name 'blob-*.bin' -printf '%f\n' 2>/dev/null |
                sed 's/blob-\(.*\)\.bin/\1/' | sort -n | xargs)" "$(ids_with completed)"
        expect_eq "$what each file whole and right to the byte" \
            "$(/usr/bin/python3 tests/tools/reference_checksum.py blobs "$dir" $n)" "$expected_sum"
        expect_eq "$what no part file left" "$(find "$dir" -name '*.part' | wc -l)" 0
    fi

    # ---- What the server counted, against what the client saw ----
    # Every attempt the client made is one request; every failed attempt,
    # retried or the last, met one fault; every task it completed took one
    # 200 (and a bad-JSON fault is a 200 too; a status fault a 500).
    local counts c_ok c_failed c_retries c_attempts c_faults
    read -r c_ok c_failed _ c_retries _ <<<"$summary"
    c_faults=$((c_retries + c_failed))
    c_attempts=$verbose_attempts
    [ -x "$BIN/$c" ] && c_attempts=$(awk -F, 'NR > 1 { n += $6 } END { print n + 0 }' "$trace")
    counts=$(server_counts)
    responses="200=$c_ok"
    [ "$served" = badjson ] && responses="200=$((c_ok + c_faults))"
    [ "$served" = status ] && responses+=",500=$c_faults"
    expect_eq "$what the server's requests: the client's $c_attempts attempts, none aborted" \
        "$(cut -d' ' -f1-2 <<<"$counts")" "$c_attempts 0"
    expect_eq "$what the server's faults: the client's $c_faults failed attempts, all $served (--fail-kind $kind)" \
        "$(cut -d' ' -f3 <<<"$counts")" "$served=$c_faults"
    expect_eq "$what the server's responses by status: the client's $c_ok completed" \
        "$(cut -d' ' -f4 <<<"$counts")" "$responses"
}

# check_fault_matrix CLIENT...: every cell of the matrix, for each client.
check_fault_matrix() {
    local row kind fetch_cause download_cause blob_kind c w r id

    for row in "${FAULT_MATRIX[@]}"; do
        read -r kind fetch_cause download_cause blob_kind <<<"$row"
        start_server "${FAULT_SERVER[@]}" --fail-kind "$kind" || exit 1
        FAULT_FAILING=$(failing_ids $FAULT_N)
        # An item's length, from an id that does not fail (the stats of
        # every cell start from a reset).
        for ((id = 1; id <= FAULT_N; id++)); do
            case " $FAULT_FAILING " in *" $id "*) continue ;; esac
            FAULT_ITEM_BYTES=$(curl -s --max-time 5 "$SERVER_URL/items/$id?latency_ms=0" | wc -c)
            break
        done
        for c in "$@"; do
            for w in $FAULT_WORKLOADS; do
                for r in $FAULT_RETRIES; do
                    if [ "$w" = fetch ]; then
                        check_fault_cell "$c" "$kind" "$w" "$r" "$fetch_cause" "$kind"
                    else
                        check_fault_cell "$c" "$kind" "$w" "$r" "$download_cause" "$blob_kind"
                    fi
                done
            done
        done
    done
}
