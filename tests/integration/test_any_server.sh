#!/usr/bin/env bash
# test_any_server.sh: every model against a server that is not the mock.
#
# tests/tools/any_server.py (Python's http.server) has no /health, no
# latency and none of the mock's content. Against it, for every model: the
# readiness check says it only checked that the server answers; --verify id
# and status pass, content fails every task as a mismatch; --path sends the
# tasks elsewhere; a 201 passes status only; download writes whatever body
# arrives, through part files renamed when whole; each mode's run checksum
# is the one computed in Python and the same in every model; bad --verify
# and --path values are refused with one line, and so is a base URL that a
# task's path cannot be appended to (a query, a fragment...), before any
# request, by the Python reference client too.
. "$(dirname "$0")/../lib.sh"

N=12
NB=5
ANY_SERVER="tests/tools/any_server.py"
BLOB_BYTES=20000   # any_server.py's blobs, whatever --size asks

expected() {   # expected MODE COUNT: the run checksum, from Python
    /usr/bin/python3 "$ANY_SERVER" expect "$1" "$2"
}

declare -A CHECKSUMS   # "MODE" -> the checksums the models reported, space-separated

note_checksum() {   # note_checksum MODE
    CHECKSUMS[$1]="${CHECKSUMS[$1]:-} $(json .checksum)"
}

check_fetch() {
    local m=$1

    run_client "$m" fetch -n $N --url "$SERVER_URL" --verify id --json
    expect_eq "$m fetch --verify id: exit 0, $N ok" "$STATUS/$(json .ok)" "0/$N"
    expect_eq "$m fetch --verify id: checksum of the ids" "$(json .checksum)" "$(expected fetch-id $N)"
    expect_eq "$m fetch --verify id: the summary names the mode" "$(json .verify)" id
    expect_true "$m: the server check says it only checked that the server answers" \
        grep -q "server check: $SERVER_URL/health answered HTTP 404: checked only that the server answers" \
        "$TEST_TMP/err"
    expect_eq "$m: one line on stderr" "$(wc -l <"$TEST_TMP/err")" 1
    note_checksum id

    run_client "$m" fetch -n $N --url "$SERVER_URL" --json
    expect_eq "$m fetch --verify content (the default): exit 1, every task a mismatch" \
        "$STATUS/$(json .failed)/$(json .failures.mismatch)" "1/$N/$N"

    run_client "$m" fetch -n $N --url "$SERVER_URL" --verify status --json
    expect_eq "$m fetch --verify status: exit 0, $N ok" "$STATUS/$(json .ok)" "0/$N"
    expect_eq "$m fetch --verify status: checksum of the bodies" "$(json .checksum)" \
        "$(expected fetch-status $N)"
    note_checksum status

    run_client "$m" fetch -n $N --url "$SERVER_URL" --verify id --path '/things/{id}' --json
    expect_eq "$m fetch --path /things/{id}: exit 0, the same checksum" \
        "$STATUS/$(json .checksum)" "0/$(expected fetch-id $N)"

    run_client "$m" fetch -n 3 --url "$SERVER_URL" --verify id --path '/nothing/{id}' --json
    expect_eq "$m fetch --path to nothing: every task a status failure" \
        "$STATUS/$(json .failures.status)" "1/3"

    run_client "$m" fetch -n 3 --url "$SERVER_URL" --verify status --path '/created/{id}' --json
    expect_eq "$m fetch --verify status: a 201 passes" "$STATUS/$(json .ok)" "0/3"
    run_client "$m" fetch -n 3 --url "$SERVER_URL" --verify id --path '/created/{id}' \
        --json --trace "$TEST_TMP/created.csv"
    expect_eq "$m fetch --verify id: a 201 fails for its status" \
        "$STATUS/$(json .failures.status)" "1/3"
    expect_eq "$m fetch --verify id: the trace shows the 201s" \
        "$(awk -F, 'NR > 1 { print $7 }' "$TEST_TMP/created.csv" | sort -u)" 201
}

# check_body_limit CLIENT: a fetched body one byte over the clients' limit
# (client/http.h: BODY_LIMIT, 1 MiB) fails each task as a mismatch that
# says so, in every model (async_uv judges its fetch itself; async_coro
# stages the body before the task code takes it); one at the limit passes.
check_body_limit() {
    local m=$1 limit=$((1024 * 1024))

    run_client "$m" fetch -n 2 --url "$SERVER_URL" --verify status --path "/bytes/$limit" --json
    expect_eq "$m fetch of a body at the limit ($limit bytes): exit 0, 2 ok" \
        "$STATUS/$(json .ok)" "0/2"
    run_client "$m" fetch -n 2 --url "$SERVER_URL" --verify status --path "/bytes/$((limit + 1))" \
        --json --trace "$TEST_TMP/big.csv"
    expect_eq "$m fetch of a body over the limit: exit 1, both tasks a mismatch" \
        "$STATUS/$(json .failures.mismatch)" "1/2"
    expect_eq "$m fetch of a body over the limit: the trace says why" \
        "$(awk -F, 'NR > 1 { print $10 "," $11 }' "$TEST_TMP/big.csv" | sort -u)" \
        'mismatch,"body over the 1 MiB limit"'
}

check_download() {
    local m=$1 dir="$TEST_TMP/$1-dl" kept

    # --size is the mock's business: the body is written as it comes.
    run_client "$m" download -n $NB --size 1M --url "$SERVER_URL" --verify status --json --keep
    kept=$(sed -n "s/^$m: files kept in //p" "$TEST_TMP/err")
    expect_eq "$m download --verify status: exit 0, $NB ok" "$STATUS/$(json .ok)" "0/$NB"
    expect_true "$m download --keep: says where the files are" test -d "$kept"
    expect_eq "$m download --verify status: $NB whole files of what the server sent" \
        "$(find "$kept" -name 'blob-*.bin' -size ${BLOB_BYTES}c | wc -l)" $NB
    expect_true "$m download --verify status: blob 3 holds the server's bytes" \
        cmp -s "$kept/blob-3.bin" <(/usr/bin/python3 -c "
import sys; sys.path.insert(0, 'tests/tools'); import any_server
sys.stdout.buffer.write(any_server.blob_bytes(3))")
    expect_eq "$m download: no part file left" "$(find "$kept" -name '*.part' | wc -l)" 0
    expect_eq "$m download --verify status: checksum of the bytes" "$(json .checksum)" \
        "$(expected download $NB)"
    note_checksum download-status
    rm -rf "$kept"

    run_client "$m" download -n $NB --url "$SERVER_URL" --verify id --json --dir "$dir"
    expect_eq "$m download --verify id: exit 0, the same checksum" \
        "$STATUS/$(json .checksum)" "0/$(expected download $NB)"
    note_checksum download-id

    rm -rf "$dir"
    run_client "$m" download -n $NB --url "$SERVER_URL" --json --dir "$dir"
    expect_eq "$m download --verify content: every task a mismatch" \
        "$STATUS/$(json .failures.mismatch)" "1/$NB"
    expect_eq "$m download --verify content: no file left, final or part" \
        "$(find "$dir" -type f | wc -l)" 0
}

check_usage() {
    local m=$1

    run_client "$m" fetch --url "$SERVER_URL" --verify bytes
    expect_eq "$m --verify bytes: exit 2 with one line naming it" \
        "$STATUS/$(wc -l <"$TEST_TMP/err")/$(grep -c -- '--verify' "$TEST_TMP/err")" "2/1/1"
    run_client "$m" fetch --url "$SERVER_URL" --path 'items/{id}'
    expect_eq "$m --path without '/': exit 2 with one line naming it" \
        "$STATUS/$(wc -l <"$TEST_TMP/err")/$(grep -c -- '--path' "$TEST_TMP/err")" "2/1/1"
    run_client "$m" fetch --url "$SERVER_URL" --path '/items/{name}'
    expect_eq "$m --path with an unknown field: exit 2 with one line" \
        "$STATUS/$(wc -l <"$TEST_TMP/err")" "2/1"
}

# requests_seen: how many requests any_server.py has logged on stderr.
requests_seen() {
    wc -l <"$TEST_TMP/server.err"
}

# check_base_url CLIENT: a base URL that a task's path cannot be appended
# to as text is refused before any request: a query or a fragment (every
# task would ask for /, which this server answers 200 to), user info, a
# blank, a port out of range. Exit 2, one line naming --url or $MOCK_URL;
# the Python client says the same words as the C models (BASE_URL_WHY).
declare -A BASE_URL_WHY
check_base_url() {
    local client=$1 url before why hostport=${SERVER_URL#http://} verify="--verify status"

    [ "$client" = python_asyncio ] && verify=   # it has no --verify: it checks ids

    for url in "$SERVER_URL/?x" "$SERVER_URL?x" "$SERVER_URL/api?v=1" "$SERVER_URL/#x" \
        "$SERVER_URL#" "http://user@$hostport" "http://user:pw@$hostport/" "$SERVER_URL/a b" \
        "http://127.0.0.1:0" "http://127.0.0.1:65536" "http://127.0.0.1:x/" "http://:80"; do
        before=$(requests_seen)
        # shellcheck disable=SC2086
        run_client "$client" fetch -n 3 $verify --url "$url"
        expect_eq "$client --url '$url': exit 2, one line naming --url, no request sent" \
            "$STATUS/$(wc -l <"$TEST_TMP/err")/$(grep -cF -- "--url: '$url'" "$TEST_TMP/err")/$(requests_seen)" \
            "2/1/1/$before"
        why=$(sed "s/^$client: //" "$TEST_TMP/err")
        if [ -z "${BASE_URL_WHY[$url]:-}" ]; then
            BASE_URL_WHY[$url]=$why
        else
            expect_eq "$client --url '$url': the reason the other clients gave" "$why" \
                "${BASE_URL_WHY[$url]}"
        fi
    done
    before=$(requests_seen)
    # shellcheck disable=SC2086
    MOCK_URL="$SERVER_URL/?x" run_client "$client" fetch -n 3 $verify
    expect_eq "$client \$MOCK_URL with a query: exit 2, one line naming it, no request sent" \
        "$STATUS/$(wc -l <"$TEST_TMP/err")/$(grep -cF "\$MOCK_URL: '$SERVER_URL/?x' has a query" "$TEST_TMP/err")/$(requests_seen)" \
        "2/1/1/$before"
}

start_any_server /usr/bin/python3 "$ANY_SERVER" || exit 1
for m in $(models); do
    check_fetch "$m"
    check_download "$m"
    check_usage "$m"
    check_base_url "$m"
    check_body_limit "$m"
done
# The Python reference client builds its URLs the same way and refuses the
# same base URLs (it runs with the release programs only, as in
# test_python_asyncio.sh, and only where its packages are installed).
if [ "$BIN" = bin ] && run_client python_asyncio --help && [ "$STATUS" = 0 ]; then
    check_base_url python_asyncio
fi

# bench.py --url: its tiny plan's fetch configurations against this server,
# no mock started, no ?latency_ms=, a report that names the server and knows
# no ideal.
out="$TEST_TMP/bench"
timeout -s KILL 300 /usr/bin/python3 scripts/bench.py --tiny --url "$SERVER_URL" --bin "$BIN" \
    --out "$out" >"$TEST_TMP/bench.out" 2>"$TEST_TMP/bench.err"
expect_eq "bench --url: exit 0" "$?" 0
expect_eq "bench --url: only fetch runs, each with --verify id and no --latency-ms" \
    "$(awk -F, 'NR > 1 { print $5, ($0 ~ /--verify id/), ($0 ~ /--latency-ms/) }' "$out/runs.csv" | sort -u)" \
    "fetch 1 0"
expect_eq "bench --url: the count and window sweeps and the headline, nothing else" \
    "$(awk -F, 'NR > 1 { split($2, w, " "); print w[1] }' "$out/runs.csv" | sort -u | xargs)" \
    "count headline window"
expect_eq "bench --url: every run exited 0 with no failed task" \
    "$(/usr/bin/python3 -c 'import csv, sys
print(sorted({(r["status"], r["failed"]) for r in csv.DictReader(open(sys.argv[1]))}))' "$out/runs.csv")" \
    "[('0', '0')]"
expect_true "bench --url: the report names the server" \
    grep -q "The server measured is $SERVER_URL, not the mock server" "$out/REPORT.md"
expect_true "bench --url: the report's ideals are unknown" \
    grep -q "unknown (the server's latency)" "$out/REPORT.md"
expect_eq "bench --url: no mock_server started" "$(jq -r '.server.threads_started | length' "$out/meta.json")" 0

for mode in id status download-status download-id; do
    expect_eq "every model reports the same checksum for $mode" \
        "$(echo ${CHECKSUMS[$mode]} | tr ' ' '\n' | sort -u | wc -l)" 1
done

# The mock server passes id and status too, and its /health check is quiet.
start_server --latency-ms 5 || exit 1
for m in $(models); do
    run_client "$m" fetch -n 5 --url "$SERVER_URL" --verify id --json
    expect_eq "$m against the mock: --verify id passes, nothing on stderr" \
        "$STATUS/$(json .ok)/$(wc -c <"$TEST_TMP/err")" "0/5/0"
    run_client "$m" fetch -n 5 --url "$SERVER_URL" --verify status --json -v
    expect_true "$m against the mock: -v says /health answered" \
        grep -q "server check: $SERVER_URL/health answered HTTP 200" "$TEST_TMP/err"
done
