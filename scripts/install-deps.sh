#!/bin/sh
# Installs the Debian packages this project builds and runs with.
# make calls it when pkg-config, a header or a Python module is missing; it is
# safe to run by hand.
# As root it uses apt-get, otherwise sudo; when neither works it says what to install.
set -eu

packages="build-essential pkg-config libcurl4-openssl-dev libuv1-dev libcjson-dev
libcmocka-dev libcivetweb-dev libxxhash-dev libsqlite3-dev liburing-dev libseccomp-dev
gnuplot-nox curl jq procps iproute2 strace time sqlite3
python3 python3-xxhash python3-aiohttp python3-aiofiles python3-numpy python3-pytest
python3-markdown-it"
# time (GNU time): scripts/bench.py reads curl_parallel's peak memory from it.
# python3-pytest: tests/run.sh runs the unit tests of the Python half (tests/python).
# python3-markdown-it: tests/tools/check_links.py reads the Markdown with it.
# sqlite3 (the shell): the cache tests read and damage --cache files with it.
# iproute2: test_interrupt.sh finds a client's connects in SYN-SENT with ss.
# liburing-dev: async_uring's ring; libseccomp-dev: the test tool without_io_uring.

if [ "$(id -u)" -eq 0 ]; then
    run=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    run="sudo"
else
    echo "install-deps: need root to install packages; please run:" >&2
    echo "  sudo apt-get install -y $(echo $packages)" >&2
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: apt-get not found; install these (Debian names): $(echo $packages)" >&2
    exit 1
fi

echo "install-deps: installing $(echo $packages)" >&2
export DEBIAN_FRONTEND=noninteractive
# An old or missing package list makes apt-get install fail; refresh it once.
$run apt-get update -qq
# shellcheck disable=SC2086
$run apt-get install -y -qq --no-install-recommends $packages >/dev/null
echo "install-deps: done" >&2
