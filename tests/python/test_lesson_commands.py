"""test_lesson_commands.py: the pure parts of tests/tools/lesson_commands.py.

How it finds the lesson's blocks, what it shortens and how, and which lines
it calls runnable. tests/integration/test_lesson_commands.sh runs the tool
on the lesson itself, against a server.
"""

from by_path import load

lesson_commands = load("tests/tools/lesson_commands.py", "lesson_commands")

PORTS = (41001, 41002, 41003)


def short(line):
    return lesson_commands.short_form(line, "127.0.0.1:40000", PORTS)


def test_blocks_in_order_with_line_numbers_indent_and_comments_dropped():
    text = "\n".join([
        "# title",
        "```sh",
        "make -j1 all     # builds bin/",
        "",
        "# the count: how many items",
        "bin/sync fetch -n 10",
        "```",
        "```python",
        "not a command",
        "```",
        "1. an exercise:",
        "",
        "   ```sh",
        "   bin/mock_server --port 8081 & FAULTY=$!",
        "   kill $FAULTY",
        "   ```",
    ])
    assert lesson_commands.sh_blocks(text) == [
        [(3, "make -j1 all"), (6, "bin/sync fetch -n 10")],
        [(14, "bin/mock_server --port 8081 & FAULTY=$!"), (15, "kill $FAULTY")],
    ]


def test_counts_over_20_become_10_and_the_others_stay():
    assert short("bin/sync fetch -n 100 --timeline") == "bin/sync fetch -n 10 --timeline"
    assert short("bin/sync fetch -n 21") == "bin/sync fetch -n 10"
    assert short("bin/sync fetch -n 20") == "bin/sync fetch -n 20"
    assert short("bin/sync cpu -n 8") == "bin/sync cpu -n 8"
    # Only the option -n, not a word that ends in it.
    assert short("grep -n 'x' a.c") == "grep -n 'x' a.c"


def test_latencies_over_20_ms_become_20_and_a_server_gets_one():
    assert short("bin/async_uv fetch -n 5 --latency-ms 150") == \
        "bin/async_uv fetch -n 5 --latency-ms 20"
    assert short("bin/async_uv fetch --latency-ms 0") == "bin/async_uv fetch --latency-ms 0"
    assert short("bin/mock_server --port 8083 --threads 20 & SMALL=$!") == \
        "bin/mock_server --latency-ms 20 --port 41003 --threads 20 & SMALL=$!"
    # Other numbers are left alone: --process-ms sets what the lesson shows.
    assert short("bin/async_uv fetch --process-ms 150") == "bin/async_uv fetch --process-ms 150"


def test_a_line_that_timeout_ends_keeps_its_count_and_latency():
    # Step 10's Ctrl-C: what is in flight at the signal is the point.
    line = "timeout -s INT --preserve-status 0.5 bin/async_uv fetch -n 100 --latency-ms 1000"
    assert short(line) == line
    line = "time " + line
    assert short(line) == line
    # time alone does not: the count only sets how long.
    assert short("time peers/python_asyncio fetch -n 100 --latency-ms 1000") == \
        "time peers/python_asyncio fetch -n 10 --latency-ms 20"


def test_ports_urls_tmp_and_the_pager():
    assert short("curl -s http://127.0.0.1:8080/stats | jq .max_in_flight") == \
        "curl -s http://127.0.0.1:40000/stats | jq .max_in_flight"
    assert short("bin/x fetch --url http://127.0.0.1:8082 --cache /tmp/items.cache") == \
        "bin/x fetch --url http://127.0.0.1:41002 --cache ./items.cache"
    assert short("cat a.c | diff -y b.c - | less") == "cat a.c | diff -y b.c -"
    # A number that only contains a lesson port is not one.
    assert short("bin/mock_server --latency-ms 5 --seed 18081") == \
        "bin/mock_server --latency-ms 5 --seed 18081"


def test_runnable_looks_at_every_part_of_a_line():
    runnable = lesson_commands.runnable
    assert runnable("bin/async_uv fetch -n 5 -q -v 2>&1 | grep held")
    assert runnable("time peers/python_asyncio fetch -n 100")
    assert runnable("sqlite3 ./a 'SELECT 1'; rm ./a")
    assert runnable("bin/mock_server --port 8081 & FAULTY=$!")
    assert not runnable("make bench")
    # The program that time and timeout run is the one that counts.
    assert runnable("time timeout -s INT --preserve-status 0.5 bin/sync fetch -n 100")
    assert runnable("timeout 3 bin/sync fetch")
    assert not runnable("timeout -s INT 0.5 make bench")
    assert lesson_commands.first_words("timeout --preserve-status -s INT 2s bin/x | jq .ok") == \
        ["bin/x", "jq"]
    assert not runnable("bin/sync fetch && make bench")
    assert not runnable("bin/sync fetch | python3 -c 'print(1)'")


def test_runnable_splits_outside_quotes_and_looks_past_strace():
    runnable = lesson_commands.runnable
    # A ; or | inside quotes is the program's, not the shell's.
    assert runnable("/usr/bin/python3 -c 'import a; print(1) | 2'")
    assert runnable("grep -n 'a; make bench' README.md")
    assert not runnable("/usr/bin/python3 -c 'import a; print(1)'; make bench")
    # strace and time run the program after their options; -e and -o take one.
    assert runnable("strace -f -c -e trace=connect bin/sync fetch -q")
    assert runnable("strace -o ./trace -f bin/sync fetch")
    assert not runnable("strace -f -c -e trace=connect make bench")
    assert not runnable("time strace -c python3 -c 'print(1)'")
    assert runnable("LC_ALL=C bin/sync fetch")


def test_a_background_server_is_waited_for_and_its_pid_kept():
    script = lesson_commands.block_script([(7, "bin/mock_server --port 1 & FAULTY=$!"),
                                           (8, "kill $FAULTY")])
    assert 'FAULTY=$!; }; echo "$FAULTY" >>"$LESSON_BLOCK/pids"; ' \
        'wait_listening "$LESSON_BLOCK/out.7" "$FAULTY"; echo "7 $?" >&3' in script
    assert '{ kill $FAULTY\n} >"$LESSON_BLOCK/out.8" 2>"$LESSON_BLOCK/err.8"; ' \
        'echo "8 $?" >&3' in script
