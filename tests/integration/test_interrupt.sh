#!/usr/bin/env bash
# test_interrupt.sh: Ctrl-C in every state of every step, in every program.
#
# One table below, one row per state a task can be in when Ctrl-C comes: the
# programs that have that step, the workload and options that hold their
# tasks in it, the evidence that they are in it, and what they must then
# say. Each cell starts the program (6 tasks, a window of 4, sync's 1) and
# waits, bounded, for the evidence, never a fixed time. A state that lasts
# (a wait on the server, a timer, a computation) is caught by freezing the
# program (SIGSTOP) again and again until the evidence holds, so that the
# Ctrl-C lands in that very state however busy the machine is; then it is
# sent, and the program goes on (SIGCONT). A file step, which lasts
# microseconds, is made to last: the program runs under strace, which
# holds each such call on one file 3 s before it begins (a slow disk), and
# the Ctrl-C comes while a thread is held in one. Then, for the program:
#   - exit 130;
#   - every task in the trace, each failed with cause cancelled: none
#     completed (no cell lets a task end before the signal), none pending or
#     running;
#   - the tasks in the state cancelled with the message that says during
#     what (and by id, where the evidence names them: --verbose lines);
#   - the tasks never started "cancelled before it started", no attempt;
#   - against the mock server, one request for each task started: none
#     after the signal;
#   - nothing left: no part file, no temporary folder (made in TMPDIR, here
#     a folder of the test's, where what is left can be seen).
# The Python reference client writes no trace: its --verbose lines, the
# same as the C clients', say the same things. SIGTERM and SIGHUP are
# test_signals.sh's.
. "$(dirname "$0")/../lib.sh"

N=6               # tasks in every cell
SLOW_DISK_S=3     # how long strace holds each of a slow file's calls

# The cells, one a row:
#   programs: all (the C models and the Python client), c (the C models),
#     loop (async_uv, async_coro, async_uring), offload (the loop models
#     with a pool to offload to: async_uv, async_coro), python (the Python
#     client), or names;
#   server: fast (the mock server, answering at once), failing (every
#     request a 500), backlog (tests/tools/full_backlog.py: no connect ever
#     completes), none;
#   W: the window, 4 (sync's 1), or 1 where one task in the state is the
#     point; fetch and download also get --timeout-ms 600000, so that no
#     timeout ends a task held in its state behind a busy loop;
#   slow: CALLS FILE, the file calls (write, fsync, read) that strace holds
#     on that file of the folder the run writes in (--dir); - for none;
#   evidence: shell code, true once the tasks are in the state (the
#     functions are below), with $W the window; run while the program is
#     frozen, or, under strace, as it runs;
#   in: how many tasks the evidence puts in the state: each must end
#     "cancelled " and the next column. The other tasks started are in
#     flight elsewhere (behind a loop that one task holds) and say so;
#   never: how many tasks never start.
CELLS=$(sed -e '/^#/d' -e 's/ *| */|/g' <<'EOF'
# state           | programs      | server  | W | options                                           | slow                   | evidence                       | in | cancelled ...       | never
connect           | all           | backlog | 4 | fetch                                             | -                      | connecting $W                  | W  | while connecting    | N-W
transfer          | all           | fast    | 4 | fetch --latency-ms 600000                         | -                      | requests $W                    | W  | during the transfer | N-W
download write    | all           | fast    | 4 | download --size 4G                                | write .blob-1.bin.part | writing_blob $W                | W  | during the transfer | N-W
processing        | all           | fast    | 4 | fetch --process-ms 600000                         | -                      | logged $W processing           | W  | while processing    | N-W
blocking pause    | loop          | fast    | 4 | fetch --process-ms 600000 --blocking-process      | -                      | logged 1 processing            | 1  | while processing    | N-W
busy process      | sync          | fast    | 4 | fetch --process-cpu-ms 600000                     | -                      | logged 1 processing            | 1  | while processing    | N-1
busy process      | async_threads | fast    | 4 | fetch --process-cpu-ms 600000                     | -                      | on_pool $W processing          | W  | while processing    | N-W
busy process      | loop          | fast    | 4 | fetch --process-cpu-ms 600000                     | -                      | logged 1 processing            | 1  | while processing    | N-W
offloaded process | offload       | fast    | 4 | fetch --process-cpu-ms 600000 --offload           | -                      | on_pool $W processing          | W  | while processing    | N-W
backoff           | all           | failing | 4 | fetch --retries 3 --backoff-ms 600000             | -                      | logged $W 'retry in'           | W  | during backoff      | N-W
files write       | c             | none    | 4 | files --size 2G                                   | write .file-1.bin.part | writing_files $W               | W  | while writing       | N-W
files fsync       | c             | none    | 1 | files --size 64M --fsync                          | fsync .file-1.bin.part | syncing_file 1                 | 1  | while writing       | N-1
files read        | c             | none    | 1 | files --size 64M                                  | read file-1.bin        | reading_file 1                 | 1  | while reading       | N-1
cook              | c             | none    | 4 | cook --dishes a:600,b:600,c:600,d:600,e:600,f:600 | -                      | said $W 'Starting to prepare'  | W  | while cooking       | N-W
cpu               | sync          | none    | 4 | cpu --rounds 100000000                            | -                      | logged 1 'start (attempt 1)'   | 1  | while computing     | N-1
cpu               | async_threads | none    | 4 | cpu --rounds 100000000                            | -                      | on_pool $W 'start (attempt 1)' | W  | while computing     | N-W
cpu on the loop   | loop          | none    | 4 | cpu --rounds 100000000                            | -                      | logged 1 'start (attempt 1)'   | 1  | while computing     | N-1
cpu offloaded     | offload       | none    | 4 | cpu --rounds 100000000 --offload                  | -                      | on_pool $W 'start (attempt 1)' | W  | while computing     | N-W
EOF
)

# ---- The evidence ----

PID=     # the program of the cell
ERR=$TEST_TMP/cell.err OUT=$TEST_TMP/cell.out

# connecting COUNT: COUNT of the program's sockets wait for their connect
# to complete (SYN-SENT), to the server's port.
connecting() {
    [ "$(ss -Htnp state syn-sent "dport = :${SERVER_URL##*:}" | grep -c "pid=$PID,")" -ge "$1" ]
}

# requests COUNT: the server has received COUNT requests or more.
requests() {
    requests_at_least "$1"
}

# logged COUNT TEXT: COUNT --verbose lines of tasks begin with TEXT. The
# tasks are named: LOGGED keeps TEXT, to find them.
LOGGED=
logged() {
    LOGGED=$2
    [ "$(grep -c "task [0-9]*: $2" "$ERR")" -ge "$1" ]
}

# said COUNT TEXT: COUNT lines on stdout hold TEXT.
said() {
    lines_at_least "$1" "$2" "$OUT"
}

# computing COUNT: COUNT threads of the program besides its first have used
# 0.1 s of CPU time or more (/proc/PID/task/TID/stat: utime and stime,
# fields 14 and 15, in clock ticks, 100 a second): a pool computes.
computing() {
    local stat n=0
    for stat in /proc/"$PID"/task/*/stat; do
        [ "$stat" = "/proc/$PID/task/$PID/stat" ] && continue
        # The name, field 2, is in parentheses and may hold spaces.
        sed 's/^.*) //' "$stat" 2>/dev/null | awk '{ exit !($12 + $13 >= 10) }' && n=$((n + 1))
    done
    [ "$n" -ge "$1" ]
}

# on_pool COUNT TEXT: COUNT tasks have logged TEXT, and a pool computes.
on_pool() {
    logged "$1" "$2" && computing 2
}

# open_files COUNT PATTERN [BYTES]: the program holds COUNT files open
# whose paths match PATTERN (grep -E), each of BYTES or more (default 0).
open_files() {
    local fd n=0
    for fd in /proc/"$PID"/fd/*; do
        readlink "$fd" 2>/dev/null | grep -qE "$2" || continue
        [ "$(stat -L -c %s "$fd" 2>/dev/null || echo -1)" -ge "${3:-0}" ] && n=$((n + 1))
    done
    [ "$n" -ge "$1" ]
}

# The system calls of the file steps, as strace names them, and their
# numbers (/proc/PID/task/TID/syscall gives the number).
WRITE_NAMES=write,pwrite64,writev,pwritev,pwritev2
FSYNC_NAMES=fsync,fdatasync
READ_NAMES=read,pread64,readv,preadv,preadv2
case $(uname -m) in
    x86_64)  WRITE_CALLS="1 18 20 296 328" FSYNC_CALLS="74 75" READ_CALLS="0 17 19 295 327" ;;
    aarch64) WRITE_CALLS="64 68 66 70 287" FSYNC_CALLS="82 83" READ_CALLS="63 67 65 69 286" ;;
    *)       WRITE_CALLS="" FSYNC_CALLS="" READ_CALLS="" ;;
esac

# in_syscall write|fsync|read PATTERN: a thread of the program is in that
# system call (held there by strace) on a file whose path matches PATTERN.
in_syscall() {
    local calls task nr fd rest
    case $1 in
        write) calls=$WRITE_CALLS ;;
        fsync) calls=$FSYNC_CALLS ;;
        *) calls=$READ_CALLS ;;
    esac
    [ -n "$calls" ] || return 1
    for task in /proc/"$PID"/task/*; do
        read -r nr fd rest 2>/dev/null <"$task/syscall" || continue
        case " $calls " in *" $nr "*) ;; *) continue ;; esac
        readlink "/proc/$PID/fd/$((fd))" 2>/dev/null | grep -qE "$2" && return 0
    done
    return 1
}

FILE_1='/\.file-1\.bin\.part$'      # the first file of files, being written

# writing_blob COUNT: a thread is held in a write of blob 1's part file,
# and the other COUNT - 1 blobs of the window are coming in (part files
# with bytes in them).
writing_blob() {
    in_syscall write '/\.blob-1\.bin\.part$' && open_files $(($1 - 1)) '/\.blob-[2-9]\.bin\.part$' 1
}

# writing_files COUNT: a thread is held in a write of file 1, and COUNT
# files are being written (their part files open).
writing_files() {
    in_syscall write "$FILE_1" && open_files "$1" '/\.file-[0-9]+\.bin\.part$'
}

# syncing_file ID: a thread is held in the fsync of file ID, written whole.
syncing_file() {
    in_syscall fsync "/\\.file-$1\\.bin\\.part\$"
}

# reading_file ID: a thread is held in a read of file ID, whole under its
# name, as it is read back.
reading_file() {
    in_syscall read "/file-$1\\.bin\$"
}

# ---- Catching the moment ----

# thread_states: the state letter of each thread of the program (after
# the name, in parentheses, which may hold spaces).
thread_states() {
    sed 's/^.*) //' /proc/"$PID"/task/*/stat 2>/dev/null | cut -d' ' -f1
}

# stop: SIGSTOP to the program, and up to 5 s for every thread to stop (one
# in the middle of a file step stops when the step is done). False when
# the program has ended.
stop() {
    local i states
    kill -STOP "$PID" 2>/dev/null || return 1
    for i in $(seq 500); do
        states=$(thread_states | sort -u)
        [ "$states" = T ] && return 0
        case $states in "" | *Z* | *X*) return 1 ;; esac
        sleep 0.01
    done
    return 1
}

# freeze_when CODE: stops the program at a moment when CODE (the evidence,
# shell code) holds. It stops it and asks CODE; if not, lets it go on a
# moment and tries again, for 30 s at most. True with the program stopped
# and that moment's output copied to $ERR.frozen and $OUT.frozen; false
# with it running, or ended.
freeze_when() {
    local until=$((SECONDS + 30))
    while [ $SECONDS -lt $until ]; do
        stop || break
        if eval "$1"; then
            cp "$ERR" "$ERR.frozen"
            cp "$OUT" "$OUT.frozen"
            return 0
        fi
        kill -CONT "$PID"
        sleep 0.01
    done
    kill -CONT "$PID" 2>/dev/null
    return 1
}

# tracee: sets PID to the program strace runs: its child that has become
# the program (no longer strace itself, as a child is before its exec).
tracee() {
    local child
    for child in $(pgrep -P "$TRACER"); do
        if [ "$(readlink "/proc/$child/exe")" != "$(readlink "/proc/$TRACER/exe")" ]; then
            PID=$child
            return 0
        fi
    done
    return 1
}

# held_when CODE: for a program under strace, which a SIGSTOP would reach
# through strace: up to 30 s for CODE to hold as it runs. A call strace
# holds is held for seconds: the Ctrl-C that follows comes in it.
held_when() {
    local until=$((SECONDS + 30))
    while [ $SECONDS -lt $until ]; do
        if tracee && eval "$1"; then
            cp "$ERR" "$ERR.frozen"
            cp "$OUT" "$OUT.frozen"
            return 0
        fi
        kill -0 "$TRACER" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# ctrl_c: Ctrl-C to the program, stopped or not, which then goes on; up to
# 10 s for it to exit, then SIGKILL. Sets STATUS, from strace when the
# program runs under it (strace exits as the program did).
TRACER=
ctrl_c() {
    local i
    [ -z "$TRACER" ] || tracee
    kill -INT "$PID" 2>/dev/null
    kill -CONT "$PID" 2>/dev/null
    for i in $(seq 100); do
        kill -0 "${TRACER:-$PID}" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$PID" ${TRACER:+"$TRACER"} 2>/dev/null
    wait "${TRACER:-$PID}"
    STATUS=$?
}

# ---- A cell ----

# outcomes PROGRAM: one line per task, "ID STATE CAUSE ATTEMPTS|MESSAGE",
# from the trace, or from the Python client's --verbose lines.
outcomes() {
    if [ "$1" = python_asyncio ]; then
        awk '
            match($0, /task [0-9]+: /) {
                id = substr($0, RSTART + 5, RLENGTH - 7) + 0
                event = substr($0, RSTART + RLENGTH)
                if (event ~ /^start \(attempt/) attempts[id]++
                else if (event ~ /^completed/) end[id] = "completed none|"
                else if (event == "cancelled") end[id] = "failed cancelled|cancelled before it started"
                else if (match(event, /^failed \([a-z_]+\): /)) {
                    cause = substr(event, 9, RLENGTH - 11)
                    end[id] = "failed " cause "|" substr(event, RLENGTH + 1)
                }
            }
            END { for (id in end) { split(end[id], part, "|")
                  printf "%d %s %d|%s\n", id, part[1], attempts[id], part[2] } }' "$ERR" | sort -n
    else
        awk -F, 'NR > 1 { error = substr($0, index($0, ",\"") + 2); sub(/"$/, "", error)
                          print $1, $2, $10, $6 "|" error }' "$TEST_TMP/cell.csv"
    fi
}

# count_of TEXT: how many outcomes end with "|TEXT".
count_of() {
    grep -c "|$1\$" "$TEST_TMP/outcomes"
}

# names_of CALLS: strace's names for write, fsync or read.
names_of() {
    case $1 in
        write) echo "$WRITE_NAMES" ;;
        fsync) echo "$FSYNC_NAMES" ;;
        *) echo "$READ_NAMES" ;;
    esac
}

# try_cell PROGRAM: one row of the table (in the row's variables) for one
# program, as the top of the file says.
try_cell() {
    local m=$1 w program args=() what left ids id caught
    local cell="$TEST_TMP/cell" dir="$TEST_TMP/cell/dir"
    w=$(window_of "$m" "$window")
    local in_state=$((${in_state_expr//W/$w})) never=$((${never_expr//W/$w}))
    local message="cancelled $during"
    what="$m $state (${options%% *})"
    program="$BIN/$m"
    if [ "$m" = python_asyncio ]; then
        program="$PEERS/$m"
        args=(--json)
    else
        args=(--trace "$TEST_TMP/cell.csv")
    fi
    [ "$server" = none ] || args+=(--url "$SERVER_URL" --timeout-ms 600000)
    [ "$server" = fast ] || [ "$server" = failing ] && reset_stats

    rm -rf "$cell" "$TEST_TMP/cell.csv" "$ERR" "$OUT" "$ERR.frozen" "$OUT.frozen"
    mkdir "$cell"
    : >"$ERR"
    : >"$OUT"
    LOGGED=
    TRACER=
    # shellcheck disable=SC2034   # the evidence, run by eval, reads it
    W=$w
    # TMPDIR: a run's temporary folder is made in $cell, where what is left
    # of it can be seen.
    if [ "$slow" = - ]; then
        # shellcheck disable=SC2086
        TMPDIR=$cell "$program" $options -n $N --concurrency "$w" -v "${args[@]}" \
            >"$OUT" 2>"$ERR" &
        PID=$!
        caught=freeze_when
    else
        # The slow file is named in advance: the run writes in $dir. strace
        # cannot run beside LeakSanitizer, which stops threads by ptrace.
        local names
        names=$(names_of "${slow%% *}")
        mkdir "$dir"
        # shellcheck disable=SC2086
        ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" TMPDIR=$cell \
            strace -f -qq -o /dev/null -P "$dir/${slow#* }" -e trace="$names" \
            -e inject="$names":delay_enter=${SLOW_DISK_S}s \
            "$program" $options -n $N --concurrency "$w" -v --dir "$dir" "${args[@]}" \
            >"$OUT" 2>"$ERR" &
        TRACER=$!
        PID=
        caught=held_when
    fi
    if ! expect_true "$what: $in_state in the state (${evidence//\$W/$w})" $caught "$evidence"
    then
        echo "#   stderr: $(tail -3 "$ERR")"
    fi
    ctrl_c
    expect_eq "$what, Ctrl-C: exits 130" "$STATUS" 130

    outcomes "$m" >"$TEST_TMP/outcomes"
    expect_eq "$what, Ctrl-C: all $N tasks cancelled (failed, cause cancelled), none completed" \
        "$(awk '$2 != "failed" || $3 != "cancelled" { printf "%s%s %s %s", sep, $1, $2, $3; sep = ", " }
                END { print NR }' "$TEST_TMP/outcomes")" $N
    expect_eq "$what, Ctrl-C: the $in_state in the state $message" \
        "$(count_of "$message")" "$in_state"
    # Where the evidence names the tasks, those very ones.
    if [ -n "$LOGGED" ] && [ -f "$ERR.frozen" ]; then
        ids=$(sed -n "s/.*task \([0-9]*\): $LOGGED.*/\1/p" "$ERR.frozen" | sort -un)
        for id in $ids; do
            expect_eq "$what, Ctrl-C: task $id, in the state, $message" \
                "$(awk -v id="$id" '$1 == id' "$TEST_TMP/outcomes" | cut -d'|' -f2)" "$message"
        done
    fi
    expect_eq "$what, Ctrl-C: $never never started (no attempt)" \
        "$(grep -c " 0|cancelled before it started\$" "$TEST_TMP/outcomes")/$(count_of "cancelled before it started")" \
        "$never/$never"
    if [ "$server" = fast ] || [ "$server" = failing ]; then
        expect_eq "$what, Ctrl-C: one request for each task started, none after" \
            "$(server_stat .requests)" $((N - never))
    fi
    # The folder named by --dir stays, empty: it is the user's.
    left=$(find "$cell" -mindepth 1 ! -path "$dir" | head -3)
    expect_eq "$what, Ctrl-C: nothing left" "${left//$cell\//}" ""
}

# The programs of a row (all, c, loop, python, or names) that are here: the
# C models built in $BIN, and the Python client with the release programs
# (it is one program whatever the variant) when it runs.
programs_of() {
    local name
    case $1 in
        all) models; python_client ;;
        c) models ;;
        loop) models | grep -E '^async_(uv|coro|uring)$' ;;
        offload) models | grep -E '^async_(uv|coro)$' ;;
        python) python_client ;;
        *) for name in $1; do [ -x "$BIN/$name" ] && echo "$name"; done ;;
    esac
}

python_client() {
    [ "$BIN" = bin ] && "$PEERS/python_asyncio" --help >/dev/null 2>&1 && echo python_asyncio
}

# use_server KIND: the row's server, started afresh when it changes (the
# backlog one for each cell: its queue stays full).
SERVER_KIND=
use_server() {
    [ "$1" = "$SERVER_KIND" ] && [ "$1" != backlog ] && return 0
    SERVER_KIND=$1
    case $1 in
        fast)    start_server --latency-ms 0 --threads 64 ;;
        failing) start_server --latency-ms 0 --threads 64 --fail-rate 1 --fail-times 0 ;;
        backlog) start_any_server tests/tools/full_backlog.py ;;
        none)    stop_server ;;
    esac
}

while IFS='|' read -r state names server window options slow evidence in_state_expr during \
    never_expr; do
    for m in $(programs_of "$names"); do
        # strace holds a file step by holding its system call; async_uring
        # makes none (the kernel does the step for the ring, and strace sees
        # only the program's own threads): its Ctrl-C while writing is
        # test_async_uring.sh's.
        if [ "$slow" != - ] && [ "$m" = async_uring ]; then
            echo "# $m $state: a ring's file step is no system call of the program's for strace to hold"
            continue
        fi
        use_server "$server" || { fail "$m $state: the $server server did not start"; continue; }
        try_cell "$m"
    done
done <<<"$CELLS"
