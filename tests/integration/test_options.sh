#!/usr/bin/env bash
# test_options.sh: every option of every program, and each of its malformed values.
#
# One table per program below. A row names the programs it holds for, an
# option, its malformed values, the one stderr line each must give ({} is
# the value; "..." anything), the values accepted (the bounds among them)
# and how --help documents the range. For each program and row:
#   - every malformed value (PROGRAM [fetch] OPTION VALUE) exits 2 with
#     nothing on stdout, exactly one line on stderr, "PROGRAM: " and the
#     row's message, and nothing created in its folder or in $TMPDIR;
#   - the option at the end of the line, its value missing: "OPTION: needs
#     a value" (a flag given "=1": "OPTION: takes no value");
#   - a malformed value followed by a good one of the same option is still
#     refused (each value is checked where it stands);
#   - each accepted value, followed by --help, exits 0 with the help and
#     nothing on stderr: the parse went past it;
#   - the option's entry in --help holds the documented range.
# The options are read from each program's --help: one there with no row
# fails, so a new option cannot be forgotten. The C clients and
# peers/python_asyncio share their rows, so the two halves must say the
# same words (scripts/options.py is client/cli.c's twin).
. "$(dirname "$0")/../lib.sh"

RELEASE=no
[ "$BIN" = bin ] && RELEASE=yes
BIN=$(cd "$BIN" && pwd)      # each command runs in a folder of its own
PYTHON=/usr/bin/python3
shopt -u patsub_replacement 2>/dev/null   # a value's '&' stays itself in ${x//a/b}

# ---- The malformed values, as shell words ----

# Whole numbers: signs, blanks, suffixes, points, exponents, words, hex, a
# comma, a digit of another script, 2^64, 2^63 and 10^30.
WHOLE="+5 -5 -0 ' 5' '5 ' '' 5K 5KK K 5X 1.5 1. .5 1e3 nan inf 0x10 '1,5' '٥'
       18446744073709551616 9223372036854775808 1000000000000000000000000000000"
# Byte counts: the same, and the suffixes that are not K, M or G.
SIZE="+5 -5 -0 ' 5' '5 ' ' 5K' '5K ' '' 5KK K 5X 5KB 5Ki 1T 1.5M 1. .5 1e3 nan inf
      0x10 '1,5' '٥' 18446744073709551616 17179869184G 1000000000000000000000000000000"
# Decimals: DIGITS or DIGITS.DIGITS only.
DECIMAL="+0.5 -0.5 -0 -0.0 ' 0.5' '0.5 ' '' . 1. .5 1..5 1e3 1e-1 1E1 nan inf infinity
         0x10 0x1p-1 '0,5' 0.5K 1_0 '٥'"

WHOLE=${WHOLE//$'\n'/ } SIZE=${SIZE//$'\n'/ } DECIMAL=${DECIMAL//$'\n'/ }

# ---- The tables: programs | option | malformed values | message | accepted | documented ----
# programs: a comma-separated list; "clients" is every C model built and
# peers/python_asyncio, which skips the rows of options it does not have.
# A malformed-values field of FLAG means a flag: OPTION=1 must be refused.

CLIENT_ROWS=$(cat <<EOF
clients | --url | 'https://127.0.0.1:8080' '127.0.0.1:8080' 'HTTP://127.0.0.1' 'ftp://h' '' ' http://h' 'http:/h' '//h:80' 'http://' 'http:///' 'http://:80' 'http://[::1' 'http://[]:80' | --url: '{}' is not an http:// URL | 'http://127.0.0.1:1' 'http://127.0.0.1:65535' 'http://h' 'http://h/base/' 'http://[::1]:8080' 'http://[::1]' |
clients | --url | 'http://h ' 'http://h:80/a b' 'http://h/a	b' | --url: '{}' holds a blank or a control character | |
clients | --url | 'http://h:80/?x' 'http://h:80?x' 'http://h/api?v=1' 'http://h?' | --url: '{}' has a query ('?'): every task's path would be appended to it | |
clients | --url | 'http://h:80/#x' 'http://h#' | --url: '{}' has a fragment ('#'): every task's path would be appended to it | |
clients | --url | 'http://user@h:80' 'http://u:pw@h/' 'http://@h' | --url: '{}' has user info ('NAME@'), which is not taken | |
clients | --url | 'http://h:0' 'http://h:65536' 'http://h:abc' 'http://h:' 'http://h:/' 'http://h:+80' 'http://h:-1' 'http://h:99999999999999999999' 'http://[::1]x' 'http://[::1]:0' | --url: '{}': the port is not a number from 1 to 65535 | |
clients | --count | $WHOLE 0 1000001 | --count: '{}' is not a whole number from 1 to 1000000 | 1 1000000 | 1..1000000
clients | -n | x 0 | --count: '{}' is not a whole number from 1 to 1000000 | 1 1000000 |
clients | --latency-ms | $WHOLE 600001 | --latency-ms: '{}' is not a whole number from 0 to 600000 | 0 600000 | 0..600000
async_uv,async_coro,async_uring,python_asyncio | --concurrency | $WHOLE 0 1000001 | --concurrency: '{}' is not a whole number from 1 to 1000000 | 1 1000000 | 1..1000000
async_threads | --concurrency | $WHOLE 0 1000001 | --concurrency: '{}' is not a whole number from 1 to 1000000 | 1 10000 | 1..10000
async_threads | --concurrency | 10001 | --concurrency {}: threads in the pool; without it, one per task (at most 10000 is accepted) | |
sync | --concurrency | $WHOLE 0 1000001 | --concurrency: '{}' is not a whole number from 1 to 1000000 | 1 | 1..1
sync | --concurrency | 2 1000000 | --concurrency {}: always 1: this model runs one task at a time (only 1 is accepted) | |
clients | --rate | $DECIMAL 0 0.0 00.000 1000000.1 1000001 | --rate: '{}' is not a number above 0 and at most 1000000 | 0.001 0.5 100 1000000 1000000.0 | above 0 up to 1000000
clients | --retries | $WHOLE 101 | --retries: '{}' is not a whole number from 0 to 100 | 0 100 | 0..100
clients | --backoff-ms | $WHOLE 3600001 | --backoff-ms: '{}' is not a whole number from 0 to 3600000 | 0 3600000 | 0..3600000
clients | --timeout-ms | $WHOLE 0 3600001 | --timeout-ms: '{}' is not a whole number from 1 to 3600000 | 1 3600000 | 1..3600000
clients | --process-ms | $WHOLE 3600001 | --process-ms: '{}' is not a whole number from 0 to 3600000 | 0 3600000 | 0..3600000
clients | --process-cpu-ms | $WHOLE 3600001 | --process-cpu-ms: '{}' is not a whole number from 0 to 3600000 | 0 3600000 | 0..3600000
clients | --rounds | $WHOLE 100000001 | --rounds: '{}' is not a whole number from 0 to 100000000 | 0 100000000 | 0..100000000
clients | --size | $SIZE 17179869185 16385M 16777217K 17G | --size: '{}' is not a byte count from 0 to 16G (K, M, G suffixes allowed) | 0 16G 16384M 16777216K 17179869184 1k 1m 1g | 0..16G
clients | --path | '' 'items/{id}' ' /items/{id}' | --path: '{}' does not start with '/' | '/items/{id}' '/blobs/{id}?size={size}&x={id}' '/' |
clients | --path | '/a b' '/items/{id} ' '/a#b' | --path: '{}' holds a blank, a control character or '#' | |
clients | --path | '/{ID}' '/{id' '/{}' '/items/{id}}' '/{siz}' | --path: '{}': a brace that is not {id} or {size} | |
clients | --path | '/$(printf '%0300d' 0)' | --path: the template is longer than 255 bytes | |
clients | --verify | '' ID Content ' id' 'id ' ids | --verify: '{}' is not content, id or status | content id status |
clients | --dir | '' | --dir: the folder's name is empty | /nonexistent/dir . |
clients | --trace | '' | --trace: the file name is empty | /nonexistent/t.csv - |
clients | --trace-events | '' | --trace-events: the file name is empty | /nonexistent/t.json |
clients | --cache | '' | --cache: the file name is empty | /nonexistent/c.db |
clients | --time-scale | $DECIMAL 0 0.0 00.000 1000.1 1000.0000001 1001 | --time-scale: '{}' is not a number above 0 and at most 1000 | 0.001 1 1000 1000.0 | above 0 up to 1000
clients | --dishes | '' ' ' | --dishes: the list of dishes is empty | 'Soup:0' 'Soup:86400' 'A:0.5,B b:2' 'Chef: special:1' |
clients | --dishes | 'Soup' 'Soup:1,' 'Soup:1,Tea' | --dishes: '...' has no ':SECONDS' | |
clients | --dishes | ':1' | --dishes: '{}' has no name | |
clients | --dishes | 'Soup:' 'Soup:+1' 'Soup:-1' 'Soup:-0' 'Soup:1.' 'Soup:.5' 'Soup:1e3' 'Soup:nan' 'Soup:inf' 'Soup:0x10' 'Soup:5s' 'Soup:86400.1' 'Soup:86401' | --dishes: '...': the time is not a number of seconds from 0 to 86400 | |
clients | --keep | FLAG | --keep: takes no value | |
clients | --fsync | FLAG | --fsync: takes no value | |
clients | --timeline | FLAG | --timeline: takes no value | |
clients | --json | FLAG | --json: takes no value | |
clients | --verbose | FLAG | --verbose: takes no value | |
clients | --quiet | FLAG | --quiet: takes no value | |
clients | --help | FLAG | --help: takes no value | |
clients | --version | FLAG | --version: takes no value | |
async_uv,async_coro | --uv-threadpool | $WHOLE 0 1025 | --uv-threadpool: '{}' is not a whole number from 1 to 1024 | 1 1024 | 1..1024
async_uv,async_coro | --offload | FLAG | --offload: takes no value | |
async_uv,async_coro,async_uring | --blocking-process | FLAG | --blocking-process: takes no value | |
async_threads | --stack-kb | $WHOLE 63 65537 | --stack-kb: '{}' is not a whole number from 64 to 65536 | 64 65536 | 64..65536
async_coro,async_uring | --stack-kb | $WHOLE 31 65537 | --stack-kb: '{}' is not a whole number from 32 to 65536 | 32 65536 | 32..65536
EOF
)

MOCK_ROWS=$(cat <<EOF
mock_server | --host | '' ' 127.0.0.1' '127.0.0.1 ' localhost '::1' 256.0.0.1 1.2.3 0x7f.0.0.1 127.0.0.01 '127.0.0.1:80' | --host: '{}' is not an IPv4 address such as 127.0.0.1 | 127.0.0.1 0.0.0.0 255.255.255.255 |
mock_server | --port | $WHOLE 65536 | --port: '{}' is not a whole number from 0 to 65535 | 0 65535 | 0..65535
mock_server | --latency-ms | $WHOLE 600001 | --latency-ms: '{}' is not a whole number from 0 to 600000 | 0 600000 | 0..600000
mock_server | --jitter-ms | $WHOLE 600001 | --jitter-ms: '{}' is not a whole number from 0 to 600000 | 0 600000 | 0..600000
mock_server | --threads | $WHOLE 0 10001 | --threads: '{}' is not a whole number from 1 to 10000 | 1 10000 | 1..10000
mock_server | --keep-alive | '' On ON yes 1 ' on' 'off ' | --keep-alive: '{}' is not on or off | on off |
mock_server | --keep-alive-ms | $WHOLE 0 60001 | --keep-alive-ms: '{}' is not a whole number from 1 to 60000 | 1 60000 | 1..60000
mock_server | --request-timeout-ms | $WHOLE 0 3600001 | --request-timeout-ms: '{}' is not a whole number from 1 to 3600000 | 1 3600000 | 1..3600000
mock_server | --seed | $WHOLE 9007199254740992 | --seed: '{}' is not a whole number from 0 to 9007199254740991 | 0 9007199254740991 | 0..9007199254740991
mock_server | --fail-rate | $DECIMAL 1.1 1.0000001 2 | --fail-rate: '{}' is not a number from 0 to 1 | 0 0.0 0.5 1 1.0 | 0..1
mock_server | --fail-times | $WHOLE 10001 | --fail-times: '{}' is not a whole number from 0 to 10000 | 0 10000 | 0..10000
mock_server | --fail-kind | '' Status resets 'status ' ' hang' | --fail-kind: '{}' is not status, reset, hang, truncate or badjson | status reset hang truncate badjson |
mock_server | --hang-ms | $WHOLE 3600001 | --hang-ms: '{}' is not a whole number from 0 to 3600000 | 0 3600000 | 0..3600000
mock_server | --quiet | FLAG | --quiet: takes no value | |
mock_server | --verbose | FLAG | --verbose: takes no value | |
mock_server | --help | FLAG | --help: takes no value | |
mock_server | --version | FLAG | --version: takes no value | |
EOF
)

# bench.py hands --url, --verify and --path to the clients: the clients' rows.
BENCH_ROWS=$(cat <<EOF
bench | --runs | $WHOLE 0 101 | --runs: '{}' is not a whole number from 1 to 100 | 1 100 | 1..100
bench | --bin | '' | --bin: the folder's name is empty | /nonexistent |
bench | --server-bin | '' | --server-bin: the folder's name is empty | /nonexistent |
bench | --out | '' | --out: the folder's name is empty | /nonexistent |
bench | --quick | FLAG | --quick: takes no value | |
bench | --tiny | FLAG | --tiny: takes no value | |
bench | --list | FLAG | --list: takes no value | |
bench | --help | FLAG | --help: takes no value | |
EOF
)
BENCH_ROWS+=$'\n'$(grep -E '^clients \| --(url|verify|path) ' <<<"$CLIENT_ROWS" | sed 's/^clients /bench /')

COMPARE_ROWS=$(cat <<EOF
compare | --metric | '' WALL_MS wall wall_ms_ ' wall_ms' 'wall_ms ' | --metric: '{}' is not wall_ms, user_ms, sys_ms, max_rss_kb, stack_touched_avg_kb, p50_ms, p99_ms, loop_lag_p99_ms or loop_lag_max_ms | wall_ms max_rss_kb loop_lag_max_ms |
compare | --alpha | $DECIMAL 0 0.0 1 1.0 1.5 | --alpha: '{}' is not a number above 0 and below 1 | 0.001 0.05 0.999 | above 0 and below 1
compare | --csv | FLAG | --csv: takes no value | |
compare | --json | FLAG | --json: takes no value | |
compare | --help | FLAG | --help: takes no value | |
EOF
)

# ---- Running one program ----

# command_of PROGRAM: the words that start it, and before the option under
# test what makes a run that took a bad value end at once instead of doing
# its work: a client's workload (its server, \$MOCK_URL below, is
# unreachable: exit 3), the server's address that is no one's (TEST-NET-1:
# it cannot listen, exit 3), bench's --list (the plan, exit 0).
command_of() {
    case $1 in
        python_asyncio) echo "$PEERS/python_asyncio fetch" ;;
        bench) echo "$PYTHON $ROOT/scripts/bench.py --list" ;;
        compare) echo "$PYTHON $ROOT/scripts/compare.py" ;;
        mock_server) echo "$BIN/mock_server --host 192.0.2.1" ;;
        *) echo "$BIN/$1 fetch" ;;
    esac
}

# run_words DIR WORDS...: the words as a command in DIR, with its own
# $TMPDIR below it, both empty before; sets OUT, ERR, CODE and MADE (what it
# left in either). Few processes: it runs thousands of times.
run_words() {
    local dir=$1
    shift
    [ -d "$dir/tmp" ] || mkdir -p "$dir/tmp"
    (cd "$dir" && TMPDIR="$dir/tmp" COLUMNS=100 MOCK_URL=http://127.0.0.1:1 \
        exec timeout -s KILL 60 "$@") \
        >"$dir.out" 2>"$dir.err" </dev/null
    CODE=$?
    OUT=$(<"$dir.out")
    ERR=$(<"$dir.err")
    local -a left
    left=("$dir"/* "$dir"/.[!.]* "$dir"/tmp/* "$dir"/tmp/.[!.]*)
    MADE=
    local path
    for path in "${left[@]}"; do
        [ -e "$path" ] && [ "$path" != "$dir/tmp" ] && MADE+="${path#"$dir"/} "
    done
    if [ -n "$MADE" ]; then
        rm -rf "$dir"
        mkdir -p "$dir/tmp"
    fi
}

# regex_of TEXT: TEXT as an extended regex matching itself; "..." stays ".*".
regex_of() {
    local text=$1 out= ch i
    for ((i = 0; i < ${#text}; i++)); do
        ch=${text:i:1}
        case $ch in
            [][\\.*^\$+?\(\){}\|/]) out+="\\$ch" ;;
            *) out+=$ch ;;
        esac
    done
    out=${out//\\.\\.\\./.*}
    printf '%s' "$out"
}

# refused PROGRAM DIR WHAT MESSAGE WORDS...: the command (WORDS) exits 2,
# prints nothing on stdout, one line on stderr, "PROGRAM: MESSAGE" (a
# regex, whole), and leaves nothing. Prints nothing when all holds, else
# one "not ok" line saying what did not.
refused() {
    local program=$1 dir=$2 what=$3 message=$4
    shift 4
    run_words "$dir" "$@"
    local lines
    lines=$(printf '%s' "$ERR" | grep -c '')
    if [ "$CODE" = 2 ] && [ -z "$OUT" ] && [ "$lines" = 1 ] && [ -z "$MADE" ] &&
        [[ $ERR =~ ^$program:\ $message$ ]]; then
        return 0
    fi
    fail "$program $what: exit $CODE (2), $lines stderr line(s) (1): '$(head -c 300 <<<"$ERR")', stdout '$(head -c 80 <<<"$OUT")', left '$MADE'; expected '$program: $message'"
    return 1
}

# accepted PROGRAM DIR WHAT WORDS...: the command (ending in --help) exits 0
# with the help on stdout (--version: the version) and nothing on stderr.
accepted() {
    local program=$1 dir=$2 what=$3 shows='^usage'
    shift 3
    [ "$what" = --version ] && shows="^$program [0-9]"
    run_words "$dir" "$@"
    if [ "$CODE" = 0 ] && [ -z "$ERR" ] && grep -qiE "$shows" <<<"$OUT"; then
        return 0
    fi
    fail "$program $what: exit $CODE (0), stderr '$(head -c 300 <<<"$ERR")', stdout '$(head -c 80 <<<"$OUT")'"
    return 1
}

# help_options PROGRAM: the long options its --help lists, one a line: a
# line that starts, indented at most 8 columns, with an option.
help_options() {
    # shellcheck disable=SC2046
    COLUMNS=100 $(command_of "$1") --help 2>/dev/null |
        sed -nE 's/^ {1,8}(-[A-Za-z], )?(--[a-z][a-z0-9-]*).*/\2/p' | sort -u
}

# help_entry PROGRAM OPTION: the option's entry in --help, its lines joined.
help_entry() {
    # shellcheck disable=SC2046
    COLUMNS=100 $(command_of "$1") --help 2>/dev/null | awk -v opt="$2" '
        { indent = match($0, /[^ ]/) - 1 }
        indent >= 1 && indent <= 8 && substr($0, indent + 1, 1) == "-" {
            inside = index($0 " ", " " opt " ") || index($0, " " opt ",")
        }
        indent == 0 { inside = 0 }
        inside { printf "%s ", $0 }' | tr -s ' '
}

# trim TEXT: without its leading and trailing blanks.
trim() {
    sed -E 's/^ +| +$//g' <<<"$1"
}

# check_rows PROGRAM ROWS PART PARTS: the rows of ROWS that hold for
# PROGRAM, those of them whose number is PART modulo PARTS (so that the
# rows of one program are shared among jobs), then, in part 0, every
# option of its --help against the rows. One "ok" line per row.
check_rows() {
    local program=$1 rows=$2 part=$3 parts=$4 dir="$TEST_TMP/run-$1-$3"
    local -a cmd
    read -r -a cmd <<<"$(command_of "$program")"
    local listed covered=" " programs option bad message good documented row=-1
    listed=$(help_options "$program")
    if [ -z "$listed" ]; then
        fail "$program: its --help lists no option"
        return
    fi
    while IFS='|' read -r programs option bad message good documented; do
        programs=$(trim "$programs")
        option=$(trim "$option")
        message=$(trim "$message")
        documented=$(trim "$documented")
        [ -n "$option" ] || continue
        case ",$programs," in
            *",$program,"*) ;;
            *",clients,"*) [[ $program =~ ^(sync|async_.*|python_asyncio)$ ]] || continue ;;
            *) continue ;;
        esac
        local long=$option
        [ "$option" = -n ] && long=--count
        if ! grep -qx -- "$long" <<<"$listed"; then
            [ "$program" = python_asyncio ] && [[ $programs == *clients* ]] && continue
            fail "$program: a row for $option, which its --help does not list"
            continue
        fi
        covered+="$long "
        row=$((row + 1))
        [ $((row % parts)) = "$part" ] || continue
        local -a values goods
        eval "values=($bad)"
        eval "goods=($good)"
        local failed=0 n=0 value pattern
        if [ "${values[0]}" = FLAG ]; then
            refused "$program" "$dir" "$option=1" "$(regex_of "$message")" \
                "${cmd[@]}" "$option=1" || failed=1
            accepted "$program" "$dir" "$option" "${cmd[@]}" "$option" --help || failed=1
            [ "$failed" = 0 ] && pass "$program $option: a flag: $option=1 refused, '$message'"
            continue
        fi
        for value in "${values[@]}"; do
            pattern=$(regex_of "$message")
            pattern=${pattern//\\\{\\\}/$(regex_of "$value")}
            refused "$program" "$dir" "$option '$value'" "$pattern" \
                "${cmd[@]}" "$option" "$value" || failed=1
            n=$((n + 1))
        done
        # Once per option: its value missing at the end of the line.
        case "$covered" in *" $option:missing "*) ;; *)
            covered+="$option:missing "
            refused "$program" "$dir" "$option, no value" "$(regex_of "$long: needs a value")" \
                "${cmd[@]}" "$option" || failed=1 ;;
        esac
        for value in "${goods[@]}"; do
            accepted "$program" "$dir" "$option '$value'" \
                "${cmd[@]}" "$option" "$value" --help || failed=1
        done
        if [ "${#goods[@]}" -gt 0 ]; then
            # A later good value does not hide an earlier malformed one.
            pattern=$(regex_of "$message")
            pattern=${pattern//\\\{\\\}/$(regex_of "${values[0]}")}
            refused "$program" "$dir" "$option '${values[0]}' $option '${goods[-1]}'" \
                "$pattern" "${cmd[@]}" "$option" "${values[0]}" "$option" "${goods[-1]}" ||
                failed=1
        fi
        if [ -n "$documented" ]; then
            local entry
            entry=$(help_entry "$program" "$long")
            # Whole: "1..10000" is no part of "1..1000000".
            if ! [[ $entry =~ (^|[^0-9.])$(regex_of "$documented")([^0-9]|$) ]]; then
                fail "$program $option: its --help entry does not say '$documented': '$entry'"
                failed=1
            fi
        fi
        [ "$failed" = 0 ] && pass "$program $option: $n malformed values refused ('$message'); ${#goods[@]} accepted${documented:+, '$documented' in --help}"
    done <<<"$rows"
    [ "$part" = 0 ] || return 0
    local missing
    for missing in $listed; do
        [[ $covered == *" $missing "* ]] || fail "$program: $missing is in its --help but has no row here"
    done
}

# ---- Every program ----

PROGRAMS=$(models)
[ -x "$BIN/mock_server" ] && PROGRAMS+=" mock_server"
# The Python programs are one program whatever the build variant: checked
# once, beside the release programs.
if [ "$RELEASE" = yes ]; then
    PROGRAMS+=" bench compare"
    run_client python_asyncio --help
    if [ "$STATUS" = 0 ]; then PROGRAMS+=" python_asyncio"
    else fail "python_asyncio: --help runs (exit $STATUS): $(tail -1 "$TEST_TMP/err")"; fi
fi

# Each program's rows in PARTS jobs, their lines printed in order. The
# thousands of runs are mostly starting processes: jobs keep both cores busy.
PARTS=2
pids=()
for program in $PROGRAMS; do
    case $program in
        mock_server) rows=$MOCK_ROWS ;;
        bench) rows=$BENCH_ROWS ;;
        compare) rows=$COMPARE_ROWS ;;
        *) rows=$CLIENT_ROWS ;;
    esac
    for part in $(seq 0 $((PARTS - 1))); do
        (SECONDS=0; check_rows "$program" "$rows" "$part" "$PARTS"
         echo "# $program, part $part: $SECONDS s") >"$TEST_TMP/$program.$part.log" 2>&1 &
        pids+=($!)
    done
done
wait "${pids[@]}"
for program in $PROGRAMS; do
    cat "$TEST_TMP/$program".*.log
done

# A few refusals that are no option's value.
for program in $(models) python_asyncio; do
    [ "$program" = python_asyncio ] && [[ " $PROGRAMS " != *" python_asyncio "* ]] && continue
    read -r -a cmd <<<"$(command_of "$program")"
    refused "$program" "$TEST_TMP/run" "fetch download" \
        "one workload only, but got 'fetch' and 'download'" "${cmd[@]}" download &&
        refused "$program" "$TEST_TMP/run" "--bogus=1" "unknown option '--bogus' \(see --help\)" \
            "${cmd[@]}" --bogus=1 &&
        refused "$program" "$TEST_TMP/run" "-x" "unknown option '-x' \(see --help\)" \
            "${cmd[@]}" -x &&
        pass "$program: a second workload, an unknown long and short option refused in one line"
done
if [ "$RELEASE" = yes ]; then
    refused bench "$TEST_TMP/run" "--quick --tiny" "--tiny: not allowed with --quick" \
        $PYTHON "$ROOT/scripts/bench.py" --quick --tiny &&
        refused bench "$TEST_TMP/run" "--verify id without --url" \
            "--verify and --path go with --url" $PYTHON "$ROOT/scripts/bench.py" --verify id &&
        pass "bench: --quick with --tiny, and --verify without --url, refused in one line"
fi
