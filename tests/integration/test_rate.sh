#!/usr/bin/env bash
# test_rate.sh: --rate, tasks started on a fixed schedule (an open loop).
#
# Task i (from 0) is meant to start at i * 1000 / R ms (client/run.h). For
# every model, from its --trace: no task starts before its intended start
# (so its latency from the intended start is never below its latency from
# its actual start), and when the model keeps up each starts within
# LATE_MAX_MS of it (a bound for a loaded machine, far above the clock's
# resolution, far below the schedule's own drift were it ignored); the
# summary's percentiles say the same. sync asked for twice the rate it can
# keep up with (R = 2/L) falls further behind with every task: the
# intended-start p99 of the last tenth of the tasks is at least twice the
# first tenth's, while its own latency stays near L. Bad values exit 2
# (test_options.sh holds every one). The Python client's --rate is
# test_python_asyncio.sh's.
. "$(dirname "$0")/../lib.sh"

LATENCY_MS=20
LATE_MAX_MS=50

# schedule_check CSV RATE: one line per fault in the trace's start times
# against the schedule, or "ok"; then, on a second line, the intended-start
# p99 of the first tenth and of the last tenth of the tasks.
schedule_check() {
    /usr/bin/python3 - "$1" "$2" "$LATE_MAX_MS" <<'EOF'
import csv, math, sys
path, rate, late_max = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
rows = sorted(csv.DictReader(open(path)), key=lambda r: int(r["id"]))
faults = []
from_intended = []
for r in rows:
    intended = (int(r["id"]) - 1) * 1000 / rate
    start, end = float(r["start_ms"]), float(r["end_ms"])
    # The trace rounds to the microsecond.
    if start < intended - 0.001:
        faults.append(f"task {r['id']} started at {start} ms, before {intended:.3f} ms")
    if start - intended > late_max:
        faults.append(f"task {r['id']} started {start - intended:.3f} ms late")
    if r["state"] != "completed":
        faults.append(f"task {r['id']} {r['state']}")
    from_intended.append(end - intended)
def p99(values):
    values = sorted(values)
    return values[max(1, math.ceil(0.99 * len(values))) - 1]
tenth = max(1, len(rows) // 10)
print("; ".join(faults) or "ok")
print(f"{p99(from_intended[:tenth]):.3f} {p99(from_intended[-tenth:]):.3f}")
EOF
}

start_server --latency-ms "$LATENCY_MS" --threads 64 || exit 1

for m in $(models); do
    # sync keeps up with one task every 2.5 L; the others with 1 every L/2.
    rate=100
    [ "$m" = sync ] && rate=20
    csv="$TEST_TMP/$m.csv"
    run_client "$m" fetch -n 20 --rate "$rate" --url "$SERVER_URL" --trace "$csv" --json
    expect_eq "$m --rate $rate: exit 0" "$STATUS" 0
    check=$(schedule_check "$csv" "$rate")
    expect_eq "$m --rate $rate: every task starts on schedule, never before" \
        "$(head -1 <<<"$check")" ok
    expect_eq "$m --rate $rate: the summary says the rate" "$(json .rate)" "$rate"
    expect_true "$m --rate $rate: intended-start latency >= actual-start latency, p50 p99 max" \
        summary_holds '.latency_from_intended_p50_ms >= .latency_from_start_p50_ms
               and .latency_from_intended_p99_ms >= .latency_from_start_p99_ms
               and .latency_from_intended_max_ms >= .latency_from_start_max_ms
               and .latency_from_start_p99_ms == .p99_ms
               and .start_late_p50_ms >= 0 and .start_late_max_ms <= '"$LATE_MAX_MS"
    # The wall time is the schedule's: the last start is at (N-1)/R.
    expect_true "$m --rate $rate: the run lasts at least the schedule, $((19 * 1000 / rate)) ms" \
        summary_holds ".wall_ms >= $((19 * 1000 / rate))"
    cp "$TEST_TMP/out" "$TEST_TMP/$m.json"
    run_client "$m" fetch -n 20 --rate "$rate" --url "$SERVER_URL"
    expect_true "$m --rate $rate: the table has the rows" grep -q '^  start late p99 ' "$TEST_TMP/out"
    expect_eq "$m --rate $rate: the table says what the JSON says" \
        "$(/usr/bin/python3 tests/tools/check_report.py "$TEST_TMP/out" --same "$TEST_TMP/$m.json" 2>&1)" ""
done
# Without --rate, none of its keys.
run_client sync fetch -n 2 --url "$SERVER_URL" --json
expect_eq "sync without --rate: no rate key in the summary" \
    "$(jq -r '[keys[] | select(test("rate|intended|start_late|from_start"))] | length' "$TEST_TMP/out")" 0

# A rate with a window: --concurrency 1 makes a loop model start no task
# before the one before it has ended, and none before its time.
for m in $(models | grep -vx sync); do
    csv="$TEST_TMP/$m-window.csv"
    run_client "$m" fetch -n 10 --rate 1000 --concurrency 1 --url "$SERVER_URL" --trace "$csv"
    expect_eq "$m --rate 1000 --concurrency 1: exit 0" "$STATUS" 0
    expect_eq "$m --rate 1000 --concurrency 1: one at a time, each after its time" \
        "$(/usr/bin/python3 - "$csv" <<'EOF'
import csv, sys
rows = sorted(csv.DictReader(open(sys.argv[1])), key=lambda r: int(r["id"]))
bad = [r["id"] for prev, r in zip(rows, rows[1:])
       if float(r["start_ms"]) < float(prev["end_ms"]) - 0.001]
bad += [r["id"] for r in rows if float(r["start_ms"]) < int(r["id"]) - 1 - 0.001]
print(" ".join(bad) or "ok")
EOF
)" ok
done

# sync at twice what it can keep up with: it falls behind by about L/2 a
# task, so the last tenth waits ~18 L longer than the first from its
# intended start, while each task itself still takes about L.
if [ -x "$BIN/sync" ]; then
    rate=$((2 * 1000 / LATENCY_MS))
    csv="$TEST_TMP/sync-behind.csv"
    events="$TEST_TMP/sync-behind.json"
    run_client sync fetch -n 40 --rate "$rate" --url "$SERVER_URL" --trace "$csv" --json \
        --trace-events "$events"
    expect_eq "sync --rate $rate: exit 0" "$STATUS" 0
    read -r first last < <(schedule_check "$csv" "$rate" | tail -1)
    expect_true "sync --rate $rate: intended-start p99, last tenth ($last ms) >= 2 x first ($first ms)" \
        /usr/bin/python3 -c "import sys; sys.exit(not $last >= 2 * $first)"
    expect_eq "sync --rate $rate: --trace-events draws each late start, intended to actual" \
        "$(/usr/bin/python3 - "$csv" "$events" "$rate" <<'PYEOF'
import csv, json, sys
rows = {int(r["id"]): r for r in csv.DictReader(open(sys.argv[1]))}
rate = float(sys.argv[3])
late = {e["tid"]: e for e in json.load(open(sys.argv[2]))["traceEvents"]
        if e.get("cat") == "schedule"}
bad = []
for ident, r in rows.items():
    intended, start = (ident - 1) * 1000 / rate, float(r["start_ms"])
    e = late.get(ident)
    if start - intended > 0.01 and (e is None or abs(e["ts"] / 1000 - intended) > 0.01
                                    or abs((e["ts"] + e["dur"]) / 1000 - start) > 0.01):
        bad.append(f"task {ident}: {e}")
if len(late) < len(rows) // 2:
    bad.append(f"only {len(late)} late starts drawn")
print("; ".join(bad) or "ok")
PYEOF
)" ok
    expect_true "sync --rate $rate: the summary's intended-start p99 >= 2 x its own p99" \
        summary_holds '.latency_from_intended_p99_ms >= 2 * .latency_from_start_p99_ms'
fi

# Bad values: exit 2, one line naming the option.
for m in $(models); do
    for bad in 0 -1 abc; do
        run_client "$m" fetch --rate "$bad" --url "$SERVER_URL"
        expect_eq "$m --rate $bad: exit 2" "$STATUS" 2
        expect_stderr "$m --rate $bad: one line that names it" "1:$m: --rate: '$bad' is not a number above 0 and at most 1000000"
    done
done

# Ctrl-C while tasks wait for their time (the loop's timer armed, sync or a
# pool thread asleep until the next start): the run stops at once, exit
# 130, the tasks not yet due recorded as cancelled before they started.
for m in $(models); do
    csv="$TEST_TMP/$m-interrupted.csv"
    reset_stats
    "$BIN/$m" fetch -n 100 --rate 5 --url "$SERVER_URL" --trace "$csv" \
        >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
    pid=$!
    expect_true "$m --rate 5: two tasks have started" wait_for requests_at_least 2
    interrupt "$pid"
    expect_eq "$m --rate 5, Ctrl-C while waiting for the next start: exits 130" "$STATUS" 130
    expect_true "$m --rate 5, Ctrl-C: at least 80 of 100 cancelled before they started" \
        [ "$(grep -c 'cancelled before it started' "$csv")" -ge 80 ]
    expect_eq "$m --rate 5, Ctrl-C: every task in the trace" \
        "$(awk 'END { print NR - 1 }' "$csv")" 100
done
