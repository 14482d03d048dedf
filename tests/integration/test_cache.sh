#!/usr/bin/env bash
# test_cache.sh: --cache FILE, the same in every model.
#
# A first run fills the cache; a rerun asks the server nothing, reports every
# task cached and the same run checksum, and leaves the file as it was; a run
# that failed some tasks caches only the others, and the rerun fetches
# exactly the failed ids. Runs with other options keep their rows apart in
# the same file. Two runs sharing one file, against servers that fail
# different ids, both keep their results. A damaged, foreign or forged file
# (bytes that would wrap the total) and a path that is not a regular file:
# one line, exit 2, no request made, the file untouched; a folder that takes
# no file: exit 3. A run killed with SIGKILL leaves the previous cache whole;
# Ctrl-C saves what had completed. The files are read and damaged with the
# sqlite3 shell.
. "$(dirname "$0")/../lib.sh"

N=20

# cache_ids FILE: the ids a cache file holds, whatever their key, space-separated.
cache_ids() {
    sqlite3 -readonly "$1" 'SELECT id FROM results ORDER BY id' | paste -sd ' '
}

# cache_keys FILE: how many rows each key has, "KEY=ROWS;...", in key order.
cache_keys() {
    sqlite3 -readonly -separator '=' "$1" \
        'SELECT key, count(*) FROM results GROUP BY key ORDER BY key' | paste -sd ';'
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

# damage_page FILE: overwrites the start of the file's second page, the
# results table's, with 0xff bytes; the file is still an SQLite database.
damage_page() {
    printf '\377\377\377\377\377\377\377\377' | dd of="$1" bs=1 seek=4096 conv=notrunc 2>/dev/null
}

# The second server of check_shared, beside the one lib.sh starts.
SERVER2_PID=
SERVER2_URL=

# start_server2 [mock_server options]: sets SERVER2_URL.
start_server2() {
    : >"$TEST_TMP/server2.out"
    "$SERVER_BIN/mock_server" --host 127.0.0.1 --port 0 "$@" >"$TEST_TMP/server2.out" \
        2>"$TEST_TMP/server2.err" &
    SERVER2_PID=$!
    wait_for grep -q '^listening on ' "$TEST_TMP/server2.out" || return 1
    SERVER2_URL=$(sed -n 's/^listening on //p' "$TEST_TMP/server2.out")
}

# stop_server2: SIGTERM, then SIGKILL after 10 s; reaps it.
stop_server2() {
    [ -n "$SERVER2_PID" ] || return 0
    kill -TERM "$SERVER2_PID" 2>/dev/null
    wait_for eval '! kill -0 "$SERVER2_PID"'
    kill -KILL "$SERVER2_PID" 2>/dev/null
    wait "$SERVER2_PID" 2>/dev/null
    SERVER2_PID=
}
SHARED_PID=   # check_shared's first run, while it may be stopped
trap '[ -z "$SHARED_PID" ] || kill -KILL "$SHARED_PID" 2>/dev/null; stop_server2; cleanup' EXIT

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
    expect_true "$m rerun: the file is left as it was (nothing new to save)" \
        cmp -s "$cache" "$cache.first"

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

# check_other_options MODEL: a run with other options finds no rows of its
# own in a file, adds them beside the others', and neither set is lost.
check_other_options() {
    local m=$1 dl="$TEST_TMP/$1.dl" k1 k2
    k1='workload=download size=1024 verify=content path=/blobs/{id}?size={size}'
    k2='workload=download size=2048 verify=content path=/blobs/{id}?size={size}'
    rm -f "$dl"
    run_client "$m" download -n 3 --size 1K --url "$SERVER_URL" --cache "$dl" --json
    expect_eq "$m download 1K: exit 0" "$STATUS" 0
    reset_stats
    run_client "$m" download -n 2 --size 2K --url "$SERVER_URL" --cache "$dl" --json
    expect_eq "$m download 2K with the 1K cache: exit 0, cached 0, 2 requests" \
        "$STATUS $(json .cached) $(server_stat .requests)" "0 0 2"
    expect_eq "$m download 2K: both keys' rows in the file" "$(cache_keys "$dl")" "$k1=3;$k2=2"
    reset_stats
    run_client "$m" download -n 3 --size 1K --url "$SERVER_URL" --cache "$dl" --json
    expect_eq "$m download 1K again: exit 0, cached 3, no request" \
        "$STATUS $(json .cached) $(server_stat .requests)" "0 3 0"
    reset_stats
    run_client "$m" download -n 3 --size 1K --verify id --url "$SERVER_URL" --cache "$dl" --json
    expect_eq "$m download --verify id: cached 0, 3 requests" \
        "$STATUS $(json .cached) $(server_stat .requests)" "0 0 3"
}

# check_shared MODEL: the issue's bug. Two runs load the same file before
# either saves: the first, against a server failing the ids F1, is stopped
# (SIGSTOP) once it has loaded and asked; the second, against a server
# failing F2, runs whole and saves; then the first goes on and saves. The
# file must hold both: every id but those of F1 and F2 both. Each run's
# save used to replace the file, the last one's alone kept.
check_shared() {
    local m=$1 cache="$TEST_TMP/$1.shared" pid a_status
    rm -f "$cache"
    reset_stats
    "$BIN/$m" fetch -n $N_SHARED --concurrency "$(window_of "$m" 2)" --latency-ms 300 \
        --url "$SERVER_URL" --cache "$cache" --json >"$TEST_TMP/a.out" 2>"$TEST_TMP/a.err" &
    pid=$!
    SHARED_PID=$pid
    expect_true "$m shared: the first run has loaded and asked" wait_for requests_at_least 1
    kill -STOP "$pid"
    expect_true "$m shared: the first run is stopped before its save" [ ! -e "$cache" ]
    run_client "$m" fetch -n $N_SHARED --url "$SERVER2_URL" --cache "$cache" --json
    expect_eq "$m shared: the second run exits 1, F2 failed" \
        "$STATUS $(json .failed)" "1 $(echo "$F2" | wc -w)"
    kill -CONT "$pid"
    wait "$pid"
    a_status=$?
    SHARED_PID=
    expect_eq "$m shared: the first run exits 1, F1 failed" \
        "$a_status $(jq -r .failed "$TEST_TMP/a.out")" "1 $(echo "$F1" | wc -w)"
    expect_eq "$m shared: the file holds both runs' results" \
        "$(cache_ids "$cache")" "$(except_ids "$(seq_ids 1 $N_SHARED)" "$F_BOTH")"
    reset_stats
    run_client "$m" fetch -n $N_SHARED --url "$SERVER_URL" --cache "$cache" --json
    expect_eq "$m shared: a rerun asks only for the ids both failed" \
        "$(json .cached) $(server_stat .requests)" \
        "$((N_SHARED - $(echo "$F_BOTH" | wc -w))) $(echo "$F_BOTH" | wc -w)"
}

# check_damaged MODEL: damaged and foreign files, refused whole.
check_damaged() {
    local m=$1 bad="$TEST_TMP/$1.bad"
    reset_stats
    cp "$TEST_TMP/$m.cache.first" "$bad"
    damage_page "$bad"
    cp "$bad" "$bad.before"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$bad" --json
    expect_refused "$m a cache with a damaged page" 2 "is not a usable cache: it is damaged: " "$bad"

    head -c 4096 "$TEST_TMP/$m.cache.first" >"$bad"
    cp "$bad" "$bad.before"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$bad" --json
    expect_refused "$m a cache cut to its first page" 2 "is not a usable cache" "$bad"

    head -c 1000 /dev/zero | tr '\0' 'x' >"$bad"
    cp "$bad" "$bad.before"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$bad" --json
    expect_refused "$m a file of garbage" 2 "is not a usable cache: file is not a database" "$bad"

    printf 'aio-bench cache 1\nkey workload=fetch\nend 0 0000000000000000\n' >"$bad"
    cp "$bad" "$bad.before"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$bad" --json
    expect_refused "$m a cache of the old text format" 2 "file is not a database" "$bad"

    rm -f "$bad"
    sqlite3 "$bad" 'CREATE TABLE results (id, bytes, checksum); INSERT INTO results VALUES (1, 2, 3)'
    cp "$bad" "$bad.before"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$bad" --json
    expect_refused "$m another program's SQLite database" 2 \
        "is an SQLite database of another program (application_id 0, not 1634299714)" "$bad"

    # A file of no bytes is a new database: an empty cache, filled.
    : >"$bad"
    reset_stats
    run_client "$m" fetch -n 3 --url "$SERVER_URL" --cache "$bad" --json
    expect_eq "$m an empty file: used as an empty cache, 3 requests, saved" \
        "$STATUS $(json .cached) $(server_stat .requests) $(cache_ids "$bad")" "0 0 3 1 2 3"
}

# check_forged MODEL: a sound database whose numbers no task could yield.
# Two fetches of 2^63 - 1 bytes each would wrap the run's total of bytes.
check_forged() {
    local m=$1 bad="$TEST_TMP/$1.forged"
    reset_stats
    cp "$TEST_TMP/$m.cache.first" "$bad"
    sqlite3 "$bad" 'UPDATE results SET bytes = 9223372036854775807 WHERE id <= 2'
    cp "$bad" "$bad.before"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$bad" --json
    expect_refused "$m a cache with forged bytes" 2 \
        "is not a usable cache: id 1 has 9223372036854775807 bytes, where a task of this run yields 0 to 17592186044416" "$bad"

    cp "$TEST_TMP/$m.cache.first" "$bad"
    sqlite3 "$bad" 'UPDATE results SET id = 5000000 WHERE id = 3'
    cp "$bad" "$bad.before"
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$bad" --json
    expect_refused "$m a cache with a forged id" 2 "a row has id 5000000, outside 1..1000000" "$bad"
}

# check_not_a_file MODEL: a path that is not a regular file, refused before
# the run; a folder that takes no file (tests may run as root, whom no mode
# bit stops: a folder that does not exist, and /proc).
check_not_a_file() {
    local m=$1 fifo="$TEST_TMP/fifo" entry path name kind
    rm -f "$fifo"
    mkfifo "$fifo"
    reset_stats
    # PATH|NAME|KIND: the path, what the check is called, what the line says it is.
    for entry in "$TEST_TMP|a directory|a directory" "$fifo|a FIFO|a FIFO" \
        "/dev/null|/dev/null|a character device" "/dev/zero|/dev/zero|a character device"; do
        IFS='|' read -r path name kind <<<"$entry"
        run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$path" --json
        expect_refused "$m $name as the cache" 2 "is not a regular file but $kind" /nonexistent
    done
    expect_true "$m the FIFO is still a FIFO" [ -p "$fifo" ]

    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache "$TEST_TMP/no-such-folder/c" --json
    expect_refused "$m a cache in a missing folder" 3 "cannot be written" /nonexistent
    run_client "$m" fetch -n $N --url "$SERVER_URL" --cache /proc/aio-bench.cache --json
    expect_refused "$m a cache under /proc" 3 "cannot be written" /nonexistent
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
    expect_eq "$m killed: no journal or temporary file left" \
        "$(find "$TEST_TMP" -name "$m.kill?*" ! -name "$m.kill.before" | wc -l)" 0
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
    run_client "$m" cook --time-scale 0.001 --dishes "Soup:1,Tea:1" --cache "$cache" --json
    expect_eq "$m cook: other dishes, none cached" "$STATUS $(json .cached)" "0 0"
    run_client "$m" cook --time-scale 0.001 --cache "$cache" --json
    expect_eq "$m cook: the first dishes still cached" "$STATUS $(json .cached)" "0 3"

    rm -f "$cache"
    run_client "$m" cpu -n 4 --rounds 10 --cache "$cache" --json
    sum=$(json .checksum)
    run_client "$m" cpu -n 4 --rounds 10 --cache "$cache" --json
    expect_eq "$m cpu: rerun cached 4, same checksum" \
        "$STATUS $(json .cached) $(json .checksum)" "0 4 $sum"
    run_client "$m" cpu -n 4 --rounds 11 --cache "$cache" --json
    expect_eq "$m cpu: other rounds, none cached" "$STATUS $(json .cached)" "0 0"
    expect_eq "$m cpu: both keys' rows in the file" "$(cache_keys "$cache")" \
        "workload=cpu rounds=10=4;workload=cpu rounds=11=4"
}

FULL_CHECKSUM=$("$BIN/expected_checksum" fetch $N)
start_server --latency-ms 0 || exit 1
for m in $(models); do
    check_fresh_and_rerun "$m"
    check_other_options "$m"
    check_damaged "$m"
    check_forged "$m"
    check_not_a_file "$m"
    check_killed "$m"
    check_interrupted "$m"
    check_local_workloads "$m"
done

# Two servers that fail different ids (F1, F2), and both some (F_BOTH).
N_SHARED=12
start_server --latency-ms 0 --fail-rate 0.5 --fail-times 0 --seed 11 || exit 1
start_server2 --latency-ms 0 --fail-rate 0.5 --fail-times 0 --seed 12 || exit 1
F1=$(failing_ids $N_SHARED)
F2=$(curl -s --max-time 5 "$SERVER2_URL/faults?count=$N_SHARED" | jq -r 'map(tostring) | join(" ")')
F_BOTH=$(except_ids "$F1" "$(except_ids "$F1" "$F2")")
expect_true "each server fails ids the other does not" \
    [ -n "$(except_ids "$F1" "$F2")" ] && [ -n "$(except_ids "$F2" "$F1")" ]
for m in $(models); do
    check_shared "$m"
done
stop_server2

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
