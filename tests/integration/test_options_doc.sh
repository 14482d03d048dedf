#!/usr/bin/env bash
# test_options_doc.sh: the documents' option tables say what --help says.
#
# Each program's --help is made from its option table, so it is the truth
# about an option's name, value name, range and default; the option table
# of docs/options.md, the usage of docs/mock-server.md and the --help of
# peers/python_asyncio (which types the C clients' limits again, in
# Python) are held to it by tests/tools/check_options_doc.py, as
# test_lesson.sh holds the figures to runs.csv. First the repository's,
# which must agree; then a copy with one difference planted at a time (a
# default, a missing row, a row too many, a value name, a range, the
# server's usage, the peer's limit): each must be reported on its own line,
# with its file and line, and nothing else. Last, the checker's command
# line.
. "$(dirname "$0")/../lib.sh"

# The documents are the same whatever the build variant: checked once.
release_only "options doc"

CHECK="$ROOT/tests/tools/check_options_doc.py"

# check_doc ARGS...: runs the checker against the programs in $BIN; stdout
# to $TEST_TMP/out, stderr to $TEST_TMP/err; sets STATUS.
check_doc() {
    timeout -s KILL 120 /usr/bin/python3 -B "$CHECK" --bin "$BIN" "$@" \
        >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    STATUS=$?
}

# ---- The repository's documents ----

PEER="$PEERS/python_asyncio"
if "$PEER" --help >/dev/null 2>&1; then
    PEER_ARGS=(--peer "$PEER")
else
    PEER_ARGS=()
    fail "options doc: python_asyncio does not run (test_python_asyncio.sh says why)"
fi
check_doc "${PEER_ARGS[@]}"
expect_eq "options doc: docs/options.md, docs/mock-server.md and python_asyncio agree with every --help" \
    "$STATUS" 0
sed 's/^/#   /' "$TEST_TMP/out" "$TEST_TMP/err"

# ---- The checker finds each difference ----

DOCS=$TEST_TMP/docs
mkdir "$DOCS"
cp "$ROOT/docs/options.md" "$ROOT/docs/mock-server.md" "$DOCS/"
check_doc --docs "$DOCS"
expect_eq "options doc: the copy agrees as the repository does" "$STATUS" 0

# plant FILE SED: edits the copy of FILE with the sed script SED, keeping
# the original for restore; sets LINE to the first line the edit changed.
plant() {
    cp "$DOCS/$1" "$TEST_TMP/kept"
    sed -i "$2" "$DOCS/$1"
    LINE=$(cmp "$TEST_TMP/kept" "$DOCS/$1" 2>/dev/null | sed -nE 's/.* line ([0-9]+)$/\1/p')
    [ -n "$LINE" ] || LINE=?
}

# restore FILE: undoes plant.
restore() {
    cp "$TEST_TMP/kept" "$DOCS/$1"
}

# expect_one WHAT LINE: the checker exits 1 and prints exactly LINE.
expect_one() {
    check_doc --docs "$DOCS"
    if [ "$STATUS" = 1 ] && [ "$(cat "$TEST_TMP/out")" = "$2" ]; then
        pass "options doc: $1"
    else
        fail "options doc: $1: exit $STATUS (1), printed '$(head -c 600 "$TEST_TMP/out")', expected '$2'"
    fi
}

CLIENTS=$(models | paste -sd, - | sed 's/,/, /g')

plant options.md 's/^| `-n, --count N` | tasks (cook: one per dish) | 100 |$/| `-n, --count N` | tasks (cook: one per dish) | 1000 |/'
expect_one "a default that is not --help's" \
    "docs/options.md:$LINE: option '--count': the default cell does not say --help's default '100' ($CLIENTS)"
restore options.md

plant options.md '/^| `--size BYTES` |/s/--size BYTES/--size N/'
expect_one "a value name that is not --help's" \
    "docs/options.md:$LINE: option '--size': the table says \`--size N\`, --help '--size BYTES' ($CLIENTS)"
restore options.md

plant options.md '/^| `--stack-kb K` |/s/32 to 65536/32 to 65535/'
expect_one "a range that is not --help's" \
    "docs/options.md:$LINE: option '--stack-kb': '32 to 65535' is no range of its --help (32..65536, 64..65536)"
restore options.md

HEADER=$(grep -n '^| option | meaning | default |$' "$DOCS/options.md" | cut -d: -f1)
plant options.md '/^| `--fsync` |/d'
expect_one "an option of --help with no row" \
    "docs/options.md:$HEADER: option '--fsync': in the --help of $CLIENTS but not in the table"
restore options.md

plant options.md '/^| `--fsync` |/a | `--fsync-dir` | files: fsync the folder | off |'
expect_one "a row of no option" \
    "docs/options.md:$LINE: option '--fsync-dir': in the table but in no client's --help"
restore options.md

plant mock-server.md 's/\[--port 8080\]/[--port 8081]/'
expect_one "the server's usage with a default that is not --help's" \
    "docs/mock-server.md:$LINE: option '--port': the usage block says 8081, --help's default is '8080'"
restore mock-server.md

USAGE=$(grep -n '^bin/mock_server' "$DOCS/mock-server.md" | cut -d: -f1)
plant mock-server.md 's/ \[--hang-ms 60000\]//'
expect_one "a server option missing from its usage" \
    "docs/mock-server.md:$USAGE: option '--hang-ms': takes a value in --help but is not in the usage block"
restore mock-server.md

plant mock-server.md 's/(1 to 3,600,000; default 5,000)/(1 to 3,600,000; default 6,000)/'
expect_one "the server's text with a default that is not --help's" \
    "docs/mock-server.md:$LINE: option '--request-timeout-ms': default 6,000, --help's is '5000'"
restore mock-server.md

# The peer, copied with what it imports, its --backoff-ms limit typed
# wrong in its help and its parser alike.
if [ "${#PEER_ARGS[@]}" -gt 0 ]; then
    TREE=$TEST_TMP/tree
    mkdir -p "$TREE/peers" "$TREE/tests"
    ln -s "$ROOT/scripts" "$TREE/scripts"
    ln -s "$ROOT/tests/tools" "$TREE/tests/tools"
    sed 's/0\.\.3600000 (default: 100)/0..3599999 (default: 100)/; s/("backoff-ms", 0, 3_600_000)/("backoff-ms", 0, 3_599_999)/' \
        "$PEER" >"$TREE/peers/python_asyncio"
    chmod +x "$TREE/peers/python_asyncio"
    check_doc --peer "$TREE/peers/python_asyncio"
    if [ "$STATUS" = 1 ] && [ "$(cat "$TEST_TMP/out")" = "python_asyncio: option '--backoff-ms': its range 0..3599999 is none of the C clients' (0..3600000)" ]; then
        pass "options doc: a limit the peer types again that is not the C clients'"
    else
        fail "options doc: a limit the peer types again: exit $STATUS (1), printed '$(head -c 600 "$TEST_TMP/out")'"
    fi
fi

# ---- The command line ----

check_doc --help
expect_eq "options doc: --help exits 0" "$STATUS" 0
expect_true "options doc: --help says how to use it" grep -q '^usage:' "$TEST_TMP/out"
check_doc --no-such-option
expect_eq "options doc: an unknown option exits 2" "$STATUS" 2
mkdir "$TEST_TMP/empty"
timeout -s KILL 60 /usr/bin/python3 -B "$CHECK" --bin "$TEST_TMP/empty" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
STATUS=$?
expect_eq "options doc: a --bin with no programs exits 2" "$STATUS" 2
expect_eq "options doc: ... with one line on stderr" "$(wc -l <"$TEST_TMP/err")" 1
