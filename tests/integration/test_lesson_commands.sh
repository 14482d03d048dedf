#!/usr/bin/env bash
# test_lesson_commands.sh: every command block of docs/LESSON.md runs, in a
# short form, and exits and prints as the lesson says; step 5's table of
# waits quotes lines the code still has.
#
# tests/tools/lesson_commands.py does the work (its docstring lists the
# substitutions that shorten the commands, the lines it does not run and
# why, and the exits and outputs it expects). Here: this test's own mock
# server stands for the lesson's 127.0.0.1:8080; the whole lesson runs; a
# copy with a line the tool has no form for fails before running anything,
# naming the line; a copy with a renamed option, or a jq of a field the
# output lacks, fails, naming the line; the waits table passes, and a copy
# with a quoted line changed and a row missing fails, naming both.
. "$(dirname "$0")/../lib.sh"

# The lesson's commands are the release programs' (bin/); each program runs
# under the sanitizers in its own test files, and twice the lesson here
# would add minutes and nothing else.
release_only "lesson commands"

TOOL="$ROOT/tests/tools/lesson_commands.py"
LESSON="$ROOT/docs/LESSON.md"
PYTHON=/usr/bin/python3

# tool ARGS...: runs the tool (10 minutes at most); stdout to $TEST_TMP/out,
# stderr to $TEST_TMP/err; sets STATUS.
tool() {
    timeout -s KILL 600 "$PYTHON" -B "$TOOL" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    STATUS=$?
}

# ---- The lesson, every block ----

start_server --latency-ms 20
expect_true "the test's server says where it listens, as the lesson's does" \
    grep -q '^listening on http://127\.0\.0\.1:[0-9]*$' "$TEST_TMP/server.out"
tool --url "$SERVER_URL" --bin "$ROOT/$BIN" --tmp "$TEST_TMP" "$LESSON"
cat "$TEST_TMP/out"
expect_eq "the lesson: every block ran as it says (exit 0)" "$STATUS" 0
[ "$STATUS" = 0 ] || sed 's/^/#   /' "$TEST_TMP/err" | head -20
ran=$(grep -c '^ok - lesson line ' "$TEST_TMP/out")
expect_true "the lesson: at least 50 of its lines ran ($ran)" test "$ran" -ge 50
stop_server

# ---- A line without a form, a renamed option ----

cp "$LESSON" "$TEST_TMP/unformed.md"
printf '%s\n' '' '```sh' 'make bench' '```' >>"$TEST_TMP/unformed.md"
tool --check-only "$TEST_TMP/unformed.md"
expect_eq "a line without a form: exit 1, nothing run" "$STATUS" 1
expect_true "a line without a form: named" \
    has_line "not ok - a line the test neither runs nor names: make bench"

start_server --latency-ms 20
printf '%s\n' '# a lesson' '```sh' 'bin/sync fetch -n 2 --time-line' 'bin/sync fetch -n 2' \
    "bin/sync fetch -n 2 --json | jq '{wall_ms, wall_time}'" '```' >"$TEST_TMP/renamed.md"
tool --no-stale --url "$SERVER_URL" --bin "$ROOT/$BIN" --tmp "$TEST_TMP" "$TEST_TMP/renamed.md"
expect_eq "a renamed option: exit 1" "$STATUS" 1
expect_true "a renamed option: its line fails with the usage error's 2" \
    has_line "not ok - lesson line 3: bin/sync fetch -n 2 --time-line: exit 2, expected 0"
expect_true "a renamed option: the next line still runs" \
    has_line "ok - lesson line 4: bin/sync fetch -n 2"
expect_true "a field the output does not have: jq's null is named" \
    has_line "not ok - lesson line 5: bin/sync fetch -n 2 --json | jq '{wall_ms, wall_time}': jq printed null"
stop_server

# ---- Step 5's table of waits ----

tool --waits-table "$LESSON"
expect_eq "the waits table: every quoted line is in the code (exit 0)" "$STATUS" 0
[ "$STATUS" = 0 ] || grep '^not ok' "$TEST_TMP/out" | sed 's/^/#   /'
expect_eq "the waits table: 2 checks per wait and the rows" \
    "$(grep -c '^ok - ' "$TEST_TMP/out")" 23
sed -e 's/`return curl_easy_perform(worker->easy);`/`return curl_easy_perform(easy);`/' \
    -e '/^| `unlink` /d' "$LESSON" >"$TEST_TMP/waits.md"
tool --waits-table "$TEST_TMP/waits.md"
expect_eq "the waits table, a line changed and a row gone: exit 1" "$STATUS" 1
expect_true "a changed line: named" \
    has_line "not ok - the waits table: transfer: its lines are in tasks/blocking.c: not there: ['return curl_easy_perform(easy);']"
expect_true "a row gone: named" \
    has_line "not ok - the waits table: one row per member of struct waits"
