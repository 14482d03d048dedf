#!/usr/bin/env bash
# test_compare.sh: scripts/compare.py, the comparison of two bench runs.
#
# The program, end to end (its statistics and their display against known
# values are unit tests: tests/python/test_compare.py). First runs.csv files
# written here, so that every outcome is known: a planted doubling in 5 runs
# a side is flagged +100%, the same values reshuffled give ~, 3 runs a side
# are too few to tell, failed runs are left out; --csv and --json say the same;
# bad input exits 2 with one line. Last, two real runs of the tiny plan
# (one counted run each) compared: too few runs everywhere, nothing flagged.
. "$(dirname "$0")/../lib.sh"

COMPARE="$ROOT/scripts/compare.py"
PYTHON=/usr/bin/python3
BENCH_TIMEOUT=${BENCH_TIMEOUT:-300}

# compare ARGS...: runs compare.py; stdout to $TEST_TMP/out, stderr to
# $TEST_TMP/err; sets STATUS.
compare() {
    timeout -s KILL 60 "$PYTHON" -B "$COMPARE" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    STATUS=$?
}

# runs_csv FILE: writes a runs.csv with bench.py's header from lines on
# stdin, "config|model|args|status|wall_ms", one per run; other cells empty.
HEADER=$(cd "$ROOT/scripts" && "$PYTHON" -B -c 'from aiobench.schema import RUN_FIELDS; print(",".join(RUN_FIELDS))')
runs_csv() {
    awk -F'|' -v header="$HEADER" '
        BEGIN { n = split(header, name, ","); print header }
        { run[$1 "|" $2]++
          for (i = 1; i <= n; i++) {
              v = ""
              if (name[i] == "config") v = $1
              else if (name[i] == "model") v = $2
              else if (name[i] == "args") v = $3
              else if (name[i] == "status") v = $4
              else if (name[i] == "wall_ms") v = $5
              else if (name[i] == "run") v = run[$1 "|" $2]
              printf "%s%s", v, (i < n ? "," : "\n")
          } }' >"$1"
}

# row CONFIG MODEL: the table's line for a configuration and model.
row() {
    grep -E "^$1 +$2 " "$TEST_TMP/out" | head -1
}

# contains TEXT STRING: STRING holds TEXT.
contains() {
    case "$2" in *"$1"*) return 0 ;; *) return 1 ;; esac
}

# ---- A planted change ----

# OLD: sync and async_uv, 5 runs each of fetch, and a failed run of sync
# (status 1, 9999 ms) that must not count. NEW: sync twice as slow;
# async_uv the same five values in another order. cook: 3 runs a side.
FETCH="fetch -n 5 --latency-ms 10"
{
    for ms in 100 102 101 104 103; do
        echo "headline fetch|sync|$FETCH|0|$ms"
        echo "headline fetch|async_uv|$FETCH|0|$((ms - 80))"
    done
    echo "headline fetch|sync|$FETCH|1|9999"
    for ms in 60 61 62; do echo "headline cook|sync|cook|0|$ms"; done
    echo "count 60|async_uv|fetch -n 60 --latency-ms 10|0|30"
} | runs_csv "$TEST_TMP/old.csv"
{
    for ms in 200 204 202 208 206; do echo "headline fetch|sync|$FETCH|0|$ms"; done
    for ms in 24 21 23 20 22; do echo "headline fetch|async_uv|$FETCH|0|$ms"; done
    for ms in 120 122 124; do echo "headline cook|sync|cook|0|$ms"; done
} | runs_csv "$TEST_TMP/new.csv"

compare "$TEST_TMP/old.csv" "$TEST_TMP/new.csv"
expect_eq "compare: exit 0" "$STATUS" 0
expect_eq "compare: nothing on stderr" "$(cat "$TEST_TMP/err")" ""
line=$(row "headline fetch" sync)
expect_true "compare: sync's doubling in 5 vs 5 runs is +100.0% (p=0.008) (${line:-no row})" \
    contains "+100.0% (p=0.008)" "$line"
expect_true "compare: sync's medians are 102 and 204, over the 5 runs that exited 0" \
    contains "102.0 ± ∞  5    204.0 ± ∞  5" "$line"
line=$(row "headline fetch" async_uv)
expect_true "compare: async_uv's same values reshuffled are ~ (p=1.000) (${line:-no row})" \
    contains "~ (p=1.000)" "$line"
line=$(row "headline cook" sync)
expect_true "compare: 3 vs 3 runs, even doubled, are too few to tell (${line:-no row})" \
    contains "too few runs (3 vs 3)" "$line"
line=$(row geomean sync)
expect_true "compare: sync's geomean over its 2 configurations is +100.0% (${line:-no row})" \
    contains "+100.0% (2 configs)" "$line"
expect_true "compare: async_uv has a geomean row" test -n "$(row geomean async_uv)"
expect_true "compare: says what is compared" grep -q "^wall_ms: the median of the runs that exited 0" \
    "$TEST_TMP/out"
expect_true "compare: says what only OLD has" \
    grep -q "^Only in OLD, not compared: 1 (configuration, model, arguments), e.g. count 60 async_uv" \
    "$TEST_TMP/out"

compare --csv "$TEST_TMP/old.csv" "$TEST_TMP/new.csv"
expect_eq "compare --csv: each row's verdict" \
    "$(awk -F, 'NR > 1 { print $1 "/" $2 ":" $NF }' "$TEST_TMP/out" | xargs)" \
    "headline fetch/sync:changed headline fetch/async_uv:same headline cook/sync:too few geomean/sync: geomean/async_uv:"
compare --json "$TEST_TMP/old.csv" "$TEST_TMP/new.csv"
expect_eq "compare --json: one object; sync's fetch: +100%, p = 2/252, 5 runs a side" \
    "$(jq -r '.rows[0] | [.verdict, .change_pct, (.p * 252 | round), .old.n, .new.n] | join(" ")' \
        "$TEST_TMP/out")" "changed 100 2 5 5"

# Folders are read as results folders (their runs.csv).
mkdir -p "$TEST_TMP/a" "$TEST_TMP/b"
cp "$TEST_TMP/old.csv" "$TEST_TMP/a/runs.csv"
cp "$TEST_TMP/new.csv" "$TEST_TMP/b/runs.csv"
compare "$TEST_TMP/a" "$TEST_TMP/b"
expect_true "compare: takes results folders" contains "+100.0%" "$(row "headline fetch" sync)"

# ---- Bad input: exit 2, one line "compare: ..." on stderr, nothing on stdout ----

# expect_bad WHAT TEXT ARGS...: compare ARGS fails so, saying TEXT.
expect_bad() {
    local what=$1 text=$2
    shift 2
    compare "$@"
    expect_eq "bad input, $what: exit 2" "$STATUS" 2
    expect_true "bad input, $what: one line on stderr holding '$text' ($(head -1 "$TEST_TMP/err"))" \
        test "$(wc -l <"$TEST_TMP/err")" -eq 1 -a -z "$(cat "$TEST_TMP/out")"
    expect_true "bad input, $what: the line says '$text'" grep -q "^compare: .*$text" "$TEST_TMP/err"
}
expect_bad "a missing file" "no such file" "$TEST_TMP/missing.csv" "$TEST_TMP/new.csv"
expect_bad "a folder without runs.csv" "no such file" "$TEST_TMP" "$TEST_TMP/new.csv"
echo "id,state,start_ms,end_ms" >"$TEST_TMP/trace.csv"
echo "1,ok,0,10" >>"$TEST_TMP/trace.csv"
expect_bad "another CSV" "not a runs.csv" "$TEST_TMP/old.csv" "$TEST_TMP/trace.csv"
: >"$TEST_TMP/empty.csv"
expect_bad "an empty file" "empty" "$TEST_TMP/empty.csv" "$TEST_TMP/new.csv"
echo "$HEADER" >"$TEST_TMP/header.csv"
expect_bad "a header and no runs" "no runs" "$TEST_TMP/old.csv" "$TEST_TMP/header.csv"
echo "headline files|sync|files -n 3 --size 16K|0|5" | runs_csv "$TEST_TMP/other.csv"
expect_bad "nothing in common" "no configuration and model" "$TEST_TMP/old.csv" "$TEST_TMP/other.csv"
printf 'config,run,model,args,status,wall_ms\nheadline cook,1,sync,cook,0,60\n' >"$TEST_TMP/older.csv"
expect_bad "a metric an older runs.csv lacks" "no column stack_touched_avg_kb" \
    --metric stack_touched_avg_kb "$TEST_TMP/older.csv" "$TEST_TMP/new.csv"
echo "headline fetch|sync|$FETCH|0|fast" | runs_csv "$TEST_TMP/word.csv"
expect_bad "a time that is not a number" "is not a number" "$TEST_TMP/word.csv" "$TEST_TMP/new.csv"
# A cell Python's float() reads as NaN or an infinity is no time either: in
# any spelling, on either side, in every output form (the table would stop
# on it with a traceback, --csv and --json would judge a change against it).
for cell in nan NaN -nan inf -inf +Infinity " infinity" 1e999; do
    {
        for ms in 100 102 101 104; do echo "headline fetch|sync|$FETCH|0|$ms"; done
        echo "headline fetch|sync|$FETCH|0|$cell"
    } | runs_csv "$TEST_TMP/odd.csv"
    for form in table --csv --json; do
        flag=${form#table}
        expect_bad "a time of '$cell' in OLD, $form" "is not a finite number" \
            $flag "$TEST_TMP/odd.csv" "$TEST_TMP/new.csv"
    done
    expect_bad "a time of '$cell' in NEW" "is not a finite number" "$TEST_TMP/new.csv" "$TEST_TMP/odd.csv"
done

# ---- make bench RUNS=N ----

expect_true "make bench RUNS=5 QUICK=1 runs bench.py --quick --runs 5" \
    grep -qx "scripts/bench.py --quick --runs 5" <(make -C "$ROOT" -n --no-print-directory bench RUNS=5 QUICK=1 2>/dev/null)

# ---- Two real runs of the same build (the release build only: its speed
# is what a comparison is for, and the sanitizer builds need not run it twice) ----

if [ "$BIN" != bin ] || [ -z "$(models)" ]; then
    exit 0
fi
for side in first second; do
    timeout -s KILL "$BENCH_TIMEOUT" "$PYTHON" "$ROOT/scripts/bench.py" --bin "$BIN" \
        --server-bin "$SERVER_BIN" --tiny --out "$TEST_TMP/$side" >/dev/null 2>"$TEST_TMP/bench.err"
    expect_eq "bench --tiny, $side run: exit 0" "$?" 0
done
compare "$TEST_TMP/first" "$TEST_TMP/second"
expect_eq "compare two tiny runs: exit 0" "$STATUS" 0
pairs=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                 $c["status"] == 0 { print $c["config"] "|" $c["model"] }' "$TEST_TMP/first/runs.csv" |
        sort -u | wc -l)
expect_eq "compare two tiny runs: each of the $pairs configurations and models, too few runs (1 vs 1)" \
    "$(grep -c 'too few runs (1 vs 1)$' "$TEST_TMP/out")" "$pairs"
expect_eq "compare two tiny runs: no change flagged, no ~ either" \
    "$(grep -v '^geomean' "$TEST_TMP/out" | grep -c '(p=')" 0
# A reference client (python_asyncio, curl_parallel) is a "model" of runs.csv
# to compare.py: its rows are compared, and summed up, as any other.
clients=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
                   $c["status"] == 0 { print $c["model"] }' "$TEST_TMP/first/runs.csv" | sort -u | wc -l)
expect_eq "compare two tiny runs: a geomean row per model and reference client ($clients)" \
    "$(grep -c '^geomean ' "$TEST_TMP/out")" "$clients"
