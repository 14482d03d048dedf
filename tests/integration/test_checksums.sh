#!/usr/bin/env bash
# test_checksums.sh: the checksums are pinned to their definition in docs/.
#
# Every model's checksums are compared with tests/tools/expected_checksum,
# which is fast but calls the same C functions as the clients. Here that
# tool is compared with tests/tools/reference_checksum.py, which computes
# the content, the payloads and the run checksum from the words of
# docs/options.md (The workloads) and docs/summary.md (checksum) in
# Python: a change to what is hashed, or in which order, fails here.
. "$(dirname "$0")/../lib.sh"

ref=tests/tools/reference_checksum.py
if ! /usr/bin/python3 -c 'import xxhash' 2>/dev/null; then
    fail "checksums: python3-xxhash is missing (scripts/install-deps.sh installs it)"
    exit 0
fi

for args in "fetch 1" "fetch 20" "fetch 30 3 7 12" "fetch 5 1 2 3 4 5" \
            "download 3 1" "download 8 307200" "download 4 65537 4" "files 4 65536 2" \
            "files 2 0" "cook" "cook Stew:30,Soup:30" "cpu 3 0" "cpu 4 500 2"; do
    # shellcheck disable=SC2086
    c=$("$BIN/expected_checksum" $args) && python=$(/usr/bin/python3 "$ref" $args) ||
        fail "checksum of '$args': a tool failed"
    expect_true "checksum of '$args': 16 hex digits" grep -Eqx '[0-9a-f]{16}' <<<"$c"
    expect_eq "checksum of '$args' as docs/summary.md defines it" "$c" "$python"
done
