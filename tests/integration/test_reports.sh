#!/usr/bin/env bash
# test_reports.sh: what a run says about itself, against what it recorded.
#
# tests/tools/check_report.py recomputes every figure of a summary from the
# same run's trace, by the definitions of docs/summary.md: the counts, the
# failures by cause, the retries and bytes, the percentiles of the task
# times (the nearest rank), the checksum, the concurrency against the most
# tasks the trace shows running at once and --concurrency, the pool against
# the threads of --trace-events, and the progress lines a terminal showed.
# Each model runs fetch with failures and with retries, cook with task times
# far apart (a percentile one rank off is off by a whole dish), a fresh run
# and a rerun from --cache, and a run stopped by Ctrl-C; the table for people
# is checked as the JSON is, and against the JSON of the same command. The
# pool sizes are held to the threads /proc shows. The Python client, which
# writes no trace, is held to its --verbose log, and its percentile function
# to the nearest rank.
. "$(dirname "$0")/../lib.sh"

REPORT=tests/tools/check_report.py
N=20
DISHES="a:11,b:10,c:9,d:8,e:7,f:6,g:5,h:4,i:3,j:2,k:1"   # 11 dishes, no two alike

# check_report WHAT ARGS...: check_report.py, given ARGS, finds nothing in
# the summary that the records do not say.
check_report() {
    local what=$1 out status
    shift
    out=$(/usr/bin/python3 "$REPORT" "$@" 2>&1)
    status=$?
    if [ "$status" = 0 ] && [ -z "$out" ]; then
        pass "$what"
    else
        fail "$what: exit $status: $(echo "$out" | paste -sd ';' | cut -c1-600)"
    fi
}

# on_terminal OUT TTY CLIENT ARGS...: runs the client with stderr on a
# terminal (script(1)), stdout to OUT, what the terminal showed to TTY.
on_terminal() {
    local out=$1 tty=$2 program="$BIN/$3"
    shift 3
    timeout -s KILL "$CLIENT_TIMEOUT" script -qec "$program $* >$out" /dev/null >"$tty"
    STATUS=$?
}

# threads_of PID: how many threads the process has now.
threads_of() {
    find "/proc/$1/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l
}

# has_pool PID: the process has more than its main thread.
has_pool() {
    [ "$(threads_of "$1")" -gt 1 ]
}

# most_threads PID: the most threads seen in ten looks a tenth of a second
# apart, once the process has more than its main thread.
most_threads() {
    local pid=$1 most=0 n
    wait_for has_pool "$pid" || { echo 0; return; }
    for _ in $(seq 10); do
        n=$(threads_of "$pid")
        [ "$n" -gt "$most" ] && most=$n
        sleep 0.1
    done
    echo "$most"
}

# check_fetch MODEL: failures, then retries, as JSON and as a table.
check_fetch() {
    local m=$1 c t="$TEST_TMP/trace.csv" e="$TEST_TMP/events.json"
    c=$(window_of "$m" 4)

    reset_stats
    run_client "$m" fetch -n $N --concurrency "$c" --url "$SERVER_URL" --json --trace "$t" \
        --trace-events "$e"
    expect_eq "$m fetch with failures: exit 1" "$STATUS" 1
    check_report "$m fetch, --concurrency $c, failures: the JSON is what the trace says" \
        "$TEST_TMP/out" --trace "$t" --trace-events "$e" --concurrency "$c"

    reset_stats
    run_client "$m" fetch -n $N --retries 1 --backoff-ms 5 --url "$SERVER_URL" --json --trace "$t"
    cp "$TEST_TMP/out" "$TEST_TMP/retried.json"
    expect_eq "$m fetch retried: exit 0, some retries" "$STATUS $(json '.retries > 0')" "0 true"
    check_report "$m fetch, every task at once, retries: the JSON is what the trace says" \
        "$TEST_TMP/out" --trace "$t"
    reset_stats
    run_client "$m" fetch -n $N --retries 1 --backoff-ms 5 --url "$SERVER_URL" --trace "$t"
    check_report "$m fetch, retries: the table is what the trace says" "$TEST_TMP/out" --trace "$t"
    check_report "$m fetch, retries: the table says what the JSON of the same command says" \
        "$TEST_TMP/out" --same "$TEST_TMP/retried.json"
}

# check_cook MODEL: task times 10 ms apart, so every percentile is its own dish.
check_cook() {
    local m=$1 c t="$TEST_TMP/trace.csv" e="$TEST_TMP/events.json"
    c=$(window_of "$m" 3)

    run_client "$m" cook --dishes "$DISHES" --time-scale 0.01 --concurrency "$c" --json \
        --trace "$t" --trace-events "$e"
    cp "$TEST_TMP/out" "$TEST_TMP/cook.json"
    check_report "$m cook, --concurrency $c: the JSON is what the trace says" \
        "$TEST_TMP/out" --trace "$t" --trace-events "$e" --concurrency "$c"
    run_client "$m" cook --dishes "$DISHES" --time-scale 0.01 --concurrency "$c" --trace "$t"
    check_report "$m cook: the table is what the trace says" "$TEST_TMP/out" --trace "$t"
    check_report "$m cook: the table says what the JSON says" "$TEST_TMP/out" --same "$TEST_TMP/cook.json"
}

# check_cache MODEL: a fresh run with failures and a rerun from its cache,
# one task at a time, on a terminal: the progress lines too; then a rerun
# with two tasks more than the cache holds, under a wider --concurrency.
check_cache() {
    local m=$1 t="$TEST_TMP/trace.csv" e="$TEST_TMP/events.json" cache="$TEST_TMP/$1.db" ok
    local args="fetch -n 16 --concurrency 1 --url $SERVER_URL --cache $cache --trace $t"

    rm -f "$cache"
    reset_stats
    on_terminal "$TEST_TMP/out" "$TEST_TMP/tty" "$m" "$args --json"
    ok=$(json .ok)
    expect_eq "$m fresh run: exit 1, some failed, progress shown twice or more" \
        "$STATUS $([ "$ok" -lt 16 ] && echo some) $([ "$(grep -c 'tasks done' "$TEST_TMP/tty")" -ge 2 ] && echo yes)" \
        "1 some yes"
    check_report "$m fresh run on a terminal: the JSON and the progress lines are what the trace says" \
        "$TEST_TMP/out" --trace "$t" --progress "$TEST_TMP/tty" --concurrency 1

    on_terminal "$TEST_TMP/out" "$TEST_TMP/tty" "$m" "$args --trace-events $e"
    expect_eq "$m rerun: exit 0, progress shown" \
        "$STATUS $([ "$(grep -c 'tasks done' "$TEST_TMP/tty")" -ge 1 ] && echo yes)" "0 yes"
    check_report "$m rerun from the cache on a terminal: the table and the progress lines are what the trace says" \
        "$TEST_TMP/out" --trace "$t" --trace-events "$e" --progress "$TEST_TMP/tty" --concurrency 1
    expect_eq "$m rerun: the first run's $ok completed tasks are cached" \
        "$(awk -F, 'NR > 1 && $2 == "cached"' "$t" | wc -l)" "$ok"

    run_client "$m" fetch -n 18 --concurrency "$(window_of "$m" 10)" --url "$SERVER_URL" \
        --cache "$cache" --json --trace "$t" --trace-events "$e"
    expect_eq "$m rerun with 2 new tasks: exit 0, 16 cached" "$STATUS $(json .cached)" "0 16"
    check_report "$m rerun with 2 new tasks and --concurrency $(window_of "$m" 10): the JSON is what the trace says" \
        "$TEST_TMP/out" --trace "$t" --trace-events "$e" --concurrency "$(window_of "$m" 10)"
}

# check_interrupted MODEL: Ctrl-C while cooking: tasks cancelled in flight
# and before they began.
check_interrupted() {
    local m=$1 c t="$TEST_TMP/trace.csv" e="$TEST_TMP/events.json"
    c=$(window_of "$m" 2)

    rm -f "$t" "$TEST_TMP/err"
    "$BIN/$m" cook --dishes "Stew:30,Soup:30,Rice:30,Tea:30" --concurrency "$c" --json \
        --trace "$t" --trace-events "$e" >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
    local pid=$!
    expect_true "$m Ctrl-C: cooking has begun" wait_for grep -q 'Starting to prepare' "$TEST_TMP/err"
    interrupt "$pid"
    expect_eq "$m Ctrl-C: exit 130, cancelled" "$STATUS $(json .cancelled)" "130 true"
    check_report "$m Ctrl-C: the JSON is what the trace says" \
        "$TEST_TMP/out" --trace "$t" --trace-events "$e" --concurrency "$c"
}

# check_pool MODEL: the pool the summary reports against the threads the
# process has: a pool of 3 (async_threads, which has no other thread in
# cook), libuv's of 3 and of 1 (UV_THREADPOOL_SIZE=0: libuv takes 1) for the
# loop models, which have no other thread when they offload cpu.
check_pool() {
    local m=$1 run env
    case $m in
        async_threads) set -- "cook --dishes Stew:30,Soup:30,Rice:30,Tea:30 --concurrency 3" ;;
        async_uv | async_coro)
            set -- "cpu -n 4 --rounds 5000000 --offload --uv-threadpool 3" \
                   "UV_THREADPOOL_SIZE=0 cpu -n 4 --rounds 5000000 --offload" ;;
        *) return 0 ;;
    esac
    for run in "$@"; do
        env=
        case $run in UV_*) env=${run%% *}; run=${run#* } ;; esac
        # shellcheck disable=SC2086
        env $env "$BIN/$m" $run --json >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
        local pid=$! most
        most=$(most_threads "$pid")
        interrupt "$pid"
        check_report "$m${env:+ $env} $run: the pool reported is the threads the process had ($most)" \
            "$TEST_TMP/out" --threads "$most"
    done
}

start_server --latency-ms 5 --jitter-ms 20 --threads 128 --fail-rate 0.3 --fail-times 1 --seed 3 || exit 1
for m in $(models); do
    check_fetch "$m"
    check_cook "$m"
    check_interrupted "$m"
    check_pool "$m"
done

# ---- The Python client: no trace, so its log; and its percentile ----
if [ "$BIN" = bin ]; then
    check_report "python_asyncio: percentile() is the nearest rank" --percentile-of "$PEERS/python_asyncio"
    reset_stats
    run_client python_asyncio fetch -n $N --concurrency 4 --url "$SERVER_URL" --json -v
    expect_eq "python_asyncio fetch with failures: exit 1" "$STATUS" 1
    check_report "python_asyncio fetch, --concurrency 4, failures: the JSON is what its log says" \
        "$TEST_TMP/out" --log "$TEST_TMP/err" --concurrency 4
    reset_stats
    run_client python_asyncio fetch -n $N --retries 1 --backoff-ms 100 --url "$SERVER_URL" --json -v
    expect_eq "python_asyncio fetch retried: exit 0, some retries" "$STATUS $(json '.retries > 0')" "0 true"
    check_report "python_asyncio fetch, every task at once, retries: the JSON is what its log says" \
        "$TEST_TMP/out" --log "$TEST_TMP/err"
    cp "$TEST_TMP/out" "$TEST_TMP/peer.json"
    reset_stats
    run_client python_asyncio fetch -n $N --retries 1 --backoff-ms 100 --url "$SERVER_URL" -v
    check_report "python_asyncio fetch, retries: the table is what its log says" \
        "$TEST_TMP/out" --log "$TEST_TMP/err"
    check_report "python_asyncio: the table says what the JSON of the same command says" \
        "$TEST_TMP/out" --same "$TEST_TMP/peer.json"
fi

# One task at a time, 250 ms each, about half failing once: a fresh run of
# 16 lasts 4 s (progress lines at 1 s and 2 s at least), its rerun 2 s.
start_server --latency-ms 250 --threads 128 --fail-rate 0.5 --fail-times 1 --seed 5 || exit 1
for m in $(models); do
    check_cache "$m"
done
