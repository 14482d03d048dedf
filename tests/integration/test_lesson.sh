#!/usr/bin/env bash
# test_lesson.sh: every figure docs/LESSON.md (and any document) quotes holds
# against results/.
#
# tests/tools/check_figures.py recomputes each figure (a link to runs.csv
# titled with its config, model and stat, or the ratio of two) with
# the report's own load_runs and Stat (scripts/aiobench). Here: the lesson passes
# against the committed results/ with at least FIGURES_MIN figures; the
# checker fails, naming the file and line, on a copy of the lesson with one
# figure altered (and --update puts it back), on a step's "Figures from
# the bench configs" line altered or gone (named, and --update writes it
# back), on an unknown config and on a unit that does not fit; a cost term
# (KB per waiting task) against the figure REPORT.md prints; its rounding, units and ratios against a
# runs.csv written here, whose values are known; --help, a bad option and a
# missing results folder.
. "$(dirname "$0")/../lib.sh"

# The lesson and the checker do not depend on the build variant: they are
# checked once, beside the release programs.
release_only "lesson"

CHECK="$ROOT/tests/tools/check_figures.py"
LESSON="$ROOT/docs/LESSON.md"
PYTHON=/usr/bin/python3
FIGURES_MIN=15

# The documents quote the committed reference run. `make bench` leaves it
# alone (it writes results/runs/), but `scripts/bench.py --out results`, a
# maintainer remaking it, replaces it before the figures are updated and
# committed; so the figures are checked against git's copy where there is
# one, and against results/ as it is only outside a git checkout.
RESULTS="$TEST_TMP/committed-results"
if git -C "$ROOT" cat-file -e HEAD:results/runs.csv 2>/dev/null; then
    mkdir -p "$RESULTS"
    for f in runs.csv meta.json reference.json REPORT.md; do
        git -C "$ROOT" cat-file -e "HEAD:results/$f" 2>/dev/null || continue
        git -C "$ROOT" show "HEAD:results/$f" >"$RESULTS/$f"
    done
else
    RESULTS="$ROOT/results"
fi

# check ARGS...: runs the checker; stdout to $TEST_TMP/out, stderr to
# $TEST_TMP/err; sets STATUS.
check() {
    timeout -s KILL 60 "$PYTHON" -B "$CHECK" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    STATUS=$?
}

# counted: the checker's last line, "N figures in F file(s): P passed, K failed".
counted() {
    tail -1 "$TEST_TMP/out"
}

# ---- The lesson against the committed results ----

check --results "$RESULTS" "$LESSON"
expect_eq "lesson: every figure holds against results/ (exit 0)" "$STATUS" 0
[ "$STATUS" = 0 ] || sed 's/^/#   /' "$TEST_TMP/out" "$TEST_TMP/err" | head -20
figures=$(counted | sed -n 's/^\([0-9]*\) figures in 1 file(s): \1 passed, 0 failed$/\1/p')
expect_true "lesson: at least $FIGURES_MIN figures, all passed ($(counted))" \
    test "${figures:-0}" -ge "$FIGURES_MIN"
check --results "$RESULTS"
expect_eq "lesson: docs/LESSON.md is the default file" "$(counted)" \
    "${figures:-?} figures in 1 file(s): ${figures:-?} passed, 0 failed"

# The other documents quote figures the same way (docs/notes.md): all of
# them hold too.
docs=("$ROOT/README.md" "$ROOT"/docs/*.md)
check --results "$RESULTS" "${docs[@]}"
expect_eq "every document: its figures hold against results/ (exit 0)" "$STATUS" 0
[ "$STATUS" = 0 ] || sed 's/^/#   /' "$TEST_TMP/out" "$TEST_TMP/err" | head -20
expect_true "every document: more figures than the lesson's alone ($(counted))" \
    test "$(counted | cut -d' ' -f1)" -gt "${figures:-0}"

# ---- One figure altered: the checker fails and names the line ----

figure=$(grep -o -m1 '\[[^]]*\](\.\./results/runs\.csv "[^"]*")' "$LESSON")
line=$(grep -n -m1 -F -- "$figure" "$LESSON" | cut -d: -f1)
text=${figure#\[}
text=${text%%\](*}
mkdir -p "$TEST_TMP/docs"
ALTERED="$TEST_TMP/docs/LESSON.md"
awk -v n="$line" -v old="[$text](" -v new="[9$text](" '
    NR == n { i = index($0, old); $0 = substr($0, 1, i - 1) new substr($0, i + length(old)) }
    { print }' "$LESSON" >"$ALTERED"
expect_true "altered copy: exactly one line differs" \
    test "$(diff "$LESSON" "$ALTERED" | grep -c '^>')" = 1
check --results "$RESULTS" "$ALTERED"
expect_eq "altered copy: exit 1" "$STATUS" 1
expect_true "altered copy: the line is named ($ALTERED:$line: figure '9$text')" \
    has_line "$ALTERED:$line: figure '9$text': shown "
expect_eq "altered copy: one failure, the rest passed" "$(counted)" \
    "${figures:-?} figures in 1 file(s): $((${figures:-1} - 1)) passed, 1 failed"

# --update puts the figure back as the data has it, and changes nothing else.
check --update --results "$RESULTS" "$ALTERED"
expect_eq "--update: exit 0, the altered figure updated" \
    "$STATUS $(tail -1 "$TEST_TMP/out")" \
    "0 ${figures:-?} figures in 1 file(s): $((${figures:-1} - 1)) passed, 1 failed, 1 updated"
expect_true "--update: the line is named ($ALTERED:$line: updated to ...)" \
    has_line "$ALTERED:$line: updated to '"
check --results "$RESULTS" "$ALTERED"
expect_eq "--update: the copy now holds" "$STATUS" 0
expect_eq "--update: the copy is the lesson again, byte for byte" \
    "$(cmp -s "$LESSON" "$ALTERED" && echo same)" same

# ---- Each step's "Figures from the bench configs" line ----

# Its first line's first args altered: the section and the config are named,
# and --update writes the line back as runs.csv has it.
sources=$(grep -n -m1 '^Figures from the bench configs: ' "$LESSON" | cut -d: -f1)
config=$(sed -n "${sources}p" "$LESSON" | sed 's/^[^`]*`\([^`]*\)`.*/\1/')
heading=$(head -n "${sources:-1}" "$LESSON" | grep '^## ' | tail -1)
sed "${sources}s/ (\`\([^\`]*\)\`)/ (\`\1 --extra\`)/" "$LESSON" >"$ALTERED"
expect_true "altered line: exactly one line differs" \
    test "$(diff "$LESSON" "$ALTERED" | grep -c '^>')" = 1
check --results "$RESULTS" "$ALTERED"
expect_eq "altered line: exit 1" "$STATUS" 1
expect_true "altered line: its section and config are named ($ALTERED:$sources: section '$heading': config '$config': ...)" \
    has_line "$ALTERED:$sources: section '$heading': config '$config': the line gives ("
check --update --results "$RESULTS" "$ALTERED"
expect_eq "altered line: --update rewrites it, exit 0" \
    "$STATUS $(tail -1 "$TEST_TMP/out")" \
    "0 ${figures:-?} figures in 1 file(s): ${figures:-?} passed, 0 failed, 0 updated; 1 wrong in the sections' 'Figures from' lines, 1 line(s) rewritten"
expect_eq "altered line: --update makes the lesson again, byte for byte" \
    "$(cmp -s "$LESSON" "$ALTERED" && echo same)" same

# The line gone (with the blank line before it): missing, and put back.
sed "$((sources - 1)),${sources}d" "$LESSON" >"$ALTERED"
check --results "$RESULTS" "$ALTERED"
expect_true "line gone: exit 1, said at the section's last line ($ALTERED:$((sources - 2)))" \
    has_line "$ALTERED:$((sources - 2)): section '$heading': no 'Figures from the bench configs:' line at its end"
check --update --results "$RESULTS" "$ALTERED"
expect_eq "line gone: --update puts it back, byte for byte" \
    "$STATUS $(cmp -s "$LESSON" "$ALTERED" && echo same)" "0 same"

# ---- An unknown config, a unit that does not fit, a malformed title ----

printf '%s\n' '# figures' \
    'x [1 s](../results/runs.csv "config=no such config; model=sync; stat=median")' \
    >"$TEST_TMP/unknown.md"
check --results "$RESULTS" "$TEST_TMP/unknown.md"
expect_eq "unknown config: exit 1" "$STATUS" 1
expect_true "unknown config: said on line 2" \
    has_line "$TEST_TMP/unknown.md:2: figure '1 s': unknown config 'no such config'"

printf '%s\n' '[20 KB](../results/runs.csv "config=headline fetch; model=sync; stat=median")' \
    >"$TEST_TMP/unit.md"
check --results "$RESULTS" "$TEST_TMP/unit.md"
expect_eq "wrong unit: exit 1" "$STATUS" 1
expect_true "wrong unit: said, with the value computed" \
    has_line "$TEST_TMP/unit.md:1: figure '20 KB': 'KB' does not fit a time value"
expect_true "wrong unit: the computed value is shown" grep -q '(computed [0-9,.]* ms)$' "$TEST_TMP/out"

# ---- A cost term: the slope REPORT.md gives, computed by the same code ----

# The figure as the report printed it, in its Targets table.
uv_kb=$(sed -n 's/^| fetch 10,000 at once: async_uv at most 10 KB per waiting request | \([0-9.]*\) KB per task.*/\1/p' \
    "$RESULTS/REPORT.md")
expect_true "cost: REPORT.md gives async_uv's KB per waiting task (${uv_kb:-none})" test -n "$uv_kb"
printf '%s\n' "x [$uv_kb KB](../results/runs.csv \"model=async_uv; cost=rss_kb\")" \
    "y [1$uv_kb KB](../results/runs.csv \"model=async_uv; cost=rss_kb\")" \
    'z [1 KB](../results/runs.csv "model=async_uv; cost=heap_kb")' >"$TEST_TMP/cost.md"
check --results "$RESULTS" "$TEST_TMP/cost.md"
expect_eq "cost: the report's figure holds, a wrong one and an unknown cost fail" \
    "$STATUS $(counted)" "1 3 figures in 1 file(s): 1 passed, 2 failed"
expect_true "cost: the wrong figure is named" has_line "$TEST_TMP/cost.md:2: figure '1$uv_kb KB': shown"
expect_true "cost: the unknown cost is named" has_line "$TEST_TMP/cost.md:3: figure '1 KB': unknown cost 'heap_kb'"

# ---- Rounding, units and ratios against a runs.csv with known values ----

# Config "c": model m ran 1000, 1500 and 2000 ms (median 1500), peak RSS
# 2048, 3072, 4096 KB (median 3072 = 3.0 MB), 4 tasks at once, the loop busy
# a quarter of the run, a task state of 512 bytes; model n ran 2000 ms.
# A failed run (status 2, no time) is not counted.
mkdir -p "$TEST_TMP/known"
(cd "$ROOT/scripts" && "$PYTHON" -B - "$TEST_TMP/known/runs.csv") <<'EOF'
import csv, sys
from aiobench.schema import RUN_FIELDS
rows = [("m", 0, 1000, 2048), ("m", 0, 1500, 3072), ("m", 0, 2000, 4096), ("m", 2, "", ""),
        ("n", 0, 2000, 1024)]
with open(sys.argv[1], "w", newline="") as out:
    writer = csv.DictWriter(out, fieldnames=RUN_FIELDS, lineterminator="\n")
    writer.writeheader()
    for model, status, wall, rss in rows:
        writer.writerow({"config": "c", "model": model, "status": status, "wall_ms": wall,
                         "max_rss_kb": rss, "concurrency": 4, "loop_busy": 0.25,
                         "task_state_bytes": 512, "ok": 10, "failed": 0})
EOF
T='../results/runs.csv "config=c; model=m; stat'
printf '%s\n' "[1.5 s]($T=median\")" "[1.50 s]($T=median\")" "[1,500 ms]($T=median\")" \
    "[1500000 µs]($T=median\")" "[3.0 MB]($T=rss_kb\")" "[3,072 KB]($T=rss_kb\")" \
    "[25%]($T=loop_busy\")" "[0.25]($T=loop_busy\")" "[4]($T=in_flight\")" \
    "[0.5 KB]($T=task_state_bytes\")" "[40]($T=ok\")" \
    "[375 ms]($T=median / config=c; model=m; stat=in_flight\")" \
    "[0.75×]($T=median / config=c; model=n; stat=median\")" \
    "[75%]($T=median / config=c; model=n; stat=median\")" \
    "[the data](../results/runs.csv) is a plain link, not a figure" \
    "\`[9 s]($T=median\")\` is code, not a figure" \
    >"$TEST_TMP/known/good.md"
check --results "$TEST_TMP/known" "$TEST_TMP/known/good.md"
expect_eq "known values: every figure holds" "$STATUS/$(counted)" \
    "0/14 figures in 1 file(s): 14 passed, 0 failed"
[ "$STATUS" = 0 ] || sed 's/^/#   /' "$TEST_TMP/out" | head -20
printf '%s\n' "[1.4 s]($T=median\")" "[1.51 s]($T=median\")" "[1.5]($T=median\")" \
    "[3 %]($T=median\")" "[3.1 MB]($T=rss_kb\")" "[26%]($T=loop_busy\")" \
    "[1.5 s]($T=nothing\")" "[1.5 s](../results/runs.csv \"config=c; model=x; stat=median\")" \
    "[1 s]($T=median / config=c; model=m; stat=rss_kb\")" "[about 1.5 s]($T=median\")" \
    "[1.5 s](../results/runs.csv \"config=c; stat=median\")" \
    "[1.5 s](../results/runs.csv \"config=c; model=m; stat=lag_max\")" \
    "[1.5 s](../results/runs.csv" \
    >"$TEST_TMP/known/bad.md"
check --results "$TEST_TMP/known" "$TEST_TMP/known/bad.md"
expect_eq "known values: every wrong figure fails" "$STATUS/$(counted)" \
    "1/13 figures in 1 file(s): 0 passed, 13 failed"
expect_eq "known values: one line per failure" "$(grep -c "^$TEST_TMP/known/bad.md:[0-9]*: figure '" "$TEST_TMP/out")" 13

# ---- The command line ----

check --help
expect_eq "--help: exit 0" "$STATUS" 0
expect_true "--help: says how to call it" grep -q -- '--results DIR' "$TEST_TMP/out"
check --no-such-option
expect_eq "a bad option: exit 2" "$STATUS" 2
expect_eq "a bad option: one line on stderr" "$(wc -l <"$TEST_TMP/err")" 1
check --results "$TEST_TMP/nowhere" "$LESSON"
expect_eq "a results folder without runs.csv: exit 2" "$STATUS" 2
check "$TEST_TMP/none.md"
expect_eq "a file that cannot be read: exit 2" "$STATUS" 2

# ---- The map from asyncio to C: every C name in it is in the code ----

# map_missing FILE: the names the map section of FILE gives in backquotes
# that the C sources do not have: a function, macro or variable (a word
# with an underscore), `struct NAME` or `enum NAME` (defined),
# or an option (--name, in some program's --help). One per line.
SOURCES=(base client tasks loop coro sync async_threads async_uv async_coro async_uring)
map_missing() {
    local name
    awk '/^## The map/ { on = 1; next } /^## / { on = 0 } on' "$1" |
        grep -o '`[^`]*`' | tr -d '`' | sort -u |
        while IFS= read -r name; do
            case $name in
                struct\ * | enum\ *)
                    grep -rqE "^${name} \{" "${SOURCES[@]/#/$ROOT/}" --include='*.[ch]' ||
                        echo "$name" ;;
                --*)
                    for program in "$BIN"/sync "$BIN"/async_*; do
                        "$program" --help 2>/dev/null | grep -qw -- "${name%% *}" && continue 2
                    done
                    echo "$name" ;;
                *_*)
                    [[ $name =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || continue
                    grep -rqw "$name" "${SOURCES[@]/#/$ROOT/}" --include='*.[ch]' || echo "$name" ;;
            esac
        done
}
expect_true "the map: the lesson has one" grep -q '^## The map: from asyncio to this C' "$LESSON"
map_names=$(awk '/^## The map/ { on = 1; next } /^## / { on = 0 } on' "$LESSON" |
            grep -o '`[^`]*`' | sort -u | wc -l)
expect_true "the map: names at least 40 things ($map_names)" test "$map_names" -ge 40
expect_eq "the map: every C name and option in it is in the code" "$(map_missing "$LESSON")" ""
# The check itself: a renamed function, struct and option are each found.
sed -e 's/`window_fill`/`window_fill_all`/' -e 's/`struct coro`/`struct coroutine`/' \
    -e 's/`--retries N`/`--max-retries N`/' "$LESSON" >"$TEST_TMP/renamed.md"
expect_eq "the map: a name the code lacks is found" "$(map_missing "$TEST_TMP/renamed.md" | tr '\n' ' ')" \
    "--max-retries N struct coroutine window_fill_all "
