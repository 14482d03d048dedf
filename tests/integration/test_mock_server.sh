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

# Requests that arrive together are answered together: the server counts them.
reset_stats
pids=()
for i in $(seq 40); do
    curl -s -o /dev/null --max-time 10 "$SERVER_URL/items/$i?latency_ms=500" &
    pids+=($!)
done
wait "${pids[@]}"
expect_eq "40 parallel requests: 40 counted" "$(server_stat .requests)" 40
expect_eq "40 parallel requests: 40 in flight at once" "$(server_stat .max_in_flight)" 40
expect_eq "40 parallel requests: none left in flight" "$(server_stat .in_flight)" 0
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
