#!/usr/bin/env bash
# test_outputs.sh: every output of the client programs, aimed at what is not
# a plain file.
#
# --trace, --trace-events and --cache, and the summary on stdout, against a
# null and a full device, a FIFO, a folder and a link, as root and as
# another user (nobody): a regular file is written whole (a temporary file
# renamed over it), anything else in place, a folder is refused before the
# run, two outputs on one regular file are refused, a 255-byte name is
# written, and every failure is one line on stderr and an exit status. Each
# check also looks at the target afterwards: still the device, FIFO, folder
# or link it was.
#
# The device cases run in a private mount namespace (unshare) with a fresh
# tmpfs on /dev holding the test's own nodes (null c 1 3, full c 1 7) and
# links (/dev/stdout to /proc/self/fd/1): a program that replaced them would
# replace the namespace's copies, never the machine's. Without root, the
# namespace or setpriv, those cases say "# skipped: why". The workload is
# cook (no server). The deeper cache checks are test_cache.sh's. The Python
# reference client, whose only output is its summary on stdout, is checked
# for that (fetch, against the mock server).
. "$(dirname "$0")/../lib.sh"

COOK=(cook --time-scale 0.01)   # three dishes, 60 ms at most
AS_NOBODY=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)

# kind PATH: the file's type as stat says it (a link is not followed), with
# the device numbers of a device ("character special file 1,7").
kind() {
    case $(stat -c %F "$1" 2>/dev/null) in
        "character special file") stat -c '%F %t,%T' "$1" ;;
        "") echo missing ;;
        *) stat -c %F "$1" ;;
    esac
}

# client MODEL ARGS...: like run_client, without its stdout redirection:
# the caller's stdout is the program's; stderr to $TEST_TMP/err.
client() {
    local m=$1
    shift
    timeout -s KILL "$CLIENT_TIMEOUT" "$BIN/$m" "$@" 2>"$TEST_TMP/err"
}

# started: the last run began its tasks (cook says so on stdout).
started() {
    grep -q 'Starting to prepare' "$TEST_TMP/out" && echo started || echo "not started"
}

# ---- Cases on the machine's own file system (in $TEST_TMP) ----

# check_folder MODEL: every output naming a folder is refused before the run.
check_folder() {
    local m=$1 dir="$TEST_TMP/folder" opt what
    mkdir -p "$dir"
    for opt in --trace --trace-events; do
        what="the trace"
        [ "$opt" = --trace-events ] && what="the trace events"
        run_client "$m" "${COOK[@]}" "$opt" "$dir"
        expect_eq "$m $opt FOLDER: exit 3 before the run" "$STATUS $(started)" "3 not started"
        expect_eq "$m $opt FOLDER: the message" "$(cat "$TEST_TMP/err")" \
            "$m: cannot write $what $dir: Is a directory"
        expect_eq "$m $opt FOLDER: still an empty folder" "$(kind "$dir") $(ls -A "$dir" | wc -l)" \
            "directory 0"
    done
    run_client "$m" "${COOK[@]}" --cache "$dir"
    expect_eq "$m --cache FOLDER: refused before the run" \
        "$([ "$STATUS" -ne 0 ] && echo refused) $(started)" "refused not started"
    expect_eq "$m --cache FOLDER: still an empty folder" "$(kind "$dir") $(ls -A "$dir" | wc -l)" \
        "directory 0"
}

# check_fifo MODEL: a FIFO with a reader gets the trace in place; without
# one the run says so; it stays a FIFO either way.
check_fifo() {
    local m=$1 fifo="$TEST_TMP/fifo" reader
    rm -f "$fifo" && mkfifo "$fifo"
    timeout 30 cat "$fifo" >"$TEST_TMP/fifo.got" &
    reader=$!
    run_client "$m" "${COOK[@]}" --trace "$fifo"
    wait "$reader"
    expect_eq "$m --trace FIFO: exit 0, the header and 3 rows to its reader" \
        "$STATUS $(head -1 "$TEST_TMP/fifo.got" | cut -d, -f1-2) $(wc -l <"$TEST_TMP/fifo.got")" \
        "0 id,state 4"
    expect_eq "$m --trace FIFO: still a FIFO" "$(kind "$fifo")" "fifo"

    timeout 30 cat "$fifo" >"$TEST_TMP/fifo.got" &
    reader=$!
    run_client "$m" "${COOK[@]}" --trace-events "$fifo"
    wait "$reader"
    expect_eq "$m --trace-events FIFO: exit 0, the JSON to its reader" \
        "$STATUS $(jq -r '.otherData.count' "$TEST_TMP/fifo.got" 2>&1)" "0 3"
    expect_eq "$m --trace-events FIFO: still a FIFO" "$(kind "$fifo")" "fifo"

    # No reader when the run ends: said at once, not waited for.
    run_client "$m" "${COOK[@]}" --trace "$fifo"
    expect_eq "$m --trace FIFO without a reader: exit 3 after the run" "$STATUS $(started)" "3 started"
    expect_eq "$m --trace FIFO without a reader: the message" "$(cat "$TEST_TMP/err")" \
        "$m: cannot write the trace $fifo: No such device or address"
    expect_eq "$m --trace FIFO without a reader: still a FIFO" "$(kind "$fifo")" "fifo"

    run_client "$m" "${COOK[@]}" --cache "$fifo"
    expect_eq "$m --cache FIFO: refused before the run, still a FIFO" \
        "$([ "$STATUS" -ne 0 ] && echo refused) $(started) $(kind "$fifo")" "refused not started fifo"
}

# check_link MODEL: a link to a regular file stays a link; its target is
# written whole.
check_link() {
    local m=$1 target="$TEST_TMP/target.csv" link="$TEST_TMP/link.csv"
    echo old >"$target"
    rm -f "$link" && ln -s target.csv "$link"
    run_client "$m" "${COOK[@]}" --trace "$link"
    expect_eq "$m --trace LINK: exit 0, still a link to its target" \
        "$STATUS $(kind "$link") $(readlink "$link")" "0 symbolic link target.csv"
    expect_eq "$m --trace LINK: the target holds the trace" \
        "$(head -1 "$target" | cut -d, -f1-2) $(wc -l <"$target")" "id,state 4"
    run_client "$m" "${COOK[@]}" --trace-events "$link"
    expect_eq "$m --trace-events LINK: exit 0, the link a link, the target the JSON" \
        "$STATUS $(kind "$link") $(jq -r '.otherData.count' "$target" 2>&1)" "0 symbolic link 3"
}

# check_regular MODEL: a regular file is replaced whole, and no temporary
# file is left beside it; a leftover temporary file of an earlier run with
# this PID's name blocks nothing; a name of 255 bytes is written.
check_regular() {
    local m=$1 dir="$TEST_TMP/regular" long
    rm -rf "$dir" && mkdir "$dir"
    long=$(printf 'n%.0s' $(seq 255))
    echo old >"$dir/trace.csv"
    run_client "$m" "${COOK[@]}" --trace "$dir/trace.csv" --trace-events "$dir/$long"
    expect_eq "$m regular files: exit 0, the trace whole, the events beside it, nothing else" \
        "$STATUS $(wc -l <"$dir/trace.csv") $(jq -r '.otherData.count' "$dir/$long" 2>&1) $(ls -A "$dir" | wc -l)" \
        "0 4 3 2"
}

# check_same_file MODEL: two outputs on one regular file are refused before
# the run, existing or not, however the path is spelled.
check_same_file() {
    local m=$1 dir="$TEST_TMP/same"
    rm -rf "$dir" && mkdir -p "$dir/sub"
    run_client "$m" "${COOK[@]}" --trace "$dir/out" --trace-events "$dir/sub/../out"
    expect_eq "$m --trace and --trace-events on one new file: exit 2 before the run" \
        "$STATUS $(started) $(kind "$dir/out")" "2 not started missing"
    expect_eq "$m --trace and --trace-events on one new file: the message" "$(cat "$TEST_TMP/err")" \
        "$m: --trace and --trace-events name the same file $dir/sub/../out: give each its own"
    run_client "$m" "${COOK[@]}" --trace "$dir/run.cache" --cache "$dir/run.cache"
    expect_eq "$m --trace and --cache on one new file: exit 2 before the run" \
        "$STATUS $(started) $(kind "$dir/run.cache")" "2 not started missing"
    echo old >"$dir/events.json"
    ln -s events.json "$dir/link.json"
    run_client "$m" "${COOK[@]}" --trace-events "$dir/events.json" --cache "$dir/link.json"
    expect_eq "$m --trace-events and --cache on one file through a link: exit 2, the file untouched" \
        "$STATUS $(started) $(cat "$dir/events.json")" "2 not started old"
}

# to_gone_reader COMMAND...: runs it, bounded, with stdout a pipe whose
# reader is gone before it starts (EPIPE, not SIGPIPE, for a program that
# ignores it), stderr to $TEST_TMP/err; its exit status.
to_gone_reader() {
    ERR="$TEST_TMP/err" /usr/bin/python3 -c 'import os, subprocess, sys
r, w = os.pipe(); os.close(r)
sys.exit(subprocess.call(sys.argv[1:], stdout=w, stderr=open(os.environ["ERR"], "w")))' \
        timeout -s KILL "$CLIENT_TIMEOUT" "$@"
}

# check_summary MODEL: a summary that stdout does not take is said on stderr
# and exits 3: a full device, a pipe with no reader, a descriptor open only
# for reading (what a closed stdout becomes). Redirecting stdout opens the
# machine's /dev/full and /dev/null, which the program cannot replace.
check_summary() {
    local m=$1
    client "$m" "${COOK[@]}" -q --json >/dev/full
    expect_eq "$m --json >/dev/full: exit 3" "$?" 3
    expect_eq "$m --json >/dev/full: the message" "$(cat "$TEST_TMP/err")" \
        "$m: cannot write the summary to standard output: No space left on device"
    # The table comes after cook's lines, which say their own failures.
    client "$m" "${COOK[@]}" >/dev/full
    expect_eq "$m table >/dev/full: exit 3, the message last" "$? $(tail -1 "$TEST_TMP/err")" \
        "3 $m: cannot write the summary to standard output: No space left on device"
    client "$m" "${COOK[@]}" -q --json 1</dev/null
    expect_eq "$m --json on a read-only stdout: exit 3, the message" "$? $(cat "$TEST_TMP/err")" \
        "3 $m: cannot write the summary to standard output: Bad file descriptor"
    to_gone_reader "$BIN/$m" "${COOK[@]}" -q --json
    expect_eq "$m --json to a pipe with no reader: exit 3, the message" "$? $(cat "$TEST_TMP/err")" \
        "3 $m: cannot write the summary to standard output: Broken pipe"
    client "$m" "${COOK[@]}" -q >/dev/full
    expect_eq "$m -q >/dev/full: nothing asked for, exit 0" "$? $(cat "$TEST_TMP/err")" "0 "
}

# check_python_summary: the Python reference client writes only its
# summary, on stdout: one that stdout does not take is said as the C
# clients say it, exit 3.
check_python_summary() {
    local p="$PEERS/python_asyncio" run=(fetch -n 3 --url "$SERVER_URL")
    timeout -s KILL "$CLIENT_TIMEOUT" "$p" "${run[@]}" --json >/dev/full 2>"$TEST_TMP/err"
    expect_eq "python_asyncio --json >/dev/full: exit 3, the message" "$? $(cat "$TEST_TMP/err")" \
        "3 python_asyncio: cannot write the summary to standard output: No space left on device"
    timeout -s KILL "$CLIENT_TIMEOUT" "$p" "${run[@]}" >/dev/full 2>"$TEST_TMP/err"
    expect_eq "python_asyncio table >/dev/full: exit 3, the message" "$? $(cat "$TEST_TMP/err")" \
        "3 python_asyncio: cannot write the summary to standard output: No space left on device"
    timeout -s KILL "$CLIENT_TIMEOUT" "$p" "${run[@]}" --json 1</dev/null 2>"$TEST_TMP/err"
    expect_eq "python_asyncio --json on a read-only stdout: exit 3, the message" \
        "$? $(cat "$TEST_TMP/err")" \
        "3 python_asyncio: cannot write the summary to standard output: Bad file descriptor"
    to_gone_reader "$p" "${run[@]}" --json
    expect_eq "python_asyncio --json to a pipe with no reader: exit 3, the message" \
        "$? $(cat "$TEST_TMP/err")" \
        "3 python_asyncio: cannot write the summary to standard output: Broken pipe"
    timeout -s KILL "$CLIENT_TIMEOUT" "$p" "${run[@]}" -q >/dev/full 2>"$TEST_TMP/err"
    expect_eq "python_asyncio -q >/dev/full: nothing asked for, exit 0" "$? $(cat "$TEST_TMP/err")" "0 "
}

# ---- Cases in the private mount namespace, /dev the test's own ----

# make_dev: a fresh tmpfs on /dev (it must come up empty: the proof that it
# is not the machine's), with the nodes and links the programs need, and
# /dev/shm, where nobody writes and runs the programs from: $TEST_TMP and
# $BIN may sit in folders only root enters (tests/mutants.py's copy of the
# tree is one). It all goes with the namespace.
make_dev() {
    mount -t tmpfs -o mode=755 aio-test-dev /dev || return 1
    [ -z "$(ls -A /dev)" ] || return 1
    mkdir -m 1777 /dev/shm && mkdir -m 755 /dev/shm/bin &&
        mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/full c 1 7 &&
        mknod -m 666 /dev/zero c 1 5 && mknod -m 666 /dev/urandom c 1 9 &&
        mknod -m 666 /dev/random c 1 8 && ln -s /proc/self/fd /dev/fd &&
        ln -s /proc/self/fd/0 /dev/stdin && ln -s /proc/self/fd/1 /dev/stdout &&
        ln -s /proc/self/fd/2 /dev/stderr
}

# check_devices MODEL [AS...]: --trace and --trace-events to /dev/null, to
# /dev/full, to /dev/stdout as a pipe and as a file, run as AS (nobody) or
# as root; every node and link is still what it was.
check_devices() {
    local m=$1 who=root program=$BIN/$1
    shift
    [ $# -gt 0 ] && who=nobody program=/dev/shm/bin/$m
    local out="/dev/shm/$who"
    rm -rf "$out" && mkdir -m 777 "$out"

    "$@" timeout -s KILL "$CLIENT_TIMEOUT" "$program" "${COOK[@]}" --trace /dev/null \
        --trace-events /dev/null >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    expect_eq "$m as $who: --trace and --trace-events both /dev/null: exit 0, nothing said" \
        "$? $(cat "$TEST_TMP/err")" "0 "
    "$@" timeout -s KILL "$CLIENT_TIMEOUT" "$program" "${COOK[@]}" --trace /dev/full \
        >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    expect_eq "$m as $who: --trace /dev/full: exit 3 after the run, the message" \
        "$? $(started) $(cat "$TEST_TMP/err")" \
        "3 started $m: cannot write the trace /dev/full: No space left on device"
    "$@" timeout -s KILL "$CLIENT_TIMEOUT" "$program" "${COOK[@]}" --trace-events /dev/full \
        >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    expect_eq "$m as $who: --trace-events /dev/full: exit 3 after the run, the message" \
        "$? $(started) $(cat "$TEST_TMP/err")" \
        "3 started $m: cannot write the trace events /dev/full: No space left on device"
    "$@" timeout -s KILL "$CLIENT_TIMEOUT" "$program" "${COOK[@]}" --cache /dev/null \
        >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    expect_eq "$m as $who: --cache /dev/null: refused before the run" \
        "$([ "$?" -ne 0 ] && echo refused) $(started)" "refused not started"

    # /dev/stdout a pipe (made by this shell, root's, whoever runs the
    # client): the trace goes down it, then the summary.
    "$@" timeout -s KILL "$CLIENT_TIMEOUT" "$program" "${COOK[@]}" -q --json \
        --trace /dev/stdout 2>"$TEST_TMP/err" | cat >"$TEST_TMP/out"
    expect_eq "$m as $who: --trace /dev/stdout on a pipe: exit 0, nothing said" \
        "${PIPESTATUS[0]} $(cat "$TEST_TMP/err")" "0 "
    expect_eq "$m as $who: --trace /dev/stdout on a pipe: the header, 3 rows, the summary" \
        "$(head -1 "$TEST_TMP/out" | cut -d, -f1-2) $(grep -c '^[0-9],' "$TEST_TMP/out") $(tail -1 "$TEST_TMP/out" | jq -r .ok)" \
        "id,state 3 3"
    # /dev/stdout a regular file: written in place, not replaced by a new
    # file (the summary would go to the old one, unlinked).
    : >"$out/stdout.txt"
    local inode
    inode=$(stat -c %i "$out/stdout.txt")
    "$@" timeout -s KILL "$CLIENT_TIMEOUT" "$program" "${COOK[@]}" -q --json \
        --trace-events /dev/stdout >>"$out/stdout.txt" 2>"$TEST_TMP/err"
    expect_eq "$m as $who: --trace-events /dev/stdout on a file: exit 0, the same file, the JSON then the summary" \
        "$? $(stat -c %i "$out/stdout.txt") $(head -n -1 "$out/stdout.txt" | jq -r .otherData.count) $(tail -1 "$out/stdout.txt" | jq -r .ok)" \
        "0 $inode 3 3"
    # A regular file of its own folder, as anyone.
    "$@" timeout -s KILL "$CLIENT_TIMEOUT" "$program" "${COOK[@]}" -q --trace "$out/trace.csv" \
        >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    expect_eq "$m as $who: --trace in its own folder: exit 0, the file whole and alone" \
        "$? $(wc -l <"$out/trace.csv") $(ls -A "$out" | grep -vc '^stdout.txt$')" "0 4 1"
    # A link to a device is followed, and stays a link.
    ln -sf /dev/null "$out/to-null"
    "$@" timeout -s KILL "$CLIENT_TIMEOUT" "$program" "${COOK[@]}" -q --trace "$out/to-null" \
        >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    expect_eq "$m as $who: --trace LINK to /dev/null: exit 0, still a link" \
        "$? $(kind "$out/to-null")" "0 symbolic link"
    "$@" timeout -s KILL "$CLIENT_TIMEOUT" "$program" "${COOK[@]}" -q --json >/dev/full 2>"$TEST_TMP/err"
    expect_eq "$m as $who: --json >/dev/full: exit 3, the message" "$? $(cat "$TEST_TMP/err")" \
        "3 $m: cannot write the summary to standard output: No space left on device"

    expect_eq "$m as $who: every node and link in /dev still what it was" \
        "$(kind /dev/null); $(kind /dev/full); $(kind /dev/stdout) $(readlink /dev/stdout); $(ls -A /dev | xargs)" \
        "character special file 1,3; character special file 1,7; symbolic link /proc/self/fd/1; fd full null random shm stderr stdin stdout urandom zero"
}

# sanitizer_logs_for_nobody: AS_NOBODY with sanitizer options whose logs go
# to a folder nobody may write (a sanitizer that cannot open its log_path
# fails the program), and the folder run.sh reads them from, in SAN_DIR.
sanitizer_logs_for_nobody() {
    local v opts
    SAN_DIR=
    mkdir -m 1777 /dev/shm/san-nobody || return 1
    for v in ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS; do
        opts=${!v:-}
        [[ $opts =~ log_path=([^:]*) ]] || continue
        SAN_DIR=$(dirname "${BASH_REMATCH[1]}")
        AS_NOBODY+=(env "$v=${opts/log_path=$SAN_DIR/log_path=/dev/shm/san-nobody}")
    done
}

if [ "${1:-}" = --in-namespace ]; then
    if ! make_dev; then
        echo "# skipped: the device cases: no fresh tmpfs on /dev in the namespace"
        exit 0
    fi
    sanitizer_logs_for_nobody || exit 1
    for m in $(models); do
        cp "$BIN/$m" /dev/shm/bin/ || exit 1
    done
    for m in $(models); do
        check_devices "$m"
        check_devices "$m" "${AS_NOBODY[@]}"
    done
    # Where run.sh looks for reports (a log of nobody's is one too).
    if [ -n "$SAN_DIR" ]; then
        find /dev/shm/san-nobody -type f -exec mv -t "$SAN_DIR" {} +
    fi
    exit 0
fi

for m in $(models); do
    check_folder "$m"
    check_fifo "$m"
    check_link "$m"
    check_regular "$m"
    check_same_file "$m"
    check_summary "$m"
done

# The Python client is one program whatever the build variant: checked once.
if [ "$BIN" != bin ]; then
    echo "# python_asyncio: checked with the release programs (bin) only"
elif ! "$PEERS/python_asyncio" --help >/dev/null 2>&1; then
    fail "python_asyncio: does not run with /usr/bin/python3 (test_python_asyncio.sh says why)"
elif start_server; then
    check_python_summary
    stop_server
fi

if [ "$(id -u)" != 0 ]; then
    echo "# skipped: the device cases and another user's: not root"
elif ! unshare --mount --propagation private true 2>/dev/null; then
    echo "# skipped: the device cases and another user's: unshare --mount is refused here"
elif ! "${AS_NOBODY[@]}" true 2>/dev/null; then
    echo "# skipped: the device cases and another user's: setpriv to nobody is refused here"
else
    # Its own lines go to this file's stdout; its TEST_TMP is its own.
    BIN=$(cd "$BIN" && pwd) unshare --mount --propagation private "$BASH" "$0" --in-namespace
fi
