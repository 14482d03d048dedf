#!/usr/bin/env bash
# test_bench.sh: the benchmark runner end to end, on its tiny plan.
#
# scripts/bench.py --tiny runs every model built in $BIN on every workload
# and sweep with counts of a few and latencies of 10 ms, into $TEST_TMP. The
# checks: the files it must leave, runs.csv's columns and ideal values, the
# skip rule, REPORT.md's numbers against runs.csv, valid PNG charts, the
# server stopped; and an interrupted run that leaves the old results alone.
. "$(dirname "$0")/../lib.sh"

BENCH="$(dirname "$0")/../../scripts/bench.py"
OUT="$TEST_TMP/results"
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}
COLUMNS_EXPECTED="time,config,run,model,workload,count,latency_ms,concurrency,size_bytes,fsync,\
time_scale,uv_threadpool,pool_threads,args,status,wall_ms,user_ms,sys_ms,max_rss_kb,ok,failed,\
retries,failures,p50_ms,p99_ms,server_threads,server_max_in_flight,ideal_ms,checksum,error"

[ -n "$(models)" ] || exit 0

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
# args, wall, and w: the window asked for, or count when none was.
rows_where() {
    awk -F, -v cm="$(column model)" -v cw="$(column workload)" -v cn="$(column count)" \
        -v cl="$(column latency_ms)" -v cc="$(column concurrency)" -v ci="$(column ideal_ms)" \
        -v cs="$(column status)" -v ca="$(column args)" -v cwall="$(column wall_ms)" "
        NR > 1 { model = \$cm; workload = \$cw; count = \$cn; latency = \$cl; window = \$cc;
                 ideal = \$ci; status = \$cs; args = \$ca; wall = \$cwall
                 w = (args ~ /--concurrency/) ? window : count }
        NR > 1 && ($1) { print }" "$OUT/runs.csv"
}

# fmt_time MS: the report's time format (report.py fmt_time).
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

# ---- runs.csv ----

expect_eq "runs.csv: the header" "$(head -1 "$OUT/runs.csv")" "$COLUMNS_EXPECTED"
expect_eq "runs.csv: every row has every column" \
    "$(awk -F, -v n="$(echo "$COLUMNS_EXPECTED" | tr ',' '\n' | wc -l)" \
        'NF != n { bad++ } END { print bad + 0 }' "$OUT/runs.csv")" 0
for m in $(models); do
    expect_true "runs.csv: has rows of $m" test -n "$(rows_where "model == \"$m\"")"
    expect_eq "runs.csv: every $m run exited 0" "$(rows_where "model == \"$m\" && status != 0" | wc -l)" 0
done
expect_eq "runs.csv: every fetch row has the server's max_in_flight" \
    "$(rows_where "workload == \"fetch\" && \$$(column server_max_in_flight) == \"\"" | wc -l)" 0

# The ideal lines: N*L one at a time, L all at once, ceil(N/C)*L with a window.
if [ -x "$BIN/sync" ]; then
    expect_eq "ideal: sync fetch is N*L" \
        "$(rows_where 'model == "sync" && workload == "fetch" && ideal != count * latency' | wc -l)" 0
    expect_eq "ideal: sync fetch 5 x 10 ms is 50 ms" \
        "$(rows_where 'model == "sync" && args == "fetch -n 5 --latency-ms 10"' | head -1 | cut -d, -f"$(column ideal_ms)")" 50
    expect_eq "ideal: sync cook is the sum of the dishes (6 s x 0.01)" \
        "$(rows_where 'model == "sync" && workload == "cook"' | head -1 | cut -d, -f"$(column ideal_ms)")" 60
fi
for m in async_uv async_threads async_coro; do
    [ -x "$BIN/$m" ] || continue
    expect_eq "ideal: $m fetch is ceil(N/C)*L (L with no window)" \
        "$(rows_where "model == \"$m\" && workload == \"fetch\" && ideal != int((count + w - 1) / w) * latency" |
            wc -l)" 0
    expect_eq "ideal: $m fetch 5 x 10 ms with a window of 2 is 30 ms" \
        "$(rows_where "model == \"$m\" && args == \"fetch -n 5 --latency-ms 10 --concurrency 2\"" |
            head -1 | cut -d, -f"$(column ideal_ms)")" 30
    expect_eq "ideal: $m cook is the longest dish (3 s x 0.01)" \
        "$(rows_where "model == \"$m\" && workload == \"cook\"" | head -1 | cut -d, -f"$(column ideal_ms)")" 30
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

# ---- meta.json, traces, charts ----

expect_eq "meta.json: machine, versions, commit and plan" \
    "$(jq -r '[.machine.cpu_model != "", .machine.cores > 0, .software.libcurl != "",
              .software.civetweb != "", .git.commit != "", .mode == "tiny",
              (.groups | length) >= 5] | all' "$OUT/meta.json")" true
for m in $(models); do
    for w in fetch cook; do
        expect_eq "traces: $w-$m.csv has the trace header" \
            "$(head -1 "$OUT/traces/$w-$m.csv" 2>/dev/null)" \
            "id,state,start_ms,attempt_start_ms,end_ms,attempts,http_status,bytes,checksum,cause,error"
    done
done
for chart in walltime timeline-fetch timeline-cook sweep-count sweep-latency sweep-window \
             sweep-threads server cost; do
    expect_true "charts: $chart.png is a PNG of at least 400x300" is_png "$OUT/charts/$chart.png"
    expect_true "charts: $chart.svg is an SVG" grep -q '<svg' "$OUT/charts/$chart.svg"
    expect_true "REPORT.md: embeds $chart.png" grep -q "(charts/$chart.png)" "$OUT/REPORT.md"
done

# ---- REPORT.md against runs.csv (the tiny plan counts one run: median = it) ----

for m in $(models); do
    wall=$(rows_where "model == \"$m\" && args == \"fetch -n 5 --latency-ms 10\"" |
           head -1 | cut -d, -f"$(column wall_ms)")
    expected=$(fmt_time "$wall")
    actual=$(sed -n '/^### fetch:/,/^### /p' "$OUT/REPORT.md" | grep "^| $m |" | cut -d'|' -f3 | xargs)
    expect_eq "REPORT.md: $m's headline fetch median is runs.csv's $wall ms" "$actual" "$expected"
done

expect_true "REPORT.md: names the latency below which sync was as fast" \
    grep -q "^Where async stops paying off: sync was as fast as or faster" "$OUT/REPORT.md"

# ---- The server is gone ----

for url in $(jq -r '.server.urls[]' "$OUT/meta.json"); do
    expect_true "bench: the server at $url was stopped" \
        test -z "$(curl -s --max-time 2 "$url/stats")"
done

# ---- Interrupted: the old results stay, no server is left ----

cp "$OUT/REPORT.md" "$TEST_TMP/report.before"
timeout -s KILL 60 python3 "$BENCH" --bin "$BIN" --server-bin "$SERVER_BIN" --tiny --out "$OUT" \
    >/dev/null 2>"$TEST_TMP/int.err" &
bench_pid=$!
for _ in $(seq 200); do
    grep -q '\[ *3/' "$TEST_TMP/int.err" 2>/dev/null && grep -q 'listening on' "$TEST_TMP/int.err" && break
    sleep 0.1
done
kill -INT "$bench_pid" 2>/dev/null
wait "$bench_pid"
expect_eq "interrupted: exit 130" "$?" 130
expect_true "interrupted: REPORT.md is the previous one" cmp -s "$TEST_TMP/report.before" "$OUT/REPORT.md"
expect_eq "interrupted: no work folder left" "$(find "$OUT" -name '.tmp-bench-*' | wc -l)" 0
url=$(sed -n 's/.*listening on //p' "$TEST_TMP/int.err" | tail -1)
expect_true "interrupted: the server at ${url:-?} was stopped" \
    test -n "$url" -a -z "$(curl -s --max-time 2 "$url/stats")"

bench --runs 0
expect_eq "bench --runs 0: usage error, exit 2" "$STATUS" 2
