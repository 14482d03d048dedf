#!/usr/bin/env bash
# test_timeline.sh: the views of a run without gnuplot: --timeline, the text
# chart on stderr, and --trace-events, the run for ui.perfetto.dev.
#
# The chart is read back as text: a row per task, each bar's first and last
# column, so that sync's staircase (each dish starts where the last ended)
# and the others' wall (every dish starts at column 0) are checked from what
# a person would see. The trace is parsed as JSON and held against the CSV
# trace of the same run: one track per task, its attempts and backoffs.
. "$(dirname "$0")/../lib.sh"

export COLUMNS=80   # the chart's width, whatever runs the tests

# bars FILE: "FIRST LAST" per row of the chart in FILE: the bar's first
# column that is not blank, and its last mark ('#' or 'x').
bars() {
    /usr/bin/python3 - "$1" <<'EOF'
import re, sys
for line in open(sys.argv[1]):
    m = re.match(r'^.* \|(.*)\|$', line.rstrip('\n'))
    if m:
        bar = m.group(1)
        print(len(bar) - len(bar.lstrip(' ')), max(bar.rfind('#'), bar.rfind('x')))
EOF
}

# staircase FILE: "yes" when each row starts no earlier than a column
# before the previous one ended: one dish after another, however long a
# busy machine took to start one.
staircase() {
    bars "$1" | awk 'BEGIN { ok = 1 } NR > 1 && $1 < last - 1 { ok = 0 }
                     { last = $2 } END { print ((NR > 0 && ok) ? "yes" : "no") }'
}

# wall FILE: "yes" when every row starts before any row ends: all the
# dishes were cooking at once, however late a busy machine started one.
wall() {
    bars "$1" | awk 'BEGIN { first_end = 1e9 }
                     { if ($1 > last) last = $1; if ($2 < first_end) first_end = $2 }
                     END { print ((NR > 0 && last < first_end) ? "yes" : "no") }'
}

# check_cook MODEL: three dishes, a row each, the staircase or the wall.
check_cook() {
    local m=$1 shape=wall unit
    [ "$m" = sync ] && shape=staircase

    run_client "$m" cook --time-scale 0.05 --timeline
    expect_eq "$m cook --timeline: exit 0" "$STATUS" 0
    expect_true "$m cook --timeline: a heading on stderr" \
        grep -q "^$m cook: 3 tasks, one row each, over " "$TEST_TMP/err"
    expect_eq "$m cook --timeline: one row per dish, named" \
        "$(grep -o '^[^|]* |' "$TEST_TMP/err" | sed 's/ *|$//; s/^ *//' | paste -sd,)" \
        "Green Pepper with Meat,Tomato and Eggs,Garlic Lettuce"
    expect_eq "$m cook --timeline: each row 80 columns" \
        "$(grep ' |.*|$' "$TEST_TMP/err" | awk '{ print length($0) }' | sort -u)" 80
    expect_eq "$m cook --timeline: the $shape" "$($shape "$TEST_TMP/err")" yes
    # The longest dish ends last in a wall, the shortest first.
    if [ "$m" != sync ]; then
        expect_eq "$m cook --timeline: the 3, 2 and 1 s dishes end in that order" \
            "$(bars "$TEST_TMP/err" | awk '{ print $2 }' | sort -rn | paste -sd' ')" \
            "$(bars "$TEST_TMP/err" | awk '{ print $2 }' | paste -sd' ')"
    fi
    # In ms, or in s when a busy machine stretched the run past a second.
    unit=ms
    grep -qE "^$m cook: .* over [0-9.]+ s" "$TEST_TMP/err" && unit=s
    expect_true "$m cook --timeline: a time axis in $unit, as the heading's length" \
        grep -qE "^ +0$unit +[0-9.]+$unit +" "$TEST_TMP/err"
    expect_true "$m cook --timeline: the legend" grep -q '= running .*# completed' "$TEST_TMP/err"
    # At the least width (timeline.h: TIMELINE_WIDTH_MIN) every line fits,
    # the heading and the legend folded onto more lines.
    COLUMNS=40 run_client "$m" cook --time-scale 0.05 --timeline
    expect_eq "$m cook --timeline at 40 columns: exit 0, no line wider ($(awk 'length($0) > 40' "$TEST_TMP/err" | head -1))" \
        "$STATUS $(awk 'length($0) > 40' "$TEST_TMP/err" | wc -l)" "0 0"
    expect_eq "$m cook --timeline at 40 columns: the legend names every mark" \
        "$(grep -oE '[=~.x#] (running|processing|backoff|failed attempt|completed)' "$TEST_TMP/err" | wc -l)" 5
    expect_eq "$m cook --timeline at 40 columns: one row per dish, 40 columns each" \
        "$(grep ' |.*|$' "$TEST_TMP/err" | awk '{ print length($0) }' | sort -u)/$(grep -c ' |.*|$' "$TEST_TMP/err")" \
        "40/3"
    expect_true "$m cook --timeline: the dishes still on stdout" grep -q 'Garlic Lettuce is ready' "$TEST_TMP/out"

    run_client "$m" cook --time-scale 0.05 --timeline --json
    expect_eq "$m cook --timeline --json: stdout is one JSON object, the chart on stderr" \
        "$STATUS $(jq -c '[.model, .ok]' "$TEST_TMP/out") $(grep -c ' |.*|$' "$TEST_TMP/err")" \
        "0 [\"$m\",3] 3"
}

# check_many MODEL: 100 tasks are grouped 3 to a row, and the chart says so.
check_many() {
    local m=$1
    run_client "$m" fetch -n 100 --latency-ms 5 --concurrency "$(window_of "$m" 20)" \
        --url "$SERVER_URL" --timeline
    expect_eq "$m fetch -n 100 --timeline: exit 0, grouped 3 to a row in 34 rows" \
        "$STATUS $(grep -c 'grouped 3 to a row' "$TEST_TMP/err") $(grep -c ' |.*|$' "$TEST_TMP/err")" \
        "0 1 34"
    expect_eq "$m fetch -n 100 --timeline: rows labelled by their ids" \
        "$(grep ' |.*|$' "$TEST_TMP/err" | sed -n '1p;$p' | sed 's/ *|.*//; s/^ *//' | paste -sd' ')" \
        "1-3 100"
}

# check_retry MODEL: every item fails once: 'x', then the backoff '.',
# then the second attempt to '#'; processing '~' before the end.
check_retry() {
    local m=$1
    reset_stats
    run_client "$m" fetch -n 3 --retries 1 --backoff-ms 60 --process-ms 30 \
        --concurrency "$(window_of "$m" 3)" --url "$SERVER_URL" --timeline
    expect_eq "$m --retries --timeline: exit 0, 3 retried" \
        "$STATUS $(grep -c '3 retried, 0 failed' "$TEST_TMP/err")" "0 1"
    expect_eq "$m --retries --timeline: each row a failed attempt, a backoff, an attempt, processing" \
        "$(grep -cE ' \|[ ]*=*x\.+=*~+#[ ]*\|$' "$TEST_TMP/err")" 3
}

# check_trace_events MODEL: the trace's tracks and events against the CSV
# trace of the same run: one thread_name per task, its attempts and
# backoffs counted as the CSV says, times in µs, the thread that ran it.
check_trace_events() {
    local m=$1 csv="$TEST_TMP/trace.csv" events="$TEST_TMP/trace.json"
    rm -f "$csv" "$events"
    reset_stats
    run_client "$m" fetch -n 6 --retries 1 --backoff-ms 30 --process-ms 10 \
        --concurrency "$(window_of "$m" 3)" --url "$SERVER_URL" --trace "$csv" --trace-events "$events"
    expect_eq "$m --trace-events: exit 0" "$STATUS" 0
    expect_eq "$m --trace-events: what the trace says against the CSV" "$(/usr/bin/python3 - "$m" "$csv" "$events" <<'EOF'
import csv, json, sys
model, csv_path, events_path = sys.argv[1:]
rows = {int(r["id"]): r for r in csv.DictReader(open(csv_path))}
doc = json.load(open(events_path))
events = doc["traceEvents"]
bad = []
names = [e for e in events if e["ph"] == "M" and e["name"] == "thread_name"]
if sorted(e["tid"] for e in names) != sorted(rows):
    bad.append("thread_name tids %s" % sorted(e["tid"] for e in names))
if not any(e["ph"] == "M" and e["name"] == "process_name" and model in e["args"]["name"] for e in events):
    bad.append("no process_name naming the model")
for tid, row in rows.items():
    xs = sorted((e for e in events if e["ph"] == "X" and e["tid"] == tid), key=lambda e: e["ts"])
    attempts = [e for e in xs if e["cat"] == "attempt"]
    backoffs = [e for e in xs if e["cat"] == "backoff"]
    process = [e for e in xs if e["cat"] == "process"]
    if len(attempts) != int(row["attempts"]) or len(backoffs) != int(row["attempts"]) - 1:
        bad.append("task %d: %d attempts, %d backoffs, CSV %s attempts" % (tid, len(attempts), len(backoffs), row["attempts"]))
        continue
    if len(process) != 1:
        bad.append("task %d: %d processing events" % (tid, len(process)))
        continue
    first, last = attempts[0], attempts[-1]
    # float spans: within 2 µs of the CSV's ms, which has 3 decimals
    if abs(first["ts"] - float(row["start_ms"]) * 1000) > 2 or \
       abs(last["ts"] - float(row["attempt_start_ms"]) * 1000) > 2 or \
       abs(last["ts"] + last["dur"] - float(row["end_ms"]) * 1000) > 2:
        bad.append("task %d: times %s against the CSV %s %s %s" % (tid, [(e["ts"], e["dur"]) for e in attempts], row["start_ms"], row["attempt_start_ms"], row["end_ms"]))
    for a, b in zip(xs, xs[1:]):
        if b["cat"] != "process" and b["ts"] + 2 < a["ts"] + a["dur"]:
            bad.append("task %d: %s overlaps %s" % (tid, b["name"], a["name"]))
    p = process[0]
    if not (last["ts"] - 2 <= p["ts"] and p["ts"] + p["dur"] <= last["ts"] + last["dur"] + 2 and p["dur"] >= 9000):
        bad.append("task %d: processing %s outside its attempt %s" % (tid, (p["ts"], p["dur"]), (last["ts"], last["dur"])))
    threads = {e["args"]["thread"] for e in xs}
    name = next(e["args"]["name"] for e in names if e["tid"] == tid)
    if model == "async_threads":
        if len(threads) != 1 or min(threads) < 1 or min(threads) > 3 or \
           not name.endswith("(pool thread %d)" % min(threads)):
            bad.append("task %d: threads %s, named %r" % (tid, threads, name))
    elif threads != {0} or name != "task %d" % tid:
        bad.append("task %d: threads %s, named %r" % (tid, threads, name))
# Six tasks on a pool of three, each waiting on the server: more than one
# thread ran them.
all_threads = {e["args"]["thread"] for e in events if e["ph"] == "X"}
if model == "async_threads" and len(all_threads) < 2:
    bad.append("every task on the pool's threads %s" % sorted(all_threads))
print("; ".join(bad))
EOF
)" ""
    expect_eq "$m --trace-events: no temporary file left" "$(find "$TEST_TMP" -name '.aio-bench-*' | wc -l)" 0
}

# check_unwritable MODEL: a trace that cannot be written is found before
# the run: exit 3, a message naming the file, and nothing written. (Those
# that fail only at the end, a full device or a FIFO with no reader, are
# test_outputs.sh's.)
check_unwritable() {
    local m=$1 dir="$TEST_TMP/events-dir"
    run_client "$m" cook --time-scale 0.01 --trace-events "$TEST_TMP/missing/trace.json"
    expect_eq "$m --trace-events in a missing folder: exit 3 before the run" \
        "$STATUS $(grep -c 'Starting to prepare' "$TEST_TMP/out")" "3 0"
    expect_eq "$m --trace-events in a missing folder: the message" "$(cat "$TEST_TMP/err")" \
        "$m: cannot write the trace events $TEST_TMP/missing/trace.json: No such file or directory"
    run_client "$m" cook --time-scale 0.01 --trace "$TEST_TMP/missing/trace.csv"
    expect_eq "$m --trace in a missing folder: exit 3 too" "$STATUS" 3

    mkdir -p "$dir"
    run_client "$m" cook --time-scale 0.01 --json --trace-events "$dir"
    expect_eq "$m --trace-events naming a folder: exit 3 before the run, no summary" \
        "$STATUS $(wc -c <"$TEST_TMP/out")" "3 0"
    expect_true "$m --trace-events naming a folder: the message" \
        grep -q "^$m: cannot write the trace events $dir: Is a directory" "$TEST_TMP/err"
    expect_eq "$m --trace-events naming a folder: the folder untouched, no temporary file" \
        "$(find "$dir" | wc -l) $(find "$TEST_TMP" -name '.aio-bench-*' | wc -l)" "1 0"
}

for m in $(models); do
    check_cook "$m"
    check_unwritable "$m"
done

start_server --latency-ms 5 --threads 64 || exit 1
for m in $(models); do
    check_many "$m"
done

start_server --latency-ms 20 --threads 64 --fail-rate 1 --fail-times 1 || exit 1
for m in $(models); do
    check_retry "$m"
    check_trace_events "$m"
done
