#!/usr/bin/env bash
# test_cpu.sh: when async does not pay: computing, and blocking the loop.
#
# The cpu workload computes the same bytes in every model and mode (the
# checksum says so). Threads, and a loop that offloads to libuv's pool,
# compute several tasks at once: their tasks overlap in the trace, and
# more than one thread of the process computes. On the loop's one thread
# (and in sync) the work is serial: no two tasks overlap, the wall time is
# at least the CPU time, and the loop is busy nearly all the time.
# --blocking-process holds the loop: no two items' processing overlaps, and
# the loop's lag is at least the pause. Every check is about what happened,
# never how fast: other processes may take every core while it runs.
. "$(dirname "$0")/../lib.sh"

N=8
ROUNDS=8000

loop_models() {
    models | grep -E '^async_(uv|coro)$'
}

# cpu_time: the last run's user + sys, in ms.
cpu_time() {
    jq -r '.user_ms + .sys_ms' "$TEST_TMP/out"
}

# close_ends P TRACE: how many tasks ended less than P ms after the one
# before (the trace keeps 3 decimals: 0.01 ms of slack).
close_ends() {
    awk -F, 'NR > 1 { print $5 }' "$2" | sort -g |
        awk -v p="$1" 'NR > 1 && $1 - last < p - 0.01 { n++ } { last = $1 } END { print n + 0 }'
}

# overlaps TRACE: true when two tasks of the trace were under way at the
# same moment (one began before another ended).
overlaps() {
    awk -F, 'NR > 1 { print $3, $5 }' "$1" | sort -g |
        awk 'NR > 1 && $1 < last_end { found = 1 } $2 > last_end { last_end = $2 }
             END { exit !found }'
}

# not COMMAND...: true when the command fails.
not() {
    ! "$@"
}

# threads_computed PID TICKS: how many threads of the process, other than
# its first (main, or the loop), have used TICKS clock ticks of CPU time or
# more so far (/proc/PID/task/TID/stat: utime and stime, fields 14 and 15).
threads_computed() {
    local pid=$1 ticks=$2 stat n=0
    for stat in /proc/"$pid"/task/*/stat; do
        [ "$stat" = "/proc/$pid/task/$pid/stat" ] && continue
        # The name, field 2, is in parentheses and may hold spaces.
        sed 's/^.*) //' "$stat" 2>/dev/null |
            awk -v t="$ticks" '{ exit !($12 + $13 >= t) }' && n=$((n + 1))
    done
    echo "$n"
}

# computing_on PID N: N or more threads besides the first have computed
# (10 ticks each: 0.1 s at the usual 100 per second).
computing_on() {
    [ "$(threads_computed "$1" 10)" -ge "$2" ]
}

# holds EXPR: awk evaluates a comparison of numbers; true when it holds.
holds() {
    awk "BEGIN { exit !($1) }"
}

expected=$("$BIN/expected_checksum" cpu $N $ROUNDS)
for m in $(models); do
    for mode in "" --offload; do
        [ -n "$mode" ] && ! loop_models | grep -qx "$m" && continue
        rm -f "$TEST_TMP/cpu.csv"
        run_client "$m" cpu -n $N --rounds $ROUNDS $mode --json --trace "$TEST_TMP/cpu.csv"
        expect_eq "$m cpu $mode: exit 0, $N ok, the same checksum as every model" \
            "$STATUS $(json .ok) $(json .checksum)" "0 $N $expected"
        if [ "$m" = async_threads ] || [ -n "$mode" ]; then
            expect_true "$m cpu $mode: tasks computed at the same time (two overlap in the trace)" \
                overlaps "$TEST_TMP/cpu.csv"
        else
            expect_true "$m cpu: one task at a time (no two overlap in the trace)" \
                not overlaps "$TEST_TMP/cpu.csv"
            # One thread cannot use more CPU time than wall time; 5% and
            # 5 ms allow for the two clocks' readings. (Other processes only
            # make the CPU time smaller.)
            wall=$(json .wall_ms) cpu=$(cpu_time)
            expect_true "$m cpu: in turn, wall time ($wall ms) is at least CPU time ($cpu ms)" \
                holds "$wall * 1.05 + 5 >= $cpu"
        fi
        if loop_models | grep -qx "$m"; then
            busy=$(jq -r '.loop_busy | numbers' "$TEST_TMP/out")
            expect_true "$m cpu $mode: loop_busy reported ($busy)" [ -n "$busy" ]
            if [ -n "$mode" ]; then
                expect_true "$m cpu $mode: the loop mostly waits (busy $busy)" holds "$busy < 0.5"
            else
                expect_true "$m cpu: the loop is busy nearly all the time ($busy)" holds "$busy > 0.9"
            fi
        else
            expect_eq "$m cpu: no loop, no loop keys" "$(json '.loop_busy // "absent"')" absent
        fi
    done
done

start_server --latency-ms 200 --threads 64 || exit 1
P=100
for m in $(loop_models); do
    trace="$TEST_TMP/process.csv"
    rm -f "$trace"
    run_client "$m" fetch -n 10 --process-ms $P --url "$SERVER_URL" --json --trace "$trace"
    expect_eq "$m fetch --process-ms: exit 0" "$STATUS" 0
    busy=$(jq -r '.loop_busy | numbers' "$TEST_TMP/out")
    expect_true "$m fetch that only waits: the loop is mostly idle (busy $busy)" \
        holds "\"$busy\" != \"\" && $busy < 0.5"
    # The pauses overlap: tasks end less than P apart.
    expect_true "$m fetch --process-ms: the pauses overlap" [ "$(close_ends $P "$trace")" -gt 0 ]

    rm -f "$trace"
    run_client "$m" fetch -n 10 --process-ms $P --blocking-process --url "$SERVER_URL" --json \
        --trace "$trace"
    expect_eq "$m --blocking-process: exit 0" "$STATUS" 0
    # Each task's pause is the last P ms before its end: serial pauses end
    # at least P apart.
    expect_eq "$m --blocking-process: no two pauses overlap (ends at least $P ms apart)" \
        "$(close_ends $P "$trace")" 0
    # The lag timer is due 10 ms after it last fired, so a block of P ms
    # shows as at least P - 10 ms of lag (here the ten answers arrive
    # together and their blocks follow one another: far more).
    lag=$(jq -r '.loop_lag_max_ms | numbers' "$TEST_TMP/out")
    expect_true "$m --blocking-process: the loop was held at least $((P - 10)) ms ($lag ms)" \
        holds "\"$lag\" != \"\" && $lag >= $P - 10"
done

# ---- Ctrl-C while computing: the work stops within its rounds ----

# 4 tasks of 100 million rounds (minutes of work): Ctrl-C once each has
# begun. A thread, libuv's pool under --offload, and a loop computing on its
# own thread see the run cancelled every 256 rounds: the signal's handler
# sets the flag they read, whichever thread it interrupts. On the loop's
# thread the tasks run one after another: one has begun, the other three
# never start. interrupt waits 10 s at most: a run that did not hear the
# Ctrl-C is killed then, and fails the check.
for m in $(models); do
    modes=plain
    loop_models | grep -qx "$m" && modes="on-the-loop --offload"
    for mode in $modes; do
        flag="" what="$m cpu $mode"
        [ "$mode" = --offload ] && flag=--offload
        [ "$mode" = plain ] && what="$m cpu"
        started=4
        [ "$m" = sync ] || [ "$mode" = on-the-loop ] && started=1
        rm -f "$TEST_TMP/int.err" "$TEST_TMP/int.csv"
        # shellcheck disable=SC2086
        "$BIN/$m" cpu -n 4 --rounds 100000000 $flag -v \
            --trace "$TEST_TMP/int.csv" >"$TEST_TMP/int.out" 2>"$TEST_TMP/int.err" &
        pid=$!
        expect_true "$what: $started task(s) computing" \
            wait_for lines_at_least "$started" 'start (attempt 1)' "$TEST_TMP/int.err"
        # The pool's threads, not the first thread, do the work: two of
        # them have computed by now. (Waiting up to 10 s for 0.1 s of CPU
        # time each leaves room for other processes that take the cores.)
        if [ "$m" = async_threads ] || [ -n "$flag" ]; then
            expect_true "$what: two threads of the pool computed" \
                wait_for computing_on "$pid" 2
        fi
        interrupt "$pid"
        expect_eq "$what, Ctrl-C: exit 130, $started cancelled while computing" \
            "$STATUS $(grep -c ',cancelled,"cancelled while computing"$' "$TEST_TMP/int.csv")" \
            "130 $started"
        expect_eq "$what, Ctrl-C: the other $((4 - started)) never started, none completed" \
            "$(grep -c ',cancelled,"cancelled before it started"$' "$TEST_TMP/int.csv") $(trace_ids completed "$TEST_TMP/int.csv")" \
            "$((4 - started)) "
    done
done

# ---- Every new option refuses a bad value with one line and exit 2 ----

for args in "cpu --rounds -1" "cpu --rounds abc" "cpu --rounds 100000001" \
            "fetch --process-cpu-ms 3600001" "fetch --process-cpu-ms x"; do
    option=$(echo "$args" | grep -o -- '--[a-z-]*')
    for m in $(models); do
        # shellcheck disable=SC2086
        run_client "$m" $args
        expect_eq "$m $args: exit 2, one line naming the option" \
            "$STATUS $(wc -l <"$TEST_TMP/err") $(grep -c -- "$option: " "$TEST_TMP/err")" "2 1 1"
    done
done
for m in $(models); do
    if loop_models | grep -qx "$m"; then
        run_client "$m" cpu --offload=yes
        expect_eq "$m --offload=yes: a flag takes no value, exit 2" "$STATUS" 2
    else
        for flag in --offload --blocking-process; do
            run_client "$m" cpu $flag
            expect_eq "$m $flag: not an option of this model, exit 2" "$STATUS" 2
        done
    fi
done
