#!/usr/bin/env bash
# test_cache.sh: --cache FILE, the same in every model.
#
# A first run fills the cache; a rerun asks the server nothing, reports every
# task cached and the same run checksum; a run that failed some tasks caches
# only the others, and the rerun fetches exactly the failed ids. A cache made
# with other options, a damaged or foreign file, a path that cannot be read
# or written: one line, exit 2 or 3, no request made, the file untouched. A
# run killed with SIGKILL leaves the previous cache whole; Ctrl-C saves what
# had completed.
. "$(dirname "$0")/../lib.sh"

N=20

# cache_ids FILE: the ids a cache file holds, space-separated.
cache_ids() {
    awk 'NR > 2 && $1 != "end" { printf "%s%s", sep, $1; sep = " " }' "$1"
}

# seq_ids FIRST LAST: "FIRST ... LAST", space-separated.
seq_ids() {
    seq -s ' ' "$1" "$2"
}

# except_ids ALL SOME: the ids of ALL not in SOME, in order.
except_ids() {
    local id out=
    for id in $1; do
        case " $2 " in *" $id "*) ;; *) out="$out${out:+ }$id" ;; esac
    done
    echo "$out"
}

# expect_refused WHAT STATUS TEXT FILE: the last run exited STATUS with one
# line on stderr holding TEXT, made no request, and left FILE as FILE.before.
expect_refused() {
    local what=$1 status=$2 text=$3 file=$4
    expect_eq "$what: exit $status" "$STATUS" "$status"
    expect_eq "$what: one line on stderr" "$(wc -l <"$TEST_TMP/err")" 1
    expect_true "$what: the line says '$text'" grep -qF -- "$text" "$TEST_TMP/err"
    expect_eq "$what: no request" "$(server_stat .requests)" 0
    if [ -e "$file.before" ]; then
        expect_true "$what: the file is left as it was" cmp -s "$file" "$file.before"
    fi
}

# flip_hex_digit FILE LINE: changes the last character of line LINE, a hex
# digit of a checksum, into another hex digit: the file still parses.
flip_hex_digit() {
    local offset last
    offset=$(head -n "$2" "$1" | wc -c)
    offset=$((offset - 2))
    last=$(dd if="$1" bs=1 skip="$offset" count=1 2>/dev/null)
    if [ "$last" = 0 ]; then last=1; else last=0; fi
    printf '%s' "$last" | dd of="$1" bs=1 seek="$offset" conv=notrunc 2>/dev/null
}

# check_fresh_and_rerun MODEL: the first run fills the cache, the rerun
# takes every task from it.
check_fresh_and_rerun() {
    local m=$1 cache="$TEST_TMP/$1.cache" trace="$TEST_TMP/$1.csv" sum bytes
    rm -f "$cache"
    reset_stats
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$cache" --json
    expect_eq "$m first run: exit 0" "$STATUS" 0
    expect_eq "$m first run: cached 0" "$(json .cached)" 0
    expect_eq "$m first run: $N requests" "$(server_stat .requests)" $N
    expect_eq "$m first run: the cache holds ids 1..$N" "$(cache_ids "$cache")" "$(seq_ids 1 $N)"
    expect_eq "$m first run: checksum" "$(json .checksum)" "$FULL_CHECKSUM"
    bytes=$(json .bytes)
    cp "$cache" "$cache.first"

    reset_stats
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$cache" --json --trace "$trace"
    expect_eq "$m rerun: exit 0" "$STATUS" 0
    expect_eq "$m rerun: no request" "$(server_stat .requests)" 0
    expect_eq "$m rerun: cached $N" "$(json .cached)" $N
    expect_eq "$m rerun: ok $N" "$(json .ok)" $N
    expect_eq "$m rerun: the same checksum" "$(json .checksum)" "$FULL_CHECKSUM"
    expect_eq "$m rerun: bytes as the first run" "$(json .bytes)" "$bytes"
    expect_eq "$m rerun: the trace shows $N cached rows with no attempt" \
        "$(awk -F, 'NR > 1 && $2 == "cached" && $6 == 0' "$trace" | wc -l)" $N
    expect_true "$m rerun: the cache is rewritten the same" cmp -s "$cache" "$cache.first"

    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$cache"
    sum=$(grep -E '^ +from the cache +[0-9]+$' "$TEST_TMP/out" | awk '{ print $NF }')
    expect_eq "$m rerun: the table says $N from the cache" "$sum" $N

    # The count is not in the key: a longer run reuses the ids it shares.
    reset_stats
    run_client "$m" fetch -n 30 --url "$SERVER_URL" --cache "$cache" --json
    expect_eq "$m -n 30: exit 0, cached $N, 10 requests" \
        "$STATUS $(json .cached) $(server_stat .requests)" "0 $N 10"
    expect_eq "$m -n 30: checksum" "$(json .checksum)" "$("$BIN/expected_checksum" fetch 30)"
    reset_stats
    run_client "$m" fetch -n 10 --url "$SERVER_URL" --cache "$cache" --json
    expect_eq "$m -n 10: exit 0, cached 10, no request" \
        "$STATUS $(json .cached) $(server_stat .requests)" "0 10 0"
    expect_eq "$m -n 10: ids 11..30 kept in the cache" "$(cache_ids "$cache")" "$(seq_ids 1 30)"
}

# check_refused MODEL: other options, damaged and foreign files.
check_refused() {
    local m=$1 cache="$TEST_TMP/$1.cache" bad="$TEST_TMP/$1.bad" dl="$TEST_TMP/$1.dl"
    rm -f "$dl" "$dl.before"
    run_client "$m" download -n 3 --size 1K --url "$SERVER_URL" --cache "$dl" --json
    expect_eq "$m download 1K: exit 0" "$STATUS" 0
    cp "$dl" "$dl.before"
    reset_stats
    run_client "$m" download -n 3 --size 2K --url "$SERVER_URL" --cache "$dl" --json
    expect_refused "$m download 2K with the 1K cache" 2 \
        "cache $dl was made with other options (workload=download size=1024 verify=content path=/blobs/{id}?size={size}; this run: workload=download size=2048 verify=content path=/blobs/{id}?size={size})" "$dl"
    run_client "$m" fetch -n 3 --url "$SERVER_URL" --cache "$dl" --json
    expect_refused "$m fetch with a download cache" 2 "was made with other options" "$dl"
    run_client "$m" download -n 3 --size 1K --verify id --url "$SERVER_URL" --cache "$dl" --json
    expect_refused "$m download --verify id with a cache of --verify content" 2 \
        "was made with other options" "$dl"

    cp "$cache.first" "$bad"
    head -c $(($(wc -c <"$bad") / 2)) "$cache.first" >"$bad"
    cp "$bad" "$bad.before"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$bad" --json
    expect_refused "$m a cache cut in half" 2 "is not a usable cache" "$bad"

    head -n 10 "$cache.first" >"$bad"
    cp "$bad" "$bad.before"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$bad" --json
    expect_refused "$m a cache without its last lines" 2 "it has no end line: cut short" "$bad"

    cp "$cache.first" "$bad"
    flip_hex_digit "$bad" 5
    cp "$bad" "$bad.before"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$bad" --json
    expect_refused "$m a cache with a byte changed" 2 "its content does not match its hash" "$bad"

    cp "$cache.first" "$bad"
    sed -i '3s/^./x/' "$bad"   # the first entry's id: no longer a number
    cp "$bad" "$bad.before"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$bad" --json
    expect_refused "$m a cache with a line out of shape" 2 "is not a usable cache: line" "$bad"

    printf 'id,state\n1,completed\n' >"$bad"
    cp "$bad" "$bad.before"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$bad" --json
    expect_refused "$m a foreign file" 2 "does not begin with \"aio-bench cache 1\"" "$bad"

    : >"$bad"
    cp "$bad" "$bad.before"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$bad" --json
    expect_refused "$m an empty file" 2 "is not a usable cache: it is empty" "$bad"

    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache /dev/zero --json
    expect_refused "$m a device as the cache" 2 "not a regular file" /nonexistent

    # Tests may run as root, whom no mode bit stops: a folder that does not
    # exist, /proc, and a folder where the file should be.
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$TEST_TMP/no-such-folder/c" --json
    expect_refused "$m a cache in a missing folder" 3 "cannot be written" /nonexistent
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache /proc/aio-bench.cache --json
    expect_refused "$m a cache under /proc" 3 "cannot be written" /nonexistent
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$TEST_TMP" --json
    expect_refused "$m a folder as the cache" 3 "cannot be read" /nonexistent
}

# check_killed MODEL: SIGKILL mid-run leaves the previous cache as it was.
check_killed() {
    local m=$1 cache="$TEST_TMP/$1.kill"
    rm -f "$cache"
    run_client "$m" fetch -n 5 --url "$SERVER_URL" --cache "$cache" --json
    expect_eq "$m before the kill: 5 cached" "$STATUS $(cache_ids "$cache")" "0 1 2 3 4 5"
    cp "$cache" "$cache.before"
    reset_stats
    "$BIN/$m" fetch -n $N --latency-ms 3000 --url "$SERVER_URL" --cache "$cache" \
        >"$TEST_TMP/kill.out" 2>&1 &
    local pid=$!
    expect_true "$m killed: a request under way" wait_for requests_at_least 1
    kill -KILL "$pid"
    wait "$pid" 2>/dev/null
    expect_true "$m killed: the previous cache is left whole" cmp -s "$cache" "$cache.before"
    expect_eq "$m killed: no temporary file left" \
        "$(find "$TEST_TMP" -name "$m.kill.tmp-*" | wc -l)" 0
    reset_stats
    run_client "$m" fetch -n 5 --url "$SERVER_URL" --cache "$cache" --json
    expect_eq "$m killed: the cache still loads, 5 cached, no request" \
        "$STATUS $(json .cached) $(server_stat .requests)" "0 5 0"
}

# check_interrupted MODEL: Ctrl-C saves the tasks that had completed.
check_interrupted() {
    local m=$1 cache="$TEST_TMP/$1.int" trace="$TEST_TMP/$1.int.csv" c done_ids
    c=$(window_of "$m" 4)
    rm -f "$cache" "$trace"
    reset_stats
    "$BIN/$m" fetch -n $N --concurrency "$c" --latency-ms 400 --url "$SERVER_URL" \
        --cache "$cache" --trace "$trace" >"$TEST_TMP/int.out" 2>&1 &
    local pid=$!
    expect_true "$m Ctrl-C: a task has completed" wait_for requests_at_least $((c + 1))
    interrupt "$pid"
    expect_eq "$m Ctrl-C: exits 130" "$STATUS" 130
    done_ids=$(trace_ids completed "$trace")
    expect_true "$m Ctrl-C: some tasks completed" [ -n "$done_ids" ]
    expect_eq "$m Ctrl-C: the cache holds exactly the completed tasks" \
        "$(cache_ids "$cache")" "$done_ids"
    reset_stats
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$cache" --json
    local ndone
    ndone=$(echo "$done_ids" | wc -w)
    expect_eq "$m after Ctrl-C: the rerun fetches only the rest" \
        "$STATUS $(json .cached) $(server_stat .requests)" "0 $ndone $((N - ndone))"
    expect_eq "$m after Ctrl-C: checksum" "$(json .checksum)" "$FULL_CHECKSUM"
}

# check_local_workloads MODEL: files, cook and cpu, which ask no server.
check_local_workloads() {
    local m=$1 cache="$TEST_TMP/$1.local" sum
    rm -f "$cache"
    run_client "$m" files -n 5 --size 4K --cache "$cache" --json
    sum=$(json .checksum)
    run_client "$m" files -n 5 --size 4K --cache "$cache" --json
    expect_eq "$m files: rerun cached 5, same checksum" \
        "$STATUS $(json .cached) $(json .checksum)" "0 5 $sum"
    expect_eq "$m files: checksum" "$sum" "$("$BIN/expected_checksum" files 5 4096)"

    rm -f "$cache"
    run_client "$m" cook --time-scale 0.001 --cache "$cache" --json
    sum=$(json .checksum)
    run_client "$m" cook --time-scale 0.002 --cache "$cache" --json
    expect_eq "$m cook: rerun (other times) cached 3, same checksum" \
        "$STATUS $(json .cached) $(json .checksum)" "0 3 $sum"
    cp "$cache" "$cache.before"
    run_client "$m" cook --time-scale 0.001 --dishes "Soup:1,Tea:1" --cache "$cache" --json
    expect_eq "$m cook: other dishes refused" "$STATUS" 2
    expect_true "$m cook: the cache untouched" cmp -s "$cache" "$cache.before"

    rm -f "$cache"
    run_client "$m" cpu -n 4 --rounds 10 --cache "$cache" --json
    sum=$(json .checksum)
    run_client "$m" cpu -n 4 --rounds 10 --cache "$cache" --json
    expect_eq "$m cpu: rerun cached 4, same checksum" \
        "$STATUS $(json .cached) $(json .checksum)" "0 4 $sum"
    run_client "$m" cpu -n 4 --rounds 11 --cache "$cache" --json
    expect_eq "$m cpu: other rounds refused" "$STATUS" 2
    expect_true "$m cpu: the line names both keys" \
        grep -qF "(workload=cpu rounds=10; this run: workload=cpu rounds=11)" "$TEST_TMP/err"
}

FULL_CHECKSUM=$("$BIN/expected_checksum" fetch $N)
start_server --latency-ms 0 || exit 1
for m in $(models); do
    check_fresh_and_rerun "$m"
    check_refused "$m"
    check_killed "$m"
    check_interrupted "$m"
    check_local_workloads "$m"
done

# A run that failed some tasks caches only the others; the rerun against a
# healthy server fetches exactly those.
start_server --latency-ms 0 --fail-rate 0.3 --fail-times 0 --seed 11 || exit 1
FAILING=$(failing_ids $N)
expect_true "some of the $N ids fail" [ -n "$FAILING" ]
for m in $(models); do
    cache="$TEST_TMP/$m.partial"
    rm -f "$cache"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$cache" --json
    expect_eq "$m with failures: exit 1" "$STATUS" 1
    expect_eq "$m with failures: only the completed ids cached" \
        "$(cache_ids "$cache")" "$(except_ids "$(seq_ids 1 $N)" "$FAILING")"
done
start_server --latency-ms 0 || exit 1
for m in $(models); do
    cache="$TEST_TMP/$m.partial"
    trace="$TEST_TMP/$m.partial.csv"
    nfailing=$(echo "$FAILING" | wc -w)
    reset_stats
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$cache" --json --trace "$trace"
    expect_eq "$m after failures: exit 0, cached $((N - nfailing))" \
        "$STATUS $(json .cached)" "0 $((N - nfailing))"
    expect_eq "$m after failures: $nfailing requests" "$(server_stat .requests)" "$nfailing"
    expect_eq "$m after failures: exactly the failed ids fetched" \
        "$(trace_ids completed "$trace")" "$FAILING"
    expect_eq "$m after failures: the checksum of a clean run" "$(json .checksum)" "$FULL_CHECKSUM"
    expect_eq "$m after failures: all $N cached now" "$(cache_ids "$cache")" "$(seq_ids 1 $N)"
done

# Nothing left to run needs no server.
url=$SERVER_URL
stop_server
for m in $(models); do
    run_client "$m" fetch -n $N --url "$url" --cache "$TEST_TMP/$m.partial" --json
    expect_eq "$m all cached, the server gone: exit 0, cached $N" \
        "$STATUS $(json .cached) $(json .checksum)" "0 $N $FULL_CHECKSUM"
done
