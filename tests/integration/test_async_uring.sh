#!/usr/bin/env bash
# test_async_uring.sh: what only the ring model promises.
#
# Its facts (the ring's size, the requests and the io_uring_enter calls,
# in all and per task) are there and agree with what strace counts; its
# file steps are requests on the ring, not system calls of its own (strace
# sees no fsync, the ring's report counts one per file); --offload is
# refused with its reason; Ctrl-C while files are being written ends every
# task as cancelled and leaves nothing; and where io_uring cannot be set up
# (a seccomp filter, as a container may have) it exits 3 with one line.
# Everything else (checksums of every workload, every fault kind, the
# window, hangs, Ctrl-C in the other states) is checked for every model in
# test_models.sh, test_concurrency.sh, test_trace.sh and test_interrupt.sh,
# and the ASan+UBSan build runs them all.
. "$(dirname "$0")/../lib.sh"

[ -x "$BIN/async_uring" ] || exit 0

start_server --latency-ms 20 --threads 128 || exit 1

# holds EXPR: awk evaluates a comparison of numbers; true when it holds.
holds() {
    awk "BEGIN { exit !($1) }"
}

# traced SYSCALLS ARGS...: runs async_uring with ARGS under strace, which
# writes those system calls of all its threads, descriptors named by their
# paths (-y), to $TEST_TMP/strace.out; sets STATUS. LeakSanitizer cannot
# work under ptrace, so leak checks are off here.
traced() {
    local calls=$1
    shift
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" timeout -s KILL "$CLIENT_TIMEOUT" \
        strace -f -qq -y -e trace="$calls" -o "$TEST_TMP/strace.out" "$BIN/async_uring" "$@" \
        >"$TEST_TMP/out" 2>"$TEST_TMP/err"
    STATUS=$?
}

# ---- The facts ----

N=100
traced io_uring_enter fetch -n $N --url "$SERVER_URL" --json
enters=$(grep -c 'io_uring_enter(' "$TEST_TMP/strace.out")
expect_eq "facts: fetch exits 0, all $N ok" "$STATUS $(json .ok)" "0 $N"
entries=$(json .ring_entries) sqes=$(json .ring_sqes)
power_of_two() { [ "$1" -ge 1 ] && [ $(($1 & ($1 - 1))) = 0 ]; } 2>/dev/null
expect_true "facts: ring_entries is the queue's size, a power of two ($entries)" \
    power_of_two "$entries"
# Each task's socket is polled once at least: a request each.
expect_true "facts: ring_sqes counts a request per task at least ($sqes)" holds "$sqes >= $N"
expect_eq "facts: ring_enters is the io_uring_enter calls strace saw" "$(json .ring_enters)" \
    "$enters"
expect_eq "facts: the per-task figures are the totals over $N tasks" \
    "$(json '[.ring_sqes_per_task, .ring_enters_per_task] | map(. * 100 | round) | join(" ")')" \
    "$(json "[.ring_sqes, .ring_enters] | map(. / $N * 100 | round) | join(\" \")")"
expect_eq "facts: a loop's health, as the other loop model's" \
    "$(json '[.loop_busy, .loop_lag_p99_ms, .loop_lag_max_ms] | map(type) | join(" ")')" \
    "number number number"

# ---- libcurl's sockets: readiness on the ring ----

# Each answer comes 20 ms after its request, and only a poll on the ring
# that says its socket is readable tells libcurl to read it: one at least
# per transfer (a poll cancelled for a new interest and never set again
# leaves libcurl to find its answers on its timeouts).
run_client async_uring fetch -n $N --latency-ms 20 --url "$SERVER_URL" -q -v
report=$(grep -E '^async_uring: curl_ring: ' "$TEST_TMP/err")
readable=$(sed -n 's/.* \([0-9]*\) polls readable.*/\1/p' <<<"$report")
expect_eq "sockets: fetch exits 0, one glue report" "$STATUS $(grep -c . <<<"$report")" "0 1"
expect_true "sockets: a readable poll per transfer at least ($readable for $N)" \
    holds "${readable:-0} >= $N"
expect_true "sockets: multishot polls, where the kernel has them" grep -q '(multishot)' <<<"$report"

# ---- The file steps are the kernel's ----

# Eight requests per file at least: open, write, close, rename, open, two
# reads (the bytes, then the end), close; and one fsync each with --fsync.
# strace sees none of them: the kernel does them for the ring, and the
# program makes no such system call.
for fsync in "" --fsync; do
    what="files${fsync:+ $fsync}"
    dir="$TEST_TMP/files$fsync"
    traced fsync,fdatasync,open,openat,read,pread64,write,pwrite64,close,rename,renameat,renameat2 \
        files -n 5 --size 64K $fsync --dir "$dir" --json -v
    expect_eq "$what: exits 0, the checksum of every model" "$STATUS $(json .checksum)" \
        "0 $("$BIN/expected_checksum" files 5 65536)"
    expect_eq "$what: strace sees no file step of the program's in its folder" \
        "$(grep -c "$dir/" "$TEST_TMP/strace.out")" 0
    expect_true "$what: where strace sees what the program does itself (its stdout)" \
        grep -q '^[0-9]* *write(1' "$TEST_TMP/strace.out"
    report=$(grep -E '^async_uring: ring: ' "$TEST_TMP/err")
    count_of_kind() { sed -n "s/.*[:,] $1 \([0-9]*\).*/\1/p" <<<"$report"; }
    expect_eq "$what: the ring's report counts one fsync request per file" \
        "$(count_of_kind FSYNC)" "$([ -n "$fsync" ] && echo 5 || echo 0)"
    expect_eq "$what: and an open, a write, a rename per file, two opens and closes" \
        "$(count_of_kind OPENAT) $(count_of_kind WRITE) $(count_of_kind RENAMEAT) $(count_of_kind CLOSE)" \
        "10 5 5 10"
    expect_true "$what: ring_sqes per task holds the file steps ($(json .ring_sqes_per_task))" \
        holds "$(json .ring_sqes_per_task) >= 8"
done

# ---- --offload ----

for spelling in --offload --offload=1; do
    run_client async_uring cpu -n 2 "$spelling"
    expect_eq "$spelling: refused, exit 2, nothing on stdout" "$STATUS $(wc -c <"$TEST_TMP/out")" "2 0"
    expect_stderr "$spelling: one line with the reason" \
        "1:async_uring: --offload: not offered by async_uring: the ring cannot compute, and this model has no thread pool of its own \(async_coro --offload is the model that offloads\)"
done
run_client async_uring --help
expect_eq "--help: no --offload, no --uv-threadpool; --blocking-process and --stack-kb" \
    "$(grep -cE -- '--(offload|uv-threadpool)' "$TEST_TMP/out") $(grep -cE -- '--(blocking-process|stack-kb)' "$TEST_TMP/out")" \
    "0 2"

# ---- Ctrl-C while writing ----

# Four files of 2 GiB being written, a write request of each on the ring
# most of the time: Ctrl-C ends every task as cancelled, the two never
# started among them, exit 130, and no part file is left.
cell="$TEST_TMP/ctrl_c"
mkdir -p "$cell"
TMPDIR=$cell "$BIN/async_uring" files -n 6 --size 2G --concurrency 4 --dir "$cell/dir" \
    --trace "$TEST_TMP/ctrl_c.csv" >"$TEST_TMP/out" 2>"$TEST_TMP/err" &
pid=$!
writing() {
    [ "$(find "$cell/dir" -name '.file-*.bin.part' -size +1M 2>/dev/null | wc -l)" -ge 4 ]
}
expect_true "Ctrl-C while writing: four part files are being written" wait_for writing
interrupt "$pid"
expect_eq "Ctrl-C while writing: exits 130" "$STATUS" 130
expect_eq "Ctrl-C while writing: every task failed as cancelled: 4 while writing, 2 before they started" \
    "$(awk -F, 'NR > 1 { gsub(/"/, "", $11); print $2 "," $10 "," $11 }' "$TEST_TMP/ctrl_c.csv" |
        sort | uniq -c | awk '{ $1 = $1; print }' | paste -sd';')" \
    "2 failed,cancelled,cancelled before it started;4 failed,cancelled,cancelled while writing"
expect_eq "Ctrl-C while writing: nothing left" "$(find "$cell" -mindepth 1 ! -path "$cell/dir" | wc -l)" 0

# ---- Where io_uring cannot be had ----

# without_io_uring makes io_uring_setup fail with ENOSYS (a seccomp filter),
# as a kernel without io_uring or a container's filter does.
if [ -x "$BIN/without_io_uring" ]; then
    for workload in fetch files cook; do
        timeout -s KILL "$CLIENT_TIMEOUT" "$BIN/without_io_uring" "$BIN/async_uring" $workload \
            -n 2 --url "$SERVER_URL" --dir "$TEST_TMP/none" >"$TEST_TMP/out" 2>"$TEST_TMP/err"
        STATUS=$?
        expect_eq "no io_uring, $workload: exit 3, nothing on stdout" \
            "$STATUS $(wc -c <"$TEST_TMP/out")" "3 0"
        expect_stderr "no io_uring, $workload: one line that says why" \
            "1:async_uring: io_uring is not available here: io_uring_setup: Function not implemented \(ENOSYS\)"
    done
    # The folder named by --dir stays, as after any run: it is the user's.
    expect_eq "no io_uring: nothing left in the folder" \
        "$(find "$TEST_TMP/none" -mindepth 1 2>/dev/null | wc -l)" 0
    # The other models never ask for a ring: the filter changes nothing.
    timeout -s KILL "$CLIENT_TIMEOUT" "$BIN/without_io_uring" "$BIN/async_coro" fetch -n 2 \
        --url "$SERVER_URL" -q
    expect_eq "no io_uring: async_coro runs as before" "$?" 0
else
    fail "no io_uring: $BIN/without_io_uring is not built"
fi

# ---- A socket the ring cannot watch ----

# As for async_coro (curl_ring.c shares curl_uv.c's note, in
# loop/curl_glue.c, and ends the transfer from the next turn): that task
# fails as io, the others go on.
for n in 1 5; do
    rm -f "$TEST_TMP/unwatched.csv"
    AIO_BENCH_FAIL_WATCH=$n run_client async_uring fetch -n 50 --url "$SERVER_URL" \
        --trace "$TEST_TMP/unwatched.csv"
    unwatched_check "socket $n not watched" 50
done

# ---- Big blobs through the stage ----

# 8 blobs of 8 MiB: each time 256 KiB are staged the transfer pauses until
# its coroutine has written them on the ring; every byte must still arrive
# in order.
dir="$TEST_TMP/paused"
run_client async_uring download -n 8 --size 8M --url "$SERVER_URL" --dir "$dir" --json
expect_eq "pauses: exit 0, checksum" "$STATUS $(json .checksum)" \
    "0 $("$BIN/expected_checksum" download 8 8388608)"
expect_eq "pauses: no part file left" "$(find "$dir" -name '*.part' | wc -l)" 0
