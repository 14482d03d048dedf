#!/usr/bin/env bash
# test_mock_server.sh: the mock server's contract, seen from curl.
. "$(dirname "$0")/../lib.sh"

start_server --latency-ms 50 --threads 128 || exit 1

status_of() {   # status_of ARGS...: the HTTP status curl gets
    curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@"
}

body=$(curl -s --max-time 5 "$SERVER_URL/items/42")
expect_eq "item: the id is echoed" "$(echo "$body" | jq -r .id)" 42
expect_eq "item: a 256-character payload" "$(echo "$body" | jq -r '.payload | length')" 256
expect_eq "item: the same bytes every time" "$(curl -s --max-time 5 "$SERVER_URL/items/42")" "$body"
expect_eq "item: JSON content type" \
    "$(curl -s -o /dev/null -w '%{content_type}' --max-time 5 "$SERVER_URL/items/1")" \
    "application/json"
expect_eq "blob: exactly the size asked" \
    "$(curl -s --max-time 10 "$SERVER_URL/blobs/3?size=1000000" | wc -c)" 1000000
expect_eq "blob: the same bytes every time" \
    "$(curl -s --max-time 10 "$SERVER_URL/blobs/3?size=70000" | md5sum)" \
    "$(curl -s --max-time 10 "$SERVER_URL/blobs/3?size=70000" | md5sum)"
expect_eq "health: 200" "$(status_of "$SERVER_URL/health")" 200

for bad in /nope /items/abc /items/-1 /items/0 "/items/1?latency_ms=-5" \
           "/items/1?latency_ms=abc" /blobs/1 "/blobs/1?size=-1" "/blobs/1?size=1T"; do
    code=$(status_of "$SERVER_URL$bad")
    expect_true "bad request $bad: a 4xx ($code)" [ "${code:0:1}" = 4 ]
done
code=$(status_of -X DELETE "$SERVER_URL/items/1")
expect_true "a wrong method: a 4xx ($code)" [ "${code:0:1}" = 4 ]
code=$(status_of "$SERVER_URL/items/1?pad=$(head -c 100000 /dev/zero | tr '\0' a)")
expect_true "an oversize request: a 4xx ($code)" [ "${code:0:1}" = 4 ]
port=${SERVER_URL##*:}
reply=$(timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port; printf 'GARBAGE\r\n\r\n' >&3; head -c 12 <&3")
expect_true "a malformed request: a 4xx or a close ('$reply')" \
    bash -c "[ -z '$reply' ] || [[ '$reply' == HTTP/1.?\ 4* ]]"
expect_eq "still serving after bad requests" "$(status_of "$SERVER_URL/items/7")" 200

# Requests that arrive together are answered together, and the server counts
# them: check_mock_stats.py --held below holds 40 open at once, by its own
# count (40 curls started together need not overlap on a busy machine).
reset_stats
expect_eq "reset: requests zeroed" "$(server_stat .requests)" 0

# Faults are chosen by the seed, the same in every run.
start_server --latency-ms 0 --fail-rate 0.3 --fail-times 1 --seed 11 --fail-kind status || exit 1
first=$(failing_ids 50)
start_server --latency-ms 0 --fail-rate 0.3 --fail-times 1 --seed 11 --fail-kind status || exit 1
expect_eq "faults: the same ids for the same seed" "$(failing_ids 50)" "$first"
id=${first%% *}
expect_eq "faults: a failing id fails first" "$(status_of "$SERVER_URL/items/$id")" 500
expect_eq "faults: then succeeds" "$(status_of "$SERVER_URL/items/$id")" 200
expect_eq "faults: counted by kind" "$(server_stat .faults.status)" 1

expect_true "faults: a failing count near the rate" [ "$(echo $first | wc -w)" -ge 5 ]

# ---- The server's own answers against an independent reference ----
# tests/tools/mock_reference.py computes, from the words of docs/options.md
# and docs/mock-server.md and not from the C code, which ids fail and every
# byte of an item and a blob; tests/tools/check_mock_stats.py holds /stats
# against the test's own count. The servers of this part start together and
# stop together: civetweb takes seconds to stop (docs/notes.md), so 16 one
# after another would take half a minute.
REF=(/usr/bin/python3 tests/tools/mock_reference.py)
MANY_PIDS=()

# start_many NAME OPTIONS...: a mock server in the background, on a free port.
start_many() {
    local name=$1
    shift
    "$SERVER_BIN/mock_server" --host 127.0.0.1 --port 0 "$@" \
        >"$TEST_TMP/$name.out" 2>"$TEST_TMP/$name.err" &
    MANY_PIDS+=($!)
}

# url_of NAME: sets URL to the one server NAME announced (up to 10 s for
# it); false after a "not ok" line with its stderr.
url_of() {
    URL=
    if wait_for grep -q '^listening on ' "$TEST_TMP/$1.out"; then
        URL=$(sed -n 's/^listening on //p' "$TEST_TMP/$1.out")
    else
        fail "server $1 starts: $(head -c 300 "$TEST_TMP/$1.err")"
        return 1
    fi
}

# stop_many: SIGTERM to every one, SIGKILL to any left after 10 s; reaps them.
stop_many() {
    local i
    [ ${#MANY_PIDS[@]} -gt 0 ] || return 0
    kill -TERM "${MANY_PIDS[@]}" 2>/dev/null
    for i in $(seq 100); do
        kill -0 "${MANY_PIDS[@]}" 2>/dev/null || break   # true while any is alive
        sleep 0.1
    done
    kill -KILL "${MANY_PIDS[@]}" 2>/dev/null
    wait "${MANY_PIDS[@]}" 2>/dev/null
    MANY_PIDS=()
}
trap 'stop_many; cleanup' EXIT

# /faults?count=N, byte for byte, on servers with these seeds, rates and
# options: SEED RATE COUNTS [OPTIONS], COUNTS separated by commas. The last
# failing id up to 1000 is a count of its own, and one less.
last=$("${REF[@]}" faults 11 0.3 1000 | jq '.[-1]')
FAULT_CASES=("11 0.3 1,50,1000,$last,$((last - 1))" "11 0.3 1000 --fail-times 0 --fail-kind hang"
             "7 0.2 30,1000 --fail-times 2" "0 0.1 1000" "9007199254740991 0.5 1000"
             "42 0.999 1000" "3 1 1,5,1000" "3 0 9,1000" "5 0.5 1000" "12345 0.25 1000000")
for i in "${!FAULT_CASES[@]}"; do
    # shellcheck disable=SC2086
    set -- ${FAULT_CASES[$i]}
    start_many "faults$i" --threads 4 --latency-ms 0 --seed "$1" --fail-rate "$2" "${@:4}"
done
for i in "${!FAULT_CASES[@]}"; do
    # shellcheck disable=SC2086
    set -- ${FAULT_CASES[$i]}
    url_of "faults$i" || continue
    for n in ${3//,/ }; do
        curl -s --max-time 10 -o "$TEST_TMP/faults.got" "$URL/faults?count=$n"
        "${REF[@]}" faults "$1" "$2" "$n" >"$TEST_TMP/faults.ref"
        expect_true "/faults?count=$n with --seed $1 --fail-rate $2${4:+ ${*:4}}: the reference's ids ($(wc -c <"$TEST_TMP/faults.ref") bytes)" \
            cmp "$TEST_TMP/faults.got" "$TEST_TMP/faults.ref"
        [ "$2" != 0 ] || expect_eq "/faults?count=$n with --fail-rate 0: none" \
            "$(cat "$TEST_TMP/faults.got")" "[]"
    done
done

# Every byte of items and blobs: sizes at 0 and 1, around a 64-bit word, a
# 64 KiB chunk and its multiples, and a few MiB.
start_many bytes --threads 4 --latency-ms 0
# /stats: check_mock_stats.py makes a known sequence of requests (200s, the
# server's fault kind, 4xx and 404s, one client that hangs up in the middle
# of a blob, N held open at once) and counts what it did and got. Each case
# is "SERVER OPTIONS | ITS OWN OPTIONS"; it is told the server's too.
STATS_CASES=("--fail-kind status --fail-times 2 --seed 5 | --hang-up --held 40"
             "--fail-kind reset --fail-times 1 --seed 6 |"
             "--fail-kind hang --fail-times 1 --seed 7 --hang-ms 300 | --held 12"
             "--fail-kind truncate --fail-times 0 --seed 8 --keep-alive-ms 800 |"
             "--fail-kind badjson --fail-times 3 --seed 9 --keep-alive off |")
STATS_COMMON=(--threads 64 --latency-ms 0 --fail-rate 0.3)
for i in "${!STATS_CASES[@]}"; do
    # shellcheck disable=SC2086
    start_many "stats$i" "${STATS_COMMON[@]}" ${STATS_CASES[$i]%|*}
done

if url_of bytes; then
    for id in 1 2 42 255 65536 16777216 16777217 999999999; do
        curl -s --max-time 10 -o "$TEST_TMP/item.got" "$URL/items/$id"
        "${REF[@]}" item "$id" >"$TEST_TMP/item.ref"
        expect_true "item $id: every byte is the reference's" \
            cmp "$TEST_TMP/item.got" "$TEST_TMP/item.ref"
    done
    for blob in 1:0 2:1 3:7 4:8 5:9 6:4095 7:65535 8:65536 9:65537 10:131071 11:131072 \
                999999999:131073 12:196609 16777217:3145733 13:4194304; do
        id=${blob%:*} size=${blob#*:}
        head=$(curl -s --max-time 30 -o "$TEST_TMP/blob.got" \
            -w '%{http_code} %header{content-length} %{content_type}' "$URL/blobs/$id?size=$size")
        expect_eq "blob $id of $size bytes: status, Content-Length, type" "$head" \
            "200 $size application/octet-stream"
        "${REF[@]}" blob "$id" "$size" >"$TEST_TMP/blob.ref"
        expect_true "blob $id of $size bytes: every byte is the reference's" \
            cmp "$TEST_TMP/blob.got" "$TEST_TMP/blob.ref"
    done
fi

for i in "${!STATS_CASES[@]}"; do
    url_of "stats$i" || continue
    # shellcheck disable=SC2086
    /usr/bin/python3 tests/tools/check_mock_stats.py "$URL" ${STATS_CASES[$i]#*|} \
        "${STATS_COMMON[@]}" ${STATS_CASES[$i]%|*} ||
        fail "check_mock_stats.py ${STATS_CASES[$i]}: stopped with exit $?"
done
stop_many

# Slow clients: a connection that sends half a request holds a worker only
# for --request-timeout-ms, not civetweb's own 30 s. 8 such connections on
# 4 workers: with 1000 ms, /health answers after about 2 s; 10 s is the
# bound, whatever the machine's load (the same 8 held /health for 29 s).
HALF_REQUESTS="$TEST_TMP/half_requests.py"
cat >"$HALF_REQUESTS" <<'PY'
import socket, sys, time
port, count = int(sys.argv[1]), int(sys.argv[2])
held = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")   # no blank line: never ends
    held.append(s)
print("holding", flush=True)
time.sleep(60)   # stopped by the test long before
PY
if start_server --threads 4 --latency-ms 0 --request-timeout-ms 1000; then
    expect_eq "--request-timeout-ms 1000: in /stats" "$(server_stat .config.request_timeout_ms)" 1000
    /usr/bin/python3 "$HALF_REQUESTS" "${SERVER_URL##*:}" 8 >"$TEST_TMP/holder.out" 2>&1 &
    holder=$!
    expect_true "8 half-sent requests are held open" wait_for grep -q holding "$TEST_TMP/holder.out"
    expect_eq "8 half-sent requests on 4 workers: /health answers within 10 s" \
        "$(status_of --max-time 10 "$SERVER_URL/health")" 200
    kill "$holder" 2>/dev/null
    wait "$holder" 2>/dev/null
else
    fail "--request-timeout-ms 1000: the server starts"
fi
start_server || exit 1
expect_eq "--request-timeout-ms: 5000 by default" "$(server_stat .config.request_timeout_ms)" 5000
expect_eq "/stats: the defaults of docs/mock-server.md in config and threads" \
    "$(server_stat '.config + {threads}' | jq -cS .)" \
    '{"fail_kind":"status","fail_rate":0,"fail_times":1,"hang_ms":60000,"jitter_ms":0,"keep_alive":true,"keep_alive_ms":500,"latency_ms":200,"request_timeout_ms":5000,"seed":0,"threads":512}'
expect_true "--help names --request-timeout-ms" \
    bash -c "'$BIN/mock_server' --help | grep -q -- '--request-timeout-ms MS'"
for bad in 0 -1 abc 1.5 1000ms " 5" +5 3600001 ""; do
    timeout 10 "$BIN/mock_server" --port 0 --request-timeout-ms "$bad" >/dev/null 2>"$TEST_TMP/err"
    expect_eq "--request-timeout-ms '$bad': refused with exit 2, in one line naming it" \
        "$?/$(wc -l <"$TEST_TMP/err")/$(grep -c -- '--request-timeout-ms' "$TEST_TMP/err")" "2/1/1"
done

# Limits and errors at start-up.
timeout 10 "$BIN/mock_server" --threads 20000 >/dev/null 2>"$TEST_TMP/err"
expect_eq "--threads 20000: refused with exit 2" "$?" 2
timeout 10 "$BIN/mock_server" --port "${SERVER_URL##*:}" >/dev/null 2>"$TEST_TMP/err"
expect_eq "a port in use: exit 3" "$?" 3
