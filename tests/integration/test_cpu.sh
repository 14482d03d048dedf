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
# never how fast: other processes may take every core while it runs. Ctrl-C
# while computing, on a thread, on the loop and offloaded, is
# test_interrupt.sh's, with Ctrl-C in every other state.
. "$(dirname "$0")/../lib.sh"

N=8
ROUNDS=8000

loop_models() {
    models | grep -E '^async_(uv|coro|uring)$'
}

# offload_models: the loop models with a pool to offload to (libuv's);
# async_uring has none, and refuses --offload (test_async_uring.sh).
offload_models() {
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

# holds EXPR: awk evaluates a comparison of numbers; true when it holds.
holds() {
    awk "BEGIN { exit !($1) }"
}

expected=$("$BIN/expected_checksum" cpu $N $ROUNDS)
for m in $(models); do
    for mode in "" --offload; do
        [ -n "$mode" ] && ! offload_models | grep -qx "$m" && continue
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
    if offload_models | grep -qx "$m"; then
        run_client "$m" cpu --offload=yes
        expect_eq "$m --offload=yes: a flag takes no value, exit 2" "$STATUS" 2
        continue
    fi
    flags=--offload
    loop_models | grep -qx "$m" || flags+=" --blocking-process"
    for flag in $flags; do
        run_client "$m" cpu $flag
        expect_eq "$m $flag: not an option of this model, exit 2" "$STATUS" 2
    done
done
