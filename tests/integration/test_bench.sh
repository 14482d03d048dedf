#!/usr/bin/env bash
# test_bench.sh: the benchmark runner end to end, on its tiny plan.
#
# scripts/bench.py --tiny runs every model built in $BIN on every workload
# and sweep with counts of a few and latencies of 10 ms, into $TEST_TMP. The
# checks: the files it must leave, runs.csv's columns and ideal values, the
# skip rule, "When async does not pay" (a run for each model that takes the
# flags and none for the others, cpu's checksums, the loop's health only
# from the loop models), REPORT.md's numbers against runs.csv, valid PNG
# charts, the server stopped; the reference clients' records in
# reference.json and the Targets judged from them and from the count sweep's
# slopes; the reference clients beside the models (python_asyncio and
# curl_parallel: their rows, marked as references in the report, the claim
# tested with python's times, never counted among the models); an
# interrupted run that leaves the old results alone; and the reference step
# failing (an error, exit 1) and skipped (said why), with python3-aiohttp
# missing (simulated: a Python whose import of aiohttp fails) at the same time.
# The untimed step: syscalls.csv, threads.csv and the report's section for
# every model; and an async_uring that cannot set up here (a fake that exits
# 3 with its reason) left out of every run, its reason in meta.json, stderr
# and REPORT.md, the rest of the bench going on.
. "$(dirname "$0")/../lib.sh"

BENCH="$(dirname "$0")/../../scripts/bench.py"
OUT="$TEST_TMP/results"
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
# runs.csv's columns, as the schema defines them (scripts/aiobench/schema.py;
# tests/python/test_schema.py pins them to the committed run's).
COLUMNS_EXPECTED=$(cd "$(dirname "$0")/../../scripts" &&
    /usr/bin/python3 -B -c 'from aiobench.schema import RUN_FIELDS; print(",".join(RUN_FIELDS))')
# The models on one loop: they report its health and take --blocking-process;
# of them, those with a pool to compute on take --offload and --uv-threadpool.
LOOP_MODELS="async_uv async_coro async_uring"
OFFLOAD_MODELS="async_uv async_coro"
# The models the bench runs (scripts/aiobench/models.py), those built in $BIN.
BENCH_MODELS=$(cd "$(dirname "$0")/../../scripts" &&
    /usr/bin/python3 -B -c 'from aiobench.models import MODELS; print(*MODELS)')
built_models() {
    local m
    for m in $BENCH_MODELS; do
        [ -x "$BIN/$m" ] && echo "$m"
    done
}
CPU_N=4 CPU_ROUNDS=2000             # the tiny plan's cpu runs
CPU="cpu -n $CPU_N --rounds $CPU_ROUNDS"

[ -n "$(built_models)" ] || exit 0

# bench ARGS...: runs the runner on $BIN, bounded in time; sets STATUS.
bench() {
    timeout -s KILL "$BENCH_TIMEOUT" python3 "$BENCH" --bin "$BIN" --server-bin "$SERVER_BIN" "$@" \
        >"$TEST_TMP/bench.out" 2>"$TEST_TMP/bench.err"
    STATUS=$?
}

# column NAME: the index (1-based) of a runs.csv column.
column() {
    head -1 "$OUT/runs.csv" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1
}

# rows_where AWK_CONDITION: runs.csv rows (no header) matching a condition
# on the variables model, workload, count, latency, window, ideal, status,
# args, wall, pause and busy (process_ms, process_cpu_ms), loop (loop_busy,
# loop_lag_p99_ms and loop_lag_max_ms, comma-separated), and w: the window
# asked for, or count when none was.
rows_where() {
    awk -F, -v cm="$(column model)" -v cw="$(column workload)" -v cn="$(column count)" \
        -v cl="$(column latency_ms)" -v cc="$(column concurrency)" -v ci="$(column ideal_ms)" \
        -v cs="$(column status)" -v ca="$(column args)" -v cwall="$(column wall_ms)" \
        -v cp="$(column process_ms)" -v cb="$(column process_cpu_ms)" \
        -v clb="$(column loop_busy)" -v clp="$(column loop_lag_p99_ms)" \
        -v clm="$(column loop_lag_max_ms)" "
        NR > 1 { model = \$cm; workload = \$cw; count = \$cn; latency = \$cl; window = \$cc;
                 ideal = \$ci; status = \$cs; args = \$ca; wall = \$cwall
                 pause = \$cp; busy = \$cb; loop = \$clb \",\" \$clp \",\" \$clm
                 w = (args ~ /--concurrency/) ? window : count }
        NR > 1 && ($1) { print }" "$OUT/runs.csv"
}

# cell ARGS MODEL COLUMN: a column of MODEL's (first) row run with ARGS.
cell() {
    rows_where "model == \"$2\" && args == \"$1\"" | head -1 | cut -d, -f"$(column "$3")"
}

# is_loop MODEL: true for the models on one loop (its health, --blocking-process).
is_loop() {
    case " $LOOP_MODELS " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

# offloads MODEL: true for the loop models that compute on a pool (--offload).
offloads() {
    case " $OFFLOAD_MODELS " in *" $1 "*) return 0 ;; *) return 1 ;; esac
}

# near A B: true when two numbers agree to 1 part in 10,000 (ideal_ms is
# written with 6 significant digits).
near() {
    awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-4 * (b < 0 ? -b : b) + 1e-9) }'
}

# fmt_time MS: the report's time format (aiobench/report/words.py fmt_time).
fmt_time() {
    awk -v ms="$1" 'BEGIN {
        if (ms < 1) printf "%.2f ms", ms
        else if (ms < 999.5) printf "%.3g ms", ms
        else if (ms < 99950) printf "%.3g s", ms / 1000
        else printf "%.0f s", ms / 1000 }'
}

# is_png FILE: the PNG signature and a picture of at least 400x300 pixels.
is_png() {
    [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || return 1
    local width height
    width=$(od -An -tu4 --endian=big -j16 -N4 "$1" | tr -d ' ')
    height=$(od -An -tu4 --endian=big -j20 -N4 "$1" | tr -d ' ')
    [ "$width" -ge 400 ] && [ "$height" -ge 300 ]
}

# ---- A whole tiny bench, over results left by an "earlier run" ----

mkdir -p "$OUT/charts"
echo "old report" >"$OUT/REPORT.md"
echo "stale" >"$OUT/charts/stale.png"
echo "not the runner's" >"$OUT/README.keep"

bench --tiny --out "$OUT"
expect_eq "bench --tiny: exit 0" "$STATUS" 0
[ "$STATUS" -eq 0 ] || sed 's/^/#   /' "$TEST_TMP/bench.err" | tail -20
expect_true "bench: progress shows run k of n and the time left" \
    grep -Eq '\[ *1/[0-9]+\] 0:0[0-9] elapsed, about [0-9]+:[0-9]{2} left' "$TEST_TMP/bench.err"

for file in REPORT.md runs.csv meta.json; do
    expect_true "bench: wrote $file" test -s "$OUT/$file"
done
expect_true "bench: replaced the old REPORT.md" grep -q '^# Benchmark report' "$OUT/REPORT.md"
expect_true "bench: replaced the old charts folder" test ! -e "$OUT/charts/stale.png"
expect_true "bench: left other files alone" test -e "$OUT/README.keep"
expect_eq "bench: no work folder left" "$(find "$OUT" -name '.tmp-bench-*' | wc -l)" 0
# The models that ran: every one built, but one that cannot set up here
# (async_uring without io_uring), said in meta.json with its reason.
RAN_MODELS=$(jq -r '.models[]' "$OUT/meta.json" | xargs)
expect_eq "meta.json: the models that ran are those built, less those said unavailable" \
    "$RAN_MODELS" "$(for m in $(built_models); do
        jq -e --arg m "$m" '.models_unavailable | has($m)' "$OUT/meta.json" >/dev/null || echo "$m"
    done | xargs)"

# ---- runs.csv ----

expect_eq "runs.csv: the header" "$(head -1 "$OUT/runs.csv")" "$COLUMNS_EXPECTED"
expect_eq "runs.csv: every row has every column" \
    "$(awk -F, -v n="$(echo "$COLUMNS_EXPECTED" | tr ',' '\n' | wc -l)" \
        'NF != n { bad++ } END { print bad + 0 }' "$OUT/runs.csv")" 0
for m in $RAN_MODELS; do
    expect_true "runs.csv: has rows of $m" test -n "$(rows_where "model == \"$m\"")"
    expect_eq "runs.csv: every $m run exited 0" "$(rows_where "model == \"$m\" && status != 0" | wc -l)" 0
done
# The memory facts: a model's fetch rows carry each key its fetch summary
# has (asked here of a fetch of its own), and leave it empty without it.
start_server --latency-ms 0 --threads 16 || exit 1
for m in $RAN_MODELS; do
    run_client "$m" fetch -n 2 --url "$SERVER_URL" --json
    for key in stack_touched_avg_kb task_state_bytes; do
        fetches=$(rows_where "model == \"$m\" && workload == \"fetch\"" | wc -l)
        empty=$(rows_where "model == \"$m\" && workload == \"fetch\" && \$$(column $key) == \"\"" |
                wc -l)
        if [ "$(json "has(\"$key\")")" = true ]; then
            expect_eq "runs.csv: each of $m's $fetches fetch rows has the $key its summary has" \
                "$empty" 0
        else
            expect_eq "runs.csv: $m's summary has no $key: its fetch rows leave it empty" \
                "$empty" "$fetches"
        fi
    done
done
stop_server
expect_eq "runs.csv: every fetch row has the server's max_in_flight" \
    "$(rows_where "workload == \"fetch\" && \$$(column server_max_in_flight) == \"\"" | wc -l)" 0

# The ideals: their formulas are unit-tested (tests/python/test_ideal.py);
# here, each row carries the ideal meta.json records for its run, and cook's
# follows the dishes the programs' --help gives (3, 2 and 1 s, x 0.01).
expect_eq "ideal: every row's ideal_ms is the one meta.json records for its model and args" \
    "$(/usr/bin/python3 - "$OUT" <<'EOF'
import csv, json, sys
meta = json.load(open(sys.argv[1] + "/meta.json"))
recorded = {(m, e["args"]): e["ideal_ms"] for g in meta["groups"] for p in g["points"]
            for m, e in p["models"].items()}
bad = 0
for row in csv.DictReader(open(sys.argv[1] + "/runs.csv")):
    ideal = recorded[(row["model"], row["args"])]
    if (row["ideal_ms"] == "") != (ideal is None) or \
            (ideal is not None and abs(float(row["ideal_ms"]) - ideal) > 1e-4 * ideal):
        bad += 1
print(bad)
EOF
)" 0
for m in $RAN_MODELS; do
    expect_eq "ideal: $m cook is $([ "$m" = sync ] && echo "the sum of the dishes" || echo "the longest dish")" \
        "$(rows_where "model == \"$m\" && workload == \"cook\"" | head -1 | cut -d, -f"$(column ideal_ms)")" \
        "$([ "$m" = sync ] && echo 60 || echo 30)"
done

# The skip rule: sync's 60 x 10 ms (0.6 s) is over the tiny plan's 0.5 s.
if [ -x "$BIN/sync" ]; then
    expect_eq "skip rule: sync fetch -n 60 was not run" \
        "$(rows_where 'model == "sync" && count == 60' | wc -l)" 0
    expect_eq "skip rule: meta.json says why, with its ideal" \
        "$(jq -r '[.groups[] | select(.name == "count") | .points[] | select(.value == 60) |
                  .models.sync | (.ideal_ms | tostring) + " " + (.skipped | test("limit") | tostring)][0]' \
            "$OUT/meta.json")" "600 true"
fi

# ---- When async does not pay: cpu, processing per item, the loop's health ----

CORES=$(jq -r '.machine.cores' "$OUT/meta.json")
FETCH="fetch -n 5 --latency-ms 10"   # the tiny plan's processing runs: N 5, L 10, P 5
min() { echo $(($1 < $2 ? $1 : $2)); }
for m in $RAN_MODELS; do
    for args in "$CPU" "$FETCH --process-ms 5" "$FETCH --process-cpu-ms 5"; do
        expect_true "runs.csv: $m ran '$args'" test -n "$(cell "$args" "$m" wall_ms)"
    done
    if is_loop "$m"; then
        expect_true "runs.csv: $m ran '$FETCH --process-ms 5 --blocking-process'" \
            test -n "$(cell "$FETCH --process-ms 5 --blocking-process" "$m" wall_ms)"
    else
        expect_eq "runs.csv: no --blocking-process row of $m, which does not take it" \
            "$(rows_where "model == \"$m\" && args ~ /--blocking-process/" | wc -l)" 0
    fi
    if offloads "$m"; then
        for t in 1 2 4; do
            expect_true "runs.csv: $m's cpu thread sweep ran --offload --uv-threadpool $t" \
                test -n "$(cell "$CPU --offload --uv-threadpool $t" "$m" wall_ms)"
        done
    else
        expect_eq "runs.csv: no --offload or --uv-threadpool row of $m, which does not take them" \
            "$(rows_where "model == \"$m\" && args ~ /--offload|--uv-threadpool/" | wc -l)" 0
    fi
done
if [ -x "$BIN/async_threads" ]; then
    for t in 1 2 4; do
        expect_true "runs.csv: async_threads' cpu thread sweep ran --concurrency $t" \
            test -n "$(cell "$CPU --concurrency $t" async_threads wall_ms)"
    done
fi
if [ -x "$BIN/sync" ]; then
    expect_eq "runs.csv: sync's cpu ran once, its thread sweep being its headline run" \
        "$(rows_where "model == \"sync\" && workload == \"cpu\" && count == $CPU_N" | wc -l)" 1
fi
expect_eq "runs.csv: every cpu row has --rounds $CPU_ROUNDS" \
    "$(rows_where "workload == \"cpu\" && \$$(column rounds) != $CPU_ROUNDS" | wc -l)" 0
expect_eq "cpu: one checksum across models and modes, the computed one" \
    "$(rows_where "workload == \"cpu\" && count == $CPU_N" | cut -d, -f"$(column checksum)" | sort -u |
        tr '\n' ' ')" "$("$BIN/expected_checksum" cpu $CPU_N $CPU_ROUNDS) "
for m in $RAN_MODELS; do
    if is_loop "$m"; then
        expect_eq "runs.csv: $m fills loop_busy and the loop lags in every row" \
            "$(rows_where "model == \"$m\" && loop ~ /^,|,,|,\$/" | wc -l)" 0
    else
        expect_eq "runs.csv: $m, not a loop model, leaves the loop columns empty" \
            "$(rows_where "model == \"$m\" && loop != \",,\"" | wc -l)" 0
    fi
done

# The ideals: W measured by the calibration (sync's cpu run: N tasks one
# after another, its wall time over N), N*W/min(T, cores) for cpu.
calibration=$(jq -r '.cpu_calibrations[0] | .model + " " + .args' "$OUT/meta.json")
W=$(jq -r '.cpu_calibrations[0].task_ms' "$OUT/meta.json")
if [ -x "$BIN/sync" ]; then
    expect_eq "meta.json: W is measured by sync's cpu run" "$calibration" "sync $CPU"
fi
expect_true "meta.json: W ($W ms) is the calibration's wall time over N ($calibration)" \
    near "$W" "$(awk -v w="$(cell "${calibration#* }" "${calibration%% *}" wall_ms)" -v n=$CPU_N \
                 'BEGIN { print w / n }')"
# expect_ideal ARGS MODEL EXPECTED: the ideal_ms of a run against a formula.
expect_ideal() {
    local ideal
    ideal=$(cell "$1" "$2" ideal_ms)
    expect_true "ideal: $2 '$1' is $3 (got ${ideal:-none})" near "${ideal:-0}" "$3"
}
one_core=$(awk -v w="$W" -v n=$CPU_N 'BEGIN { print n * w }')
for m in $RAN_MODELS; do
    expect_ideal "$FETCH --process-ms 5" "$m" "$([ "$m" = sync ] && echo 75 || echo 15)"
    if [ "$m" = async_threads ]; then
        expect_ideal "$FETCH --process-cpu-ms 5" "$m" "$(awk -v c="$(min 5 "$CORES")" 'BEGIN { print 10 + 25 / c }')"
        expect_ideal "$CPU" "$m" "$(awk -v x="$one_core" -v c="$(min $CPU_N "$CORES")" 'BEGIN { print x / c }')"
        expect_ideal "$CPU --concurrency 1" "$m" "$one_core"
    else
        expect_ideal "$FETCH --process-cpu-ms 5" "$m" "$([ "$m" = sync ] && echo 75 || echo 35)"
        expect_ideal "$CPU" "$m" "$one_core"
    fi
    if is_loop "$m"; then
        expect_ideal "$FETCH --process-ms 5 --blocking-process" "$m" 35
    fi
    if offloads "$m"; then
        expect_ideal "$CPU --offload --uv-threadpool 1" "$m" "$one_core"
        expect_ideal "$CPU --offload --uv-threadpool 4" "$m" \
            "$(awk -v x="$one_core" -v c="$(min 4 "$CORES")" 'BEGIN { print x / c }')"
    fi
done

# ---- The rate sweep: tasks started on a schedule (--rate), sync and async_uv ----

# The tiny plan's: N 4 at L 10 ms (1/L = 100 a second), R 50 and 400.
RATE_FETCH="fetch -n 4 --latency-ms 10"
RATE_MODELS=$(for m in sync async_uv; do case " $RAN_MODELS " in *" $m "*) echo "$m" ;; esac; done |
    xargs)
expect_eq "runs.csv: the rate sweep ran sync and async_uv (those built), no other model" \
    "$(rows_where 'args ~ /--rate/' | cut -d, -f"$(column model)" | sort -u | xargs)" \
    "$(echo "$RATE_MODELS" | tr ' ' '\n' | sort | xargs)"
for m in $RATE_MODELS; do
    for r in 50 400; do
        expect_true "runs.csv: $m ran '$RATE_FETCH --rate $r'" \
            test -n "$(cell "$RATE_FETCH --rate $r" "$m" wall_ms)"
    done
done
# Each rate row: its rate is the --rate of its args, the summary's two new
# columns are filled, and the p99 from the intended start is never below
# the task p99 (p99_ms, from the actual start); every other row leaves all
# three empty.
expect_eq "runs.csv: each rate row has its rate, its from-intended p99 (not below the task p99) and its start late" \
    "$(rows_where 'args ~ /--rate/' | awk -F, -v cr="$(column rate)" -v ca="$(column args)" \
        -v cp="$(column p99_ms)" -v ci="$(column latency_from_intended_p99_ms)" \
        -v cl="$(column start_late_max_ms)" '
        { n = split($ca, a, " "); asked = a[n] }
        $cr != asked || $ci == "" || $cl == "" || $ci + 0 < $cp - 0.001 { bad++ }
        END { print bad + 0 }')" 0
expect_eq "runs.csv: no rate, from-intended p99 or start late outside the rate sweep" \
    "$(rows_where "args !~ /--rate/ && (\$$(column rate) != \"\" ||
        \$$(column latency_from_intended_p99_ms) != \"\" || \$$(column start_late_max_ms) != \"\")" |
        wc -l)" 0
# The ideals under --rate: the last task starts at (N-1)/R, then L; sync,
# one at a time, takes N*L when R is over 1/L.
for m in $RATE_MODELS; do
    expect_ideal "$RATE_FETCH --rate 50" "$m" 70
    expect_ideal "$RATE_FETCH --rate 400" "$m" "$([ "$m" = sync ] && echo 40 || echo 17.5)"
done
if [ -n "$RATE_MODELS" ]; then
    expect_true "REPORT.md: the rate sweep's section" \
        grep -q '^### Rate: R from 50 to 400 tasks a second, 4 items at 10 ms$' "$OUT/REPORT.md"
    expect_true "REPORT.md: the rate chart's caption names 1/L" \
        grep -q '^The marks: .*the grey dotted upright line in each panel, 1/L = 100 a second' "$OUT/REPORT.md"
    for m in $RATE_MODELS; do
        for from in "intended start" "actual start"; do
            expect_true "charts: sweep-rate draws $m from the $from" \
                grep -q "$m, from the $from" "$OUT/charts/sweep-rate.svg"
        done
    done
fi

# ---- meta.json, traces, charts ----

expect_eq "meta.json: machine, versions, commit and plan" \
    "$(jq -r '[.machine.cpu_model != "", .machine.cores > 0, .software.libcurl != "",
              .software.civetweb != "", .git.commit != "", .mode == "tiny",
              (.groups | length) >= 5] | all' "$OUT/meta.json")" true
for m in $RAN_MODELS; do
    for w in fetch cook; do
        expect_eq "traces: $w-$m.csv has the trace header" \
            "$(head -1 "$OUT/traces/$w-$m.csv" 2>/dev/null)" \
            "id,state,start_ms,attempt_start_ms,end_ms,attempts,http_status,bytes,checksum,cause,error"
    done
done
for chart in walltime timeline-fetch timeline-cook sweep-count sweep-latency sweep-window \
             sweep-rate sweep-threads server cost cost-task walltime-processing sweep-cpu-threads loop-health \
             syscalls; do
    expect_true "charts: $chart.png is a PNG of at least 400x300" is_png "$OUT/charts/$chart.png"
    expect_true "charts: $chart.svg is an SVG" grep -q '<svg' "$OUT/charts/$chart.svg"
    expect_true "REPORT.md: embeds $chart.png" grep -q "(charts/$chart.png)" "$OUT/REPORT.md"
done

# ---- System calls and threads, counted outside the timed runs ----

expect_eq "syscalls.csv: the header" "$(head -1 "$OUT/syscalls.csv")" \
    "model,workload,fsync,tasks,syscall,calls,errors"
expect_eq "threads.csv: the header" "$(head -1 "$OUT/threads.csv")" \
    "model,workload,fsync,tasks,own_max,iou_wrk_max,iou_sqp_max,samples"
expect_eq "meta.json: the step ran, no error" \
    "$(jq -c '.syscalls | [.skipped, .errors]' "$OUT/meta.json")" '[null,[]]'
for m in $RAN_MODELS; do
    for run in fetch,0 download,0 files,0 files,1; do
        # Every program opens files (its libraries) and ends; strace counts
        # the run of 5 tasks and the run of one (its start-up's calls).
        expect_eq "syscalls.csv: $m's $run run counted with 5 tasks and with 1, openat among its calls" \
            "$(awk -F, -v m="$m" -v r="$run" '$1 == m && $2 "," $3 == r && $5 == "openat" &&
                $6 > 0 { print $4 }' "$OUT/syscalls.csv" | sort -n | xargs)" "1 5"
    done
    # files --fsync: one fsync per file at least, whichever thread made it
    # (-f); on the ring, none: the kernel does them, asked by io_uring_enter.
    fsyncs=$(awk -F, -v m="$m" '$1 == m && $2 == "files" && $3 == 1 && $4 == 5 && $5 == "fsync" { print $6 }' \
        "$OUT/syscalls.csv")
    enters=$(awk -F, -v m="$m" '$1 == m && $2 == "files" && $3 == 1 && $4 == 5 && $5 == "io_uring_enter" { print $6 }' \
        "$OUT/syscalls.csv")
    if [ "$m" = async_uring ]; then
        expect_eq "syscalls.csv: async_uring's files --fsync made no fsync call, and entered its ring" \
            "${fsyncs:-0} $([ "${enters:-0}" -ge 1 ] && echo entered)" "0 entered"
    else
        expect_true "syscalls.csv: $m's files --fsync made 5 fsync calls or more" \
            test "${fsyncs:-0}" -ge 5
    fi
    # A run of 5 small files can end before the sampler's first look (0 looks).
    expect_eq "threads.csv: $m's two files runs, a thread of its own seen wherever it looked" \
        "$(awk -F, -v m="$m" '$1 == m && $2 == "files" && ($5 >= 1 || $8 == 0)' "$OUT/threads.csv" |
            wc -l)" 2
    expect_true "REPORT.md: $m's row of the system calls table" \
        grep -q "^| $m | files --fsync | [0-9.]* |" "$OUT/REPORT.md"
done
expect_true "REPORT.md: says the start-up's calls are taken out" \
    grep -qF "the start-up's calls (loading the program and its libraries, a few hundred), measured in a run of one task, are taken out" \
    "$OUT/REPORT.md"
expect_true "REPORT.md: says what strace cannot see" \
    grep -qF "strace sees only the program's own threads: what io_uring does in the kernel" \
    "$OUT/REPORT.md"

# ---- REPORT.md against runs.csv (the tiny plan counts one run: median = it) ----

for m in $RAN_MODELS; do
    wall=$(rows_where "model == \"$m\" && args == \"fetch -n 5 --latency-ms 10\"" |
           head -1 | cut -d, -f"$(column wall_ms)")
    expected=$(fmt_time "$wall")
    actual=$(sed -n '/^### fetch:/,/^### /p' "$OUT/REPORT.md" | grep "^| $m |" | cut -d'|' -f3 | xargs)
    expect_eq "REPORT.md: $m's headline fetch median is runs.csv's $wall ms" "$actual" "$expected"
done

for section in "## When async does not pay" "### Processing after each wait" "### The threads computing" \
               "### The loop's health"; do
    expect_true "REPORT.md: has the section '$section'" grep -q "^$section" "$OUT/REPORT.md"
done
expect_true "REPORT.md: says which W the cpu ideals use, and its value" \
    grep -qF "W, one cpu task of 2,000 rounds on one core, is $(fmt_time "$W"): the median" "$OUT/REPORT.md"
expect_true "REPORT.md: names the machine's cores beside the cpu thread sweep" \
    grep -qF "This machine has $CORES core(s): the ideal" "$OUT/REPORT.md"
expect_true "REPORT.md: names the latency below which sync was as fast" \
    grep -q "^Where async stops paying off: sync was as fast as or faster" "$OUT/REPORT.md"
for m in $LOOP_MODELS; do
    case " $RAN_MODELS " in *" $m "*) ;; *) continue ;; esac
    blocked=$(fmt_time "$(cell "$FETCH --process-ms 5 --blocking-process" "$m" wall_ms)")
    right=$(fmt_time "$(cell "$FETCH --process-ms 5" "$m" wall_ms)")
    expect_true "REPORT.md: $m's blocking pause ($blocked) beside the timer ($right), from runs.csv" \
        grep -qF "With the pause written as a blocking sleep, $m took $blocked instead of $right" \
        "$OUT/REPORT.md"
done
for m in $RAN_MODELS; do
    offloads "$m" && continue
    expect_eq "REPORT.md: no $m row in the cpu --offload table" \
        "$(sed -n '/^### cpu --offload:/,/^### /p' "$OUT/REPORT.md" | grep -c "^| $m |")" 0
done

# ---- The reference clients, and the targets judged from them ----

# target_row TEXT: the Targets table's row whose target holds TEXT.
target_row() {
    sed -n '/^## Targets/,/^## /p' "$OUT/REPORT.md" | grep -F "| $1" | head -1
}

# contains TEXT STRING: STRING holds TEXT.
contains() {
    case "$2" in *"$1"*) return 0 ;; *) return 1 ;; esac
}

# slope MODEL COLUMN: the least-squares slope over the count sweep's runs of
# MODEL (fetch at 10 ms, no window, no rate) of a runs.csv column against
# the tasks it let wait at once (its concurrency: N here).
slope() {
    rows_where "model == \"$1\" && workload == \"fetch\" && latency == 10 && pause == 0 &&
                busy == 0 && args !~ /--concurrency|--rate/" | cut -d, -f"$(column concurrency),$(column "$2")" |
        awk -F, '{ x[NR] = $1; y[NR] = $2; sx += $1; sy += $2 }
                 END { mx = sx / NR; my = sy / NR
                       for (i = 1; i <= NR; i++) { num += (x[i] - mx) * (y[i] - my); den += (x[i] - mx) ^ 2 }
                       printf "%.10g\n", num / den }'
}

# whole_ms COMPARISON CLIENT: a client's median in reference.json.
whole_ms() {
    jq -r --arg c "$1" --arg a "$2" '.[] | select(.comparison == $c and .client == $a) | .whole_ms' \
        "$OUT/reference.json"
}

# async_uring runs in the reference step where it ran in the bench (built,
# and its probe did not exit 3).
case " $RAN_MODELS " in *" async_uring "*) RING=" async_uring" ;; *) RING="" ;; esac
if [ -x "$BIN/plain_pool" ] && command -v curl >/dev/null; then
    expect_eq "reference.json: fetch's clients" \
        "$(jq -r '.[] | select(.comparison == "fetch") | .client' "$OUT/reference.json" | xargs)" \
        "plain_pool async_threads async_uv async_coro$RING"
    expect_eq "reference.json: download's clients" \
        "$(jq -r '.[] | select(.comparison == "download") | .client' "$OUT/reference.json" | paste -sd,)" \
        "curl_parallel,async_threads,async_uv,async_coro,async_coro --verify status${RING:+,async_uring,async_uring --verify status}"
    expect_eq "reference.json: every ratio a positive number, every run counted and none failed" \
        "$(jq '[.[] | (.ratio | type == "number" and . > 0) and .runs == 1 and .failed_runs == 0] | all' \
            "$OUT/reference.json")" true
    expect_true "bench: the reference step's progress on stderr" \
        grep -q '^bench:   reference: run 1 of 1: download curl_parallel' "$TEST_TMP/bench.err"
    # The speed targets: the ratio of whole-process medians, and its verdict.
    for target in "fetch 100 x 200 ms: async_threads within 3% of plain_pool" \
                  "fetch 100 x 200 ms: async_coro within 3% of async_uv" \
                  ${RING:+"fetch 100 x 200 ms: async_uring within 3% of async_coro"} \
                  "download 100 x 200 ms, 1 MiB each: async_threads within 10% of curl_parallel" \
                  "download 100 x 200 ms, 1 MiB each: async_uv within 10% of curl_parallel" \
                  "download 100 x 200 ms, 1 MiB each: async_coro within 10% of curl_parallel" \
                  ${RING:+"download 100 x 200 ms, 1 MiB each: async_uring within 10% of curl_parallel"}; do
        comparison=${target%% *} client=${target#*: } tolerance=${target#* within }
        client=${client%% *} tolerance=${tolerance%%%*} against=${target##* }
        read -r ratio verdict < <(awk -v a="$(whole_ms "$comparison" "$client")" \
            -v b="$(whole_ms "$comparison" "$against")" -v t="$tolerance" \
            'BEGIN { printf "%.3f %s\n", a / b, (a / b <= 1 + t / 100) ? "met" : "not met" }')
        row=$(target_row "$target")
        expect_true "Targets: $comparison, $client against $against: ${ratio}x, $verdict (${row:-no row})" \
            contains "| ${ratio}x: " "$row"
        expect_true "Targets: $comparison, $client against $against: $verdict" contains "| $verdict |" "$row"
    done
    # A coroutine model's download row adds its ratio under --verify status.
    for client in async_coro $RING; do
        status_ratio=$(awk -v a="$(whole_ms download "$client --verify status")" \
            -v b="$(whole_ms download curl_parallel)" 'BEGIN { printf "%.2f\n", a / b }')
        row=$(target_row "download 100 x 200 ms, 1 MiB each: $client within 10% of curl_parallel")
        expect_true "Targets: download, $client: ${status_ratio}x with --verify status (${row:-no row})" \
            contains "; ${status_ratio}x with --verify status" "$row"
    done
    if [ -z "$RING" ]; then
        expect_true "Targets: async_uring did not run, and its row says so" \
            contains "| not measured: " "$(target_row "fetch 100 x 200 ms: async_uring within 3% of async_coro")"
    fi
else
    expect_eq "reference.json: an empty list when the step is skipped" "$(jq length "$OUT/reference.json")" 0
    expect_true "REPORT.md: says the reference step was skipped" \
        grep -q "the reference step was skipped: " "$OUT/REPORT.md"
fi

# The cost of one waiting task: the report's slope is the least-squares
# slope of runs.csv, and each memory target's verdict follows from it.
for target in "async_uv 10" "async_threads 40"; do
    set -- $target
    [ -x "$BIN/$1" ] || continue
    read -r kb verdict < <(awk -v kb="$(slope "$1" max_rss_kb)" -v most="$2" \
        'BEGIN { printf "%.1f %s\n", kb, (kb <= most) ? "met" : "not met" }')
    expect_true "cost of one waiting task: $1's peak RSS slope is $kb KB per task" \
        grep -qF "| $1 | 1 to 60 | $kb KB |" "$OUT/REPORT.md"
    expect_true "Targets: $1 at most $2 KB per waiting request: $kb KB, $verdict" \
        contains "| $kb KB per task (peak RSS slope, N = 1 to 60) | $verdict |" \
        "$(target_row "fetch 10,000 at once: $1 at most")"
done
expect_eq "REPORT.md: the Targets table has 11 rows, each met, not met, not judged or not measured" \
    "$(sed -n '/^## Targets/,/^## /p' "$OUT/REPORT.md" | grep -cE '\| (met|not met|not judged|not measured) \|$')" 11
expect_true "REPORT.md: the paragraph on what a coroutine costs" \
    grep -q '^- A coroutine (async_coro) costs [0-9.]* KB of memory and -\?[0-9]* µs of CPU time per waiting task' \
    "$OUT/REPORT.md"

# ---- The reference clients: rows beside the models, not models ----

# What bench.py runs them with (AIO_BENCH_PYTHON and AIO_BENCH_PYTHON_CLIENT
# are unset in a plain test run: the real client on /usr/bin/python3).
PY=${AIO_BENCH_PYTHON:-/usr/bin/python3}
PY_CLIENT=${AIO_BENCH_PYTHON_CLIENT:-$(dirname "$0")/../../peers/python_asyncio}
REF_FETCH="fetch -n 5 --latency-ms 10"                 # the tiny plan's headline fetch
REF_DOWNLOAD="download -n 3 --latency-ms 10 --size 16384"
MODEL_DOWNLOAD="download -n 3 --latency-ms 10 --size 16K"
FIRST_MODEL=${RAN_MODELS%% *}

# expect_reference_rows NAME: NAME's rows of the headline fetch and download
# and of the count sweep (N = 1, 5, 60), each run through with every task ok.
expect_reference_rows() {
    local args n
    for args in "$REF_FETCH" "$REF_DOWNLOAD" "fetch -n 1 --latency-ms 10" \
                "fetch -n 60 --latency-ms 10"; do
        n=$(echo "$args" | awk '{ print $3 }')
        expect_eq "runs.csv: $1 ran '$args' once, exit 0, $n ok and 0 failed" \
            "$(rows_where "model == \"$1\" && args == \"$args\"" |
                cut -d, -f"$(column status),$(column ok),$(column failed)")" "0,$n,0"
    done
}

expect_eq "runs.csv: the runner's whole_ms is at least the client's own wall_ms, in every run" \
    "$(rows_where "status == 0 && \$$(column whole_ms) + 0 < wall - 0.001" | wc -l)" 0
expect_eq "REPORT.md: no reference client is ever the fastest model" \
    "$(grep -cE 'The fastest(,| model,) (python_asyncio|curl_parallel)' "$OUT/REPORT.md")" 0

if [ -f "$PY_CLIENT" ] && "$PY" "$PY_CLIENT" --help >/dev/null 2>&1; then
    expect_reference_rows python_asyncio
    for pair in "$REF_FETCH|$REF_FETCH" "$REF_DOWNLOAD|$MODEL_DOWNLOAD"; do
        expect_eq "runs.csv: python_asyncio's checksum of '${pair%%|*}' is $FIRST_MODEL's" \
            "$(cell "${pair%%|*}" python_asyncio checksum)" "$(cell "${pair#*|}" "$FIRST_MODEL" checksum)"
    done
    wall=$(cell "$REF_FETCH" python_asyncio wall_ms)
    whole=$(cell "$REF_FETCH" python_asyncio whole_ms)
    expect_true "REPORT.md: python_asyncio's row in the fetch table, marked a reference" \
        grep -qF "| python_asyncio (reference) | $(fmt_time "$wall") |" "$OUT/REPORT.md"
    expect_true "REPORT.md: the claim, with python's own wall_ms ($wall) and whole process ($whole)" \
        grep -qF "in $(fmt_time "$wall") by its own clock (its summary's wall_ms" "$OUT/REPORT.md"
    expect_true "REPORT.md: ... and the whole-process time beside it" \
        grep -qF ", and in $(fmt_time "$whole") as a whole process (the runner's clock" "$OUT/REPORT.md"
    expect_true "REPORT.md: says which of the two the chart uses" \
        grep -qF "The tables and Chart 1 use the first" "$OUT/REPORT.md"
    expect_true "REPORT.md: python's cost per request against the C models" \
        grep -qE "^Per request, python_asyncio costs -?[0-9]+ µs of CPU time and -?[0-9.]+ KB" \
        "$OUT/REPORT.md"
    expect_true "charts: python_asyncio drawn in Chart 1 as a reference" \
        grep -q "python_asyncio (reference, median)" "$OUT/charts/walltime.svg"
else
    expect_eq "runs.csv: no python_asyncio row, it cannot run here" \
        "$(rows_where 'model == "python_asyncio"' | wc -l)" 0
    expect_true "REPORT.md: says why python_asyncio did not run" \
        grep -q "^- skipped: python_asyncio (a reference client), every run: " "$OUT/REPORT.md"
fi
expect_true "REPORT.md: the claim is tested, or said not to be, in its own section" \
    grep -q "^## The claim: 100 requests of 200 ms in around 1 second" "$OUT/REPORT.md"

if command -v curl >/dev/null && [ -x /usr/bin/time ]; then
    expect_reference_rows curl_parallel
    expect_eq "runs.csv: curl_parallel's wall_ms is the whole process, with its peak memory, no checksum" \
        "$(rows_where "model == \"curl_parallel\" && (wall != \$$(column whole_ms) ||
                       \$$(column max_rss_kb) <= 0 || \$$(column checksum) != \"\")" | wc -l)" 0
    expect_true "REPORT.md: curl_parallel's row in the download table, marked a reference" \
        grep -qF "| curl_parallel (reference) | $(fmt_time "$(cell "$REF_DOWNLOAD" curl_parallel wall_ms)") |" \
        "$OUT/REPORT.md"
    expect_true "REPORT.md: says curl_parallel checks no content and caps --parallel-max at 300" \
        grep -q "curl_parallel checks no content: .* caps --parallel-max at 300" "$OUT/REPORT.md"
    expect_true "REPORT.md: says how far curl_parallel goes in the count sweep" \
        grep -qF -- "- curl_parallel (reference, not a model): planned at every point of this plan." \
        "$OUT/REPORT.md"
    expect_true "charts: curl_parallel drawn in the count sweep as a reference" \
        grep -q "curl_parallel (reference)" "$OUT/charts/sweep-count.svg"
fi

# ---- The server is gone ----

for url in $(jq -r '.server.urls[]' "$OUT/meta.json"); do
    expect_true "bench: the server at $url was stopped" \
        test -z "$(curl -s --max-time 2 "$url/stats")"
done

# ---- Interrupted: the old results stay, no server is left ----

# Ctrl-C, and a terminal closed under a long bench (SIGHUP): exit 128 + N.
cp "$OUT/REPORT.md" "$TEST_TMP/report.before"
for sig in INT:130 HUP:129; do
    timeout -s KILL 60 python3 "$BENCH" --bin "$BIN" --server-bin "$SERVER_BIN" --tiny --out "$OUT" \
        >/dev/null 2>"$TEST_TMP/int.err" &
    bench_pid=$!
    for _ in $(seq 200); do
        grep -q '\[ *3/' "$TEST_TMP/int.err" 2>/dev/null && grep -q 'listening on' "$TEST_TMP/int.err" && break
        sleep 0.1
    done
    kill -"${sig%:*}" "$bench_pid" 2>/dev/null
    wait "$bench_pid"
    expect_eq "SIG${sig%:*}: exit ${sig#*:}" "$?" "${sig#*:}"
    expect_true "SIG${sig%:*}: REPORT.md is the previous one" \
        cmp -s "$TEST_TMP/report.before" "$OUT/REPORT.md"
    expect_eq "SIG${sig%:*}: no work folder left" "$(find "$OUT" -name '.tmp-bench-*' | wc -l)" 0
    url=$(sed -n 's/.*listening on //p' "$TEST_TMP/int.err" | tail -1)
    expect_true "SIG${sig%:*}: the server at ${url:-?} was stopped" \
        test -n "$url" -a -z "$(curl -s --max-time 2 "$url/stats")"
done

# ---- The reference step failing, and skipped ----

# A bin folder of the same programs, but a plain_pool that fails every run.
FAKE_BIN="$TEST_TMP/fake-bin"
mkdir -p "$FAKE_BIN"
for program in "$BIN"/* "$SERVER_BIN/mock_server"; do
    ln -sf "$(cd "$(dirname "$program")" && pwd)/$(basename "$program")" "$FAKE_BIN/"
done
if [ -x "$BIN/plain_pool" ] && command -v curl >/dev/null; then
    rm "$FAKE_BIN/plain_pool"
    printf '#!/bin/sh\necho "plain_pool: refused" >&2\nexit 1\n' >"$FAKE_BIN/plain_pool"
    chmod +x "$FAKE_BIN/plain_pool"
    timeout -s KILL "$BENCH_TIMEOUT" python3 "$BENCH" --bin "$FAKE_BIN" --tiny --out "$OUT" \
        >/dev/null 2>"$TEST_TMP/bench.err"
    expect_eq "reference failing: bench exits 1" "$?" 1
    expect_true "reference failing: REPORT.md lists it as an error" \
        grep -q '^- error: reference clients: status 1: failed runs: fetch plain_pool 1 of 1' "$OUT/REPORT.md"
    expect_true "reference failing: its target is not judged" \
        contains "failed runs: plain_pool 1 of 1 | not judged |" \
        "$(target_row "fetch 100 x 200 ms: async_threads within 3% of plain_pool")"
    expect_true "reference failing: said on stderr" \
        grep -q '^bench: reference clients: status 1 after' "$TEST_TMP/bench.err"
fi
rm -f "$FAKE_BIN/plain_pool"
# An async_uring that cannot set up here, as where io_uring is disabled: it
# exits 3 with its reason, and the bench leaves it out, saying why.
URING_WHY="async_uring: io_uring_setup: Operation not permitted (simulated by test_bench.sh)"
rm -f "$FAKE_BIN/async_uring"
printf '#!/bin/sh\necho "%s" >&2\nexit 3\n' "$URING_WHY" >"$FAKE_BIN/async_uring"
chmod +x "$FAKE_BIN/async_uring"
# python3-aiohttp missing, simulated whether it is installed or not: a Python
# that finds, first on its path, an aiohttp that cannot be imported.
NO_AIOHTTP="$TEST_TMP/no-aiohttp"
mkdir -p "$NO_AIOHTTP"
echo 'raise ImportError("No module named aiohttp (simulated by test_bench.sh)")' \
    >"$NO_AIOHTTP/aiohttp.py"
printf '#!/bin/sh\nPYTHONPATH=%s exec /usr/bin/python3 "$@"\n' "$NO_AIOHTTP" >"$NO_AIOHTTP/python3"
chmod +x "$NO_AIOHTTP/python3"
AIO_BENCH_PYTHON="$NO_AIOHTTP/python3" timeout -s KILL "$BENCH_TIMEOUT" \
    python3 "$BENCH" --bin "$FAKE_BIN" --tiny --out "$OUT" >/dev/null 2>"$TEST_TMP/bench.err"
expect_eq "reference without plain_pool, nor aiohttp: bench exits 0" "$?" 0
expect_eq "without aiohttp: no python_asyncio row" \
    "$(rows_where 'model == "python_asyncio"' | wc -l)" 0
expect_true "without aiohttp: the models ran" test -n "$(rows_where "model == \"$FIRST_MODEL\"")"
expect_eq "async_uring without io_uring: no row of it in runs.csv, syscalls.csv or threads.csv" \
    "$(grep -c '^async_uring,' "$OUT/syscalls.csv" "$OUT/threads.csv" | cut -d: -f2 | xargs) \
$(rows_where 'model == "async_uring"' | wc -l)" "0 0 0"
expect_eq "async_uring without io_uring: meta.json says why, and not among the models" \
    "$(jq -r '.models_unavailable.async_uring + " | " + (.models | index("async_uring") | tostring)' \
        "$OUT/meta.json")" "$URING_WHY | null"
expect_true "async_uring without io_uring: REPORT.md says it was skipped, and why" \
    grep -qxF -- "- async_uring: skipped: $URING_WHY" "$OUT/REPORT.md"
expect_true "async_uring without io_uring: said on stderr" \
    grep -qF "bench: async_uring skipped: $URING_WHY" "$TEST_TMP/bench.err"
if command -v curl >/dev/null && [ -x /usr/bin/time ]; then
    expect_true "without aiohttp: curl_parallel ran" \
        test -n "$(cell "$REF_FETCH" curl_parallel wall_ms)"
fi
expect_true "without aiohttp: REPORT.md says python_asyncio did not run, and why" \
    contains "$NO_AIOHTTP/python3 cannot run peers/python_asyncio (python_asyncio: No module named aiohttp (simulated by test_bench.sh): needs Debian's python3-aiohttp" \
    "$(grep -F "python_asyncio did not run: " "$OUT/REPORT.md")"
expect_true "without aiohttp: the claim is said not to be tested, and why" \
    grep -qF "Not tested in this run: " "$OUT/REPORT.md"
expect_true "without aiohttp: said on stderr" \
    grep -q "^bench: reference client python_asyncio skipped: .*No module named aiohttp" "$TEST_TMP/bench.err"
expect_eq "reference without plain_pool: reference.json is an empty list" \
    "$(jq -c . "$OUT/reference.json")" "[]"
expect_true "reference without plain_pool: REPORT.md says it was skipped and why" \
    grep -qF "No figures: the reference step was skipped: no plain_pool in $FAKE_BIN (run make)." \
    "$OUT/REPORT.md"
expect_true "reference without plain_pool: its targets are not measured" \
    contains "| not measured |" "$(target_row "fetch 100 x 200 ms: async_threads within 3% of plain_pool")"

bench --runs 0
expect_eq "bench --runs 0: usage error, exit 2" "$STATUS" 2

# ---- Without --out: a run of its own, the committed results untouched ----

# In a copy of the tree with its own git (the files as they are now), so
# that the bench's default folder is the copy's results/, never the real one.
ROOT_DIR=$(cd "$(dirname "$0")/../.." && pwd)
COPY="$TEST_TMP/copy"
mkdir "$COPY"
(cd "$ROOT_DIR" && tar --exclude=./.git --exclude=./build --exclude=./bin \
    --exclude='./results/.tmp*' --exclude=./results/runs --exclude=./results/latest \
    -cf - .) | tar -xf - -C "$COPY"
git -C "$COPY" init -q && git -C "$COPY" add -A &&
    git -C "$COPY" -c user.name=test -c user.email=test@localhost commit -qm copy
ABS_BIN=$(cd "$BIN" && pwd)
ABS_SERVER_BIN=$(cd "$SERVER_BIN" && pwd)
own_bench() {
    timeout -s KILL "$BENCH_TIMEOUT" python3 "$COPY/scripts/bench.py" --bin "$ABS_BIN" \
        --server-bin "$ABS_SERVER_BIN" --tiny "$@"
}
(cd "$COPY" && own_bench) >"$TEST_TMP/own.out" 2>"$TEST_TMP/own.err"
expect_eq "bench without --out: exit 0" "$?" 0
expect_eq "bench without --out: git status shows the committed results/ unchanged" \
    "$(git -C "$COPY" status --porcelain results/)" ""
expect_eq "bench without --out: nothing else in results/, but runs/ and latest (both ignored)" \
    "$(git -C "$COPY" status --porcelain --ignored results/ | xargs)" "!! results/latest !! results/runs/"
latest=$(readlink "$COPY/results/latest")
expect_true "bench without --out: results/latest links to runs/YYYY-MM-DD-HHMMSS ($latest)" \
    grep -qxE 'runs/[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{6}' <<<"$latest"
for f in REPORT.md runs.csv meta.json reference.json syscalls.csv threads.csv charts traces; do
    expect_true "bench without --out: the run's folder has $f" test -e "$COPY/results/$latest/$f"
done
expect_eq "bench without --out: only the outputs in the run's folder, no work folder" \
    "$(ls -A "$COPY/results/runs" "$COPY/results/$latest" | grep -c -e '^\.tmp' -e '^server.log$' \
       -e '^trace-runs$')" 0
expect_true "bench without --out: the last line says where, REPORT.md's path and the lesson" \
    grep -qxF "$(tail -1 "$TEST_TMP/own.err" | sed 's/done in [0-9:]*[0-9]/done in T/')" \
    <<<"bench: done in T: $COPY/results/$latest/REPORT.md (also results/latest/REPORT.md; the lesson with these figures: scripts/lesson.py)"

# The lesson with that run's figures: every figure the run has holds against
# it, the others (the tiny plan has no count 3000) are listed, none fails.
(cd "$COPY" && timeout 60 python3 scripts/lesson.py) >"$TEST_TMP/lesson.out" 2>"$TEST_TMP/lesson.err"
expect_eq "lesson.py on the latest run: exit 0, nothing on stderr" "$? $(cat "$TEST_TMP/lesson.err")" "0 "
expect_true "lesson.py: lists the figures the tiny run lacks" \
    grep -q "^docs/LESSON.md:[0-9]*: .*: not in this run (unknown config 'count 3000'" "$TEST_TMP/lesson.out"
expect_true "lesson.py: the last line names the LESSON.md it wrote and counts" \
    grep -qE "^$COPY/results/$latest/LESSON.md: [0-9]+ figure\(s\) moved beyond the spread, [1-9][0-9]* not in this run$" \
    <(tail -1 "$TEST_TMP/lesson.out")
timeout 60 python3 "$COPY/tests/tools/check_figures.py" --results "$COPY/results/latest" \
    "$COPY/results/latest/LESSON.md" >"$TEST_TMP/figures.out" 2>&1
expect_eq "lesson.py: check_figures holds its LESSON.md to that run (exit 0)" "$?" 0
expect_true "lesson.py: some figures were recomputed from the run" \
    grep -qE '^[1-9][0-9]* figures in 1 file\(s\): [1-9][0-9]* passed, 0 failed' "$TEST_TMP/figures.out"
# Its relative links resolve from the run's folder (outside `code`).
broken=$(sed 's/`[^`]*`//g' "$COPY/results/latest/LESSON.md" | grep -o '](\([^)# ]*\)' |
    sed 's/^](//' | grep -v '^[a-z]*:' | while read -r target; do
        [ -z "$target" ] || [ -e "$COPY/results/$latest/$target" ] || echo "$target"
    done | sort -u | xargs)
expect_eq "lesson.py: every relative link of its LESSON.md resolves from the run" "$broken" ""
expect_true "lesson.py: its charts are the run's own" \
    grep -qF '](charts/' "$COPY/results/latest/LESSON.md"
expect_eq "lesson.py: git status still clean" "$(git -C "$COPY" status --porcelain)" ""

# An interrupted run without --out leaves no folder, and latest as it was.
# (Started straight from here: an & of a subshell would ignore SIGINT.)
timeout -s KILL 60 python3 "$COPY/scripts/bench.py" --bin "$ABS_BIN" --server-bin "$ABS_SERVER_BIN" \
    --tiny >/dev/null 2>"$TEST_TMP/own-int.err" &
bench_pid=$!
for _ in $(seq 200); do
    grep -q '\[ *3/' "$TEST_TMP/own-int.err" 2>/dev/null && break
    sleep 0.1
done
kill -INT "$bench_pid" 2>/dev/null
wait "$bench_pid"
expect_eq "bench without --out, SIGINT: exit 130" "$?" 130
expect_eq "bench without --out, SIGINT: results/runs holds the one run, latest unchanged" \
    "$(ls -A "$COPY/results/runs") $(readlink "$COPY/results/latest")" "${latest#runs/} $latest"
