#!/usr/bin/env bash
# run.sh: every test of the project, then one closing line "N passed, N failed".
#
# make test builds the release, ASan+UBSan and TSan variants, then runs this:
#   1. the cmocka unit tests of base/, client/, tasks/ and loop/, plain and
#      under ASan+UBSan;
#   2. the unit tests of the Python half (tests/python, pytest), once;
#   3. the integration tests (tests/integration/test_*.sh) against the release
#      programs, then against the ASan+UBSan programs;
#   4. the thread-pool model's tests against its TSan build.
# A sanitizer report anywhere counts as a failed check, with its log shown.
#
# Two knobs, for tests/mutants.py and for a quick look; unset, everything runs:
#   TEST_VARIANTS="release asan tsan"  the variants to run, any of the three:
#       release is bin/, asan is build/asan/bin, tsan the thread-pool model's
#       TSan run. (The release integration files still run their own short
#       sanitizer checks when those builds exist.)
#   TEST_FAIL_FAST=1  stop after the first unit binary, the pytest step or
#       an integration file with a failed check, saying which; the closing
#       line counts what ran.
#   TEST_FIRST="test_a.sh ..."  these integration files (names in
#       tests/integration) run first, then the others: with TEST_FAIL_FAST,
#       the files most likely to fail are tried before the rest.
set -u
cd "$(dirname "$0")/.."

TEST_VARIANTS=${TEST_VARIANTS:-release asan tsan}
TEST_FAIL_FAST=${TEST_FAIL_FAST:-0}
TEST_FIRST=${TEST_FIRST:-}
for name in $TEST_FIRST; do
    [ -f "tests/integration/$name" ] && continue
    echo "run.sh: TEST_FIRST: no tests/integration/$name" >&2
    exit 2
done
for variant in $TEST_VARIANTS; do
    case $variant in
        release | asan | tsan) ;;
        *) echo "run.sh: TEST_VARIANTS: unknown variant '$variant' (release, asan, tsan)" >&2
           exit 2 ;;
    esac
done

# variant_dirs: the program folders of the chosen variants, release first.
variant_dirs() {
    case " $TEST_VARIANTS " in *" release "*) echo bin ;; esac
    case " $TEST_VARIANTS " in *" asan "*) echo build/asan/bin ;; esac
}

passed=0
failed=0
SAN_LOGS=$(mktemp -d "${TMPDIR:-/tmp}/aio-san.XXXXXX")
trap 'rm -rf "$SAN_LOGS"' EXIT

export ASAN_OPTIONS="detect_leaks=1:exitcode=86:log_path=$SAN_LOGS/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=86:log_path=$SAN_LOGS/ubsan"
export TSAN_OPTIONS="halt_on_error=1:exitcode=86:log_path=$SAN_LOGS/tsan"

count() {   # count PASSED FAILED
    passed=$((passed + $1))
    failed=$((failed + $2))
}

# gcc 12's ASan writes this one line, once per process, into the log of any
# program that calls swapcontext, whether or not anything is wrong: a caveat
# about its support, not a finding. Here that is test_coro_ucontext, the
# unit test of coro/coro.c's fallback switch (on x86-64 coro.c switches
# with its own assembly, which ASan does not see); coro.c tells ASan of
# every switch (__sanitizer_start_switch_fiber), which is what ASan asks of
# such code. So a log holding this line and nothing else is no report and is
# passed over with a note; a real report in the same log still counts.
SWAPCONTEXT_CAVEAT="==[0-9]+==WARNING: ASan doesn't fully support makecontext/swapcontext functions and may produce false positives in some cases!"

only_swapcontext_caveat() {   # only_swapcontext_caveat LOG
    grep -qxE "$SWAPCONTEXT_CAVEAT" "$1" && ! grep -qvxE "$SWAPCONTEXT_CAVEAT" "$1"
}

# Any other sanitizer log written since the last call is one failed check.
check_sanitizer_logs() {
    local what=$1 log
    for log in "$SAN_LOGS"/*; do
        [ -e "$log" ] || continue
        if only_swapcontext_caveat "$log"; then
            echo "# $what: $(basename "$log") holds only ASan's makecontext/swapcontext caveat"
            rm -f "$log"
            continue
        fi
        echo "not ok - $what: sanitizer report $(basename "$log")"
        sed 's/^/#   /' "$log" | head -40
        rm -f "$log"
        count 0 1
    done
}

# stop_if_failed WHAT: under TEST_FAIL_FAST, ends the run at the first failure.
stop_if_failed() {
    [ "$TEST_FAIL_FAST" = 1 ] && [ "$failed" -gt 0 ] || return 0
    echo "# stopped after the first failure (TEST_FAIL_FAST=1): $1"
    echo "$passed passed, $failed failed"
    exit 1
}

# run_unit BINARY: a cmocka binary; its "[  PASSED  ] N" and "[  FAILED  ] N"
# lines are added to the totals.
run_unit() {
    local out p f
    out=$(timeout -s KILL 120 "$1" 2>&1)
    local status=$?
    echo "$out" | grep -E '^\[ *(OK|FAILED|PASSED|SKIPPED) *\]' | sed 's/^/# /'
    p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p')
    f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p')
    count "${p:-0}" "${f:-0}"
    if [ -z "$p$f" ] || { [ "$status" -ne 0 ] && [ "${f:-0}" -eq 0 ]; }; then
        echo "not ok - $1 exited $status without a cmocka summary"
        echo "$out" | tail -20 | sed 's/^/#   /'
        count 0 1
    fi
}

# run_pytest: the unit tests of the Python half, tests/python, with Debian's
# pytest (/usr/bin/python3, whatever python3 comes first on PATH): one check
# per pytest test, each failure a "not ok" line with pytest's report below.
# -B and -p no:cacheprovider write nothing into the tree; plugins installed
# on the machine are not loaded, so that they cannot change what runs.
run_pytest() {
    local out status summary p f e
    echo "# tests/python (pytest)"
    out=$(PYTEST_DISABLE_PLUGIN_AUTOLOAD=1 timeout -s KILL 300 \
          /usr/bin/python3 -B -m pytest -q -rfE -p no:cacheprovider tests/python 2>&1)
    status=$?
    # The closing line of -q: "2 failed, 81 passed in 0.40s", "1 error in 0.12s".
    summary=$(echo "$out" | grep -E '^[0-9]+ [a-z]+.* in [0-9.]+s' | tail -1)
    p=$(echo "$summary" | sed -n 's/.*\b\([0-9][0-9]*\) passed.*/\1/p')
    f=$(echo "$summary" | sed -n 's/.*\b\([0-9][0-9]*\) failed.*/\1/p')
    e=$(echo "$summary" | sed -n 's/.*\b\([0-9][0-9]*\) errors\{0,1\}\b.*/\1/p')
    count "${p:-0}" "$(( ${f:-0} + ${e:-0} ))"
    echo "$out" | sed -n 's/^\(FAILED\|ERROR\) /not ok - /p'
    if [ "$status" -ne 0 ]; then
        echo "$out" | grep -vE '^(FAILED|ERROR) ' | tail -60 | sed 's/^/#   /'
        if [ $(( ${f:-0} + ${e:-0} )) -eq 0 ]; then
            echo "not ok - tests/python: pytest exited $status without a failed test"
            count 0 1
        fi
    fi
}

# run_integration BIN FILE: one integration file; counts its ok/not ok lines.
run_integration() {
    local bin=$1 file=$2 out status
    echo "# $file (BIN=$bin)"
    out=$(BIN=$bin SERVER_BIN=${SERVER_BIN:-$bin} timeout -s KILL 900 bash "$file" 2>&1)
    status=$?
    echo "$out" | grep -v '^ok - ' | sed '/^not ok/!s/^/# /'
    local p f
    p=$(echo "$out" | grep -c '^ok - ')
    f=$(echo "$out" | grep -c '^not ok - ')
    count "$p" "$f"
    if [ "$status" -ne 0 ]; then
        echo "not ok - $file exited $status"
        count 0 1
    fi
}

for bin in $(variant_dirs); do
    [ -d "$bin" ] || continue
    for t in "$bin"/test_*; do
        [ -x "$t" ] || continue
        run_unit "$t"
        check_sanitizer_logs "$t"
        stop_if_failed "$t"
    done
done

run_pytest
stop_if_failed "tests/python (pytest)"

# integration_files: every integration file once, those of TEST_FIRST first.
integration_files() {
    local name file
    for name in $TEST_FIRST; do
        echo "tests/integration/$name"
    done
    for file in tests/integration/test_*.sh; do
        case " $TEST_FIRST " in *" ${file##*/} "*) ;; *) echo "$file" ;; esac
    done
}

for bin in $(variant_dirs); do
    [ -x "$bin/mock_server" ] || continue
    for file in $(integration_files); do
        run_integration "$bin" "$file"
        check_sanitizer_logs "$file in $bin"
        stop_if_failed "$file in $bin"
    done
done

case " $TEST_VARIANTS " in *" tsan "*)
    if [ -x build/tsan/bin/async_threads ] && [ -f tests/integration/test_async_threads.sh ]; then
        SERVER_BIN=bin run_integration build/tsan/bin tests/integration/test_async_threads.sh
        check_sanitizer_logs "test_async_threads.sh under TSan"
    fi ;;
esac

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
