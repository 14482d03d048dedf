#!/usr/bin/env bash
# busy.sh: runs a command with two busy loops per core beside it, the load
# that make test must pass under (no test may depend on how fast the
# machine is). The loops are stopped by PID however the command ends; the
# command's exit status is busy.sh's.
#
#   tests/busy.sh make test
#   BUSY_PER_CORE=3 tests/busy.sh env BIN=bin bash tests/integration/test_cpu.sh
set -u

if [ $# -eq 0 ]; then
    echo "usage: tests/busy.sh COMMAND [ARG]...   (BUSY_PER_CORE, default 2)" >&2
    exit 2
fi
per_core=${BUSY_PER_CORE:-2}
case $per_core in
    '' | *[!0-9]*) echo "busy.sh: BUSY_PER_CORE: '$per_core' is not a whole number" >&2; exit 2 ;;
esac

loops=()
stop_loops() {
    [ ${#loops[@]} -gt 0 ] && kill "${loops[@]}" 2>/dev/null
    wait "${loops[@]}" 2>/dev/null
    loops=()
}
trap stop_loops EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

for _ in $(seq $((per_core * $(nproc)))); do
    ( while :; do :; done ) &
    loops+=($!)
done
echo "busy.sh: ${#loops[@]} busy loops beside: $*" >&2
start=$(date +%s)
"$@"
status=$?
echo "busy.sh: exit $status after $(($(date +%s) - start)) s" >&2
exit $status
