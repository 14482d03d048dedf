#!/usr/bin/env bash
# test_errors.sh: a failure the client finds itself says what failed.
#
# For each cause a client finds on its own side, every model and
# peers/python_asyncio (with the release programs) must say in its
# message what failed, in the --verbose line and (the C models) the
# trace's error column alike, each message held to one regex:
#   connect   the host and port, and the system's reason (refused): a server
#             that answers /health and then closes its listening socket
#             (tests/tools/any_server.py --after-first refuse)
#   timeout   a connect that timed out names where it was connecting to
#             (--after-first stall: the SYNs dropped), an answer that timed
#             out says the bytes that came (the mock's latency), on a new
#             connection or one kept alive, and neither can be read as the
#             other
#   mismatch  what differed: the payload (its length, or the first wrong
#             character), the bytes' offset, the size
#   io        the file or folder and the system's reason: a part file that
#             is a folder, a final name that is a folder, a full disk and
#             a read-only or missing --dir (a small tmpfs in a private
#             mount namespace, as test_outputs.sh makes)
# A generic text ("write failed", "Couldn't connect to server", "timed
# out") fails. The causes the server injects are test_models.sh's, Ctrl-C's
# test_interrupt.sh's.
#
# Under ASan+UBSan nothing more may be printed: tests/run.sh sends the
# sanitizers' reports to files (log_path) and reads them there. Run alone,
# give ASAN_OPTIONS a log_path too, or a report lands on the program's
# stderr.
. "$(dirname "$0")/../lib.sh"

ANY_SERVER="$(dirname "$0")/../tools/any_server.py"
EISDIR='(Is a directory|illegal operation on a directory \(EISDIR\))'   # strerror, or libuv's
ENOSPC='(No space left on device|no space left on device \(ENOSPC\))'

CLIENTS=$(clients)

# traced CLIENT: it writes --trace (the C models).
traced() {
    [ -x "$BIN/$1" ]
}

# run_traced CLIENT ARGS...: run_client with --verbose, and --trace
# $TEST_TMP/trace.csv where the client has it.
run_traced() {
    local c=$1
    shift
    rm -f "$TEST_TMP/trace.csv"
    if traced "$c"; then
        run_client "$c" "$@" --verbose --trace "$TEST_TMP/trace.csv"
    else
        run_client "$c" "$@" --verbose
    fi
}

# verbose_messages CAUSE: "ID<tab>MESSAGE" for each task of the last run
# that failed for CAUSE, from its --verbose lines, in id order.
verbose_messages() {
    sed -n "s/^\[ *[0-9.]* ms\] task \([0-9]*\): failed ($1): /\1\t/p" "$TEST_TMP/err" | sort -n
}

# trace_messages CAUSE: the same from the trace's cause and error columns.
trace_messages() {
    python3 - "$1" "$TEST_TMP/trace.csv" <<'EOF' | sort -n
import csv, sys
with open(sys.argv[2], newline="") as f:
    for row in csv.DictReader(f):
        if row["state"] == "failed" and row["cause"] == sys.argv[1]:
            print(f"{row['id']}\t{row['error']}")
EOF
}

# check_messages WHAT CLIENT CAUSE COUNT REGEX: the last run failed COUNT
# tasks for CAUSE (+: one or more), and each one's message matches REGEX as
# a whole, ID in it standing for the task's id; in the trace too, where
# the client writes one, word for word as in the --verbose line.
check_messages() {
    local what=$1 c=$2 cause=$3 count=$4 regex=$5 messages id message odd="" n
    messages=$(verbose_messages "$cause")
    n=$(printf '%s' "$messages" | grep -c '^')
    if [ "$count" = + ]; then
        expect_true "$what: some tasks failed for $cause (got $n)" [ "$n" -gt 0 ]
    else
        expect_eq "$what: tasks failed for $cause" "$n" "$count"
    fi
    while IFS=$'\t' read -r id message; do
        [ -n "$id" ] || continue
        [[ $message =~ ^(${regex//ID/$id})$ ]] || { odd="task $id: '$message'"; break; }
    done <<<"$messages"
    expect_eq "$what: each $cause message says what failed (${regex//ID/N})" "$odd" ""
    if traced "$c"; then
        expect_eq "$what: the trace's error column holds the same messages" \
            "$(trace_messages "$cause")" "$messages"
    fi
}

# start_after_first MODE: any_server.py that takes one request (a client's
# /health) and then refuses or stalls every connection.
start_after_first() {
    start_any_server /usr/bin/python3 "$ANY_SERVER" --after-first "$1"
}

for c in $CLIENTS; do
    # ---- connect: refused, named with host and port ----
    if start_after_first refuse; then
        port=${SERVER_URL##*:}
        run_traced "$c" fetch -n 3 --url "$SERVER_URL"
        expect_eq "$c connect refused: exit 1" "$STATUS" 1
        check_messages "$c connect refused" "$c" connect 3 \
            "Failed to connect to 127\.0\.0\.1 port $port( after [0-9]+ ms)?: (.*[^a-z])?Connection refused\)?"
        # Before the run, the same words: exit 3.
        run_client "$c" fetch -n 3 --url "$SERVER_URL"
        expect_eq "$c cannot reach a refusing server: exit 3, the reason named" \
            "$STATUS $(grep -cE "^$c: cannot reach $SERVER_URL/health: Failed to connect to 127\.0\.0\.1 port $port( after [0-9]+ ms)?: (.*[^a-z])?Connection refused\)?$" "$TEST_TMP/err")" \
            "3 1"
    fi

    # ---- timeout: of the connect, named with where to ----
    if start_after_first stall; then
        port=${SERVER_URL##*:}
        run_traced "$c" fetch -n 2 --timeout-ms 300 --url "$SERVER_URL"
        expect_eq "$c connect timed out: exit 1" "$STATUS" 1
        check_messages "$c connect timed out" "$c" timeout 2 \
            "no connection within the --timeout-ms of 300 ms \(Connection time(d out|out) after [0-9]+ (milliseconds|ms)\) \(connecting to 127\.0\.0\.1 port $port\)"
    fi
    stop_server
done

# ---- timeout: of the answer, with the bytes that came ----

start_server --latency-ms 0 --threads 32 || exit 1
for c in $CLIENTS; do
    run_traced "$c" fetch -n 2 --latency-ms 5000 --timeout-ms 300 --url "$SERVER_URL"
    expect_eq "$c answer timed out: exit 1" "$STATUS" 1
    # "connect" nowhere in it: it cannot be read as the connect's.
    check_messages "$c answer timed out" "$c" timeout 2 \
        "no complete answer within the --timeout-ms of 300 ms \(Operation timed out after [0-9]+ milliseconds with 0( out of [0-9]+)? bytes received\)"
done

# An answer that timed out on a connection kept alive from the task before
# is no connect timeout either: task 1 waits 1 s and completes, task 2
# waits 2 s on the same connection (--concurrency 1) and times out.
# libcurl's connect time is 0 on a reused connection; only whether it had
# one may decide the words. The Python client has no --path.
for c in $CLIENTS; do
    traced "$c" || continue
    run_traced "$c" fetch -n 2 --concurrency 1 --retries 0 --timeout-ms 1500 \
        --path '/items/{id}?latency_ms={id}000' --url "$SERVER_URL"
    expect_eq "$c answer timed out on a reused connection: exit 1" "$STATUS" 1
    check_messages "$c answer timed out on a reused connection" "$c" timeout 1 \
        "no complete answer within the --timeout-ms of 1500 ms \(Operation timed out after [0-9]+ milliseconds with 0( out of [0-9]+)? bytes received\)"
done

# ---- mismatch: the size, against the mock ----

for c in $CLIENTS; do
    traced "$c" || continue     # the Python client has no --path
    run_traced "$c" download -n 2 --size 2000 --path '/blobs/{id}?size=1500' --url "$SERVER_URL"
    check_messages "$c blob too short" "$c" mismatch 2 "got 1500 bytes, expected 2000"
done

# ---- io: a part file or a final name that is a folder ----

for c in $CLIENTS; do
    dir="$TEST_TMP/io-$c"
    mkdir -p "$dir/.blob-2.bin.part" "$dir/blob-3.bin/in-the-way"
    run_traced "$c" download -n 3 --size 4K --url "$SERVER_URL" --dir "$dir"
    expect_eq "$c download into folders in the way: exit 1" "$STATUS" 1
    check_messages "$c download into folders in the way" "$c" io 2 \
        "(open $dir/\.blob-2\.bin\.part|rename $dir/\.blob-3\.bin\.part to blob-3\.bin): $EISDIR"
    traced "$c" || continue     # files is the C models' only
    mkdir -p "$dir/.file-2.bin.part" "$dir/file-3.bin/in-the-way"
    run_traced "$c" files -n 3 --size 4K --dir "$dir"
    check_messages "$c files into folders in the way" "$c" io 2 \
        "(open $dir/\.file-2\.bin\.part|rename $dir/\.file-3\.bin\.part to file-3\.bin): $EISDIR"
done
stop_server

# ---- mismatch: what differed, against a server that is not the mock ----

start_any_server /usr/bin/python3 "$ANY_SERVER" || exit 1
for c in $CLIENTS; do
    run_traced "$c" fetch -n 3 --url "$SERVER_URL"
    check_messages "$c another payload" "$c" mismatch 3 \
        "item ID: the payload('s length is [0-9]+, not 256| differs from the expected one at character [0-9]+)"
    run_traced "$c" download -n 3 --size 20000 --url "$SERVER_URL"
    check_messages "$c other bytes" "$c" mismatch 3 "wrong bytes near offset [0-9]+"
done
stop_server

# ---- io: a full disk, a read-only and a missing folder ----

# in_tmpfs OPTIONS DIR CLIENT ARGS...: run_client, with a tmpfs mounted
# with OPTIONS on DIR in a private mount namespace of the run's own: the
# machine's mounts are never touched, and the tmpfs goes with the run.
in_tmpfs() {
    local options=$1 dir=$2 c=$3 program="$BIN/$3"
    shift 3
    [ -x "$program" ] || program="$PEERS/$c"
    mkdir -p "$dir"
    timeout -s KILL "$CLIENT_TIMEOUT" unshare --mount --propagation private \
        sh -c 'mount -t tmpfs -o "$1" aio-test-io "$2" && shift 2 && exec "$@"' \
        sh "$options" "$dir" "$program" "$@" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    STATUS=$?
}

start_server --latency-ms 0 --threads 32 || exit 1
for c in $CLIENTS; do
    run_client "$c" download -n 2 --size 1K --url "$SERVER_URL" --dir "$TEST_TMP/no/such"
    expect_eq "$c --dir whose folder is missing: exit 3, one line naming it and why" \
        "$STATUS $(cat "$TEST_TMP/err")" \
        "3 $c: mkdir $TEST_TMP/no/such: No such file or directory"
done
if [ "$(id -u)" != 0 ]; then
    echo "# skipped: a full disk and a read-only folder: not root"
elif ! unshare --mount --propagation private true 2>/dev/null; then
    echo "# skipped: a full disk and a read-only folder: unshare --mount is refused here"
else
    for c in $CLIENTS; do
        dir="$TEST_TMP/full-$c"
        trace=()
        traced "$c" && trace=(--trace "$TEST_TMP/trace.csv")
        rm -f "$TEST_TMP/trace.csv"
        # 6 blobs of 256 KiB, room for 2.
        in_tmpfs size=600k "$dir" "$c" download -n 6 --size 256K --url "$SERVER_URL" \
            --dir "$dir" --verbose "${trace[@]}"
        expect_eq "$c download to a full disk: exit 1" "$STATUS" 1
        check_messages "$c download to a full disk" "$c" io + \
            "(write|close) $dir/\.blob-ID\.bin\.part: $ENOSPC"
        if traced "$c"; then
            rm -f "$TEST_TMP/trace.csv"
            in_tmpfs size=600k "$dir" "$c" files -n 6 --size 256K --dir "$dir" --verbose \
                "${trace[@]}"
            check_messages "$c files to a full disk" "$c" io + \
                "write $dir/\.file-ID\.bin\.part: $ENOSPC"
        fi

        in_tmpfs ro "$dir" "$c" download -n 2 --size 1K --url "$SERVER_URL" --dir "$dir"
        expect_eq "$c --dir read-only: exit 3, one line naming it and why" \
            "$STATUS $(cat "$TEST_TMP/err")" "3 $c: $dir: Read-only file system"
        in_tmpfs ro "$dir" "$c" download -n 2 --size 1K --url "$SERVER_URL" --dir "$dir/new"
        expect_eq "$c --dir to be made on a read-only folder: exit 3, one line" \
            "$STATUS $(cat "$TEST_TMP/err")" "3 $c: mkdir $dir/new: Read-only file system"
    done
fi
