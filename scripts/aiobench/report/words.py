"""words.py: numbers and configurations in the report's words.

Times and ratios to three significant digits, sizes, how one time compares
with another ("3.2x faster than", "about as fast as": within SAME_WITHIN),
and a configuration described in a sentence or in a tick label.
"""

from aiobench.schema import parse_size

SAME_WITHIN = 1.10          # two times within 10% are "about the same"


def fmt_time(ms):
    """4.2 ms, 212 ms, 1.05 s, 20.1 s: three significant digits."""
    if ms is None:
        return "n/a"
    if ms < 0.995:                  # 0.996 would round to "1.00 ms", not "1 ms"
        return f"{ms:.2f} ms"
    if ms < 999.5:                  # would round to "1e+03 ms"
        return f"{ms:.3g} ms"
    if ms < 99950:
        return f"{ms / 1000:.3g} s"
    return f"{ms / 1000:.0f} s"


def fmt_ratio(x):
    """1.05x, 19.1x, 95x: three significant digits, and no more where the
    rounding reaches the next power of ten (9.996 is 10.0x, not 10.00x)."""
    if x is None:
        return "n/a"
    return f"{x:.2f}x" if x < 9.995 else f"{x:.1f}x" if x < 99.95 else f"{x:.0f}x"


def fmt_mib(kb):
    return "n/a" if kb is None else f"{kb / 1024:.1f} MiB"


def ratio(a, b):
    return a / b if a is not None and b else None


def compare(a_ms, b_ms):
    """How time a compares with time b: '3.2x faster than', 'about as fast as'."""
    if a_ms is None or b_ms is None or a_ms <= 0 or b_ms <= 0:
        return "not comparable with"
    if max(a_ms, b_ms) / min(a_ms, b_ms) < SAME_WITHIN:
        return "about as fast as"
    if a_ms < b_ms:
        return f"{fmt_ratio(b_ms / a_ms)} faster than"
    return f"{fmt_ratio(a_ms / b_ms)} slower than"


def fmt_size(size_bytes):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size_bytes >= 1 << shift and size_bytes % (1 << shift) == 0:
            return f"{size_bytes >> shift} {unit}"
    return f"{size_bytes} bytes"


def processing_words(params):
    """fetch's processing per item in words: ', then a 20 ms pause each'."""
    if params.get("process_cpu_ms"):
        return f", then {params['process_cpu_ms']} ms of CPU work each"
    if params.get("process_ms"):
        how = " as a blocking sleep" if params.get("blocking_process") else ""
        return f", then a {params['process_ms']} ms pause each{how}"
    return ""


def latency_words(params):
    """'200 ms', or what bench.py --url runs at: the server's own latency."""
    if "latency_ms" in params:
        return f"{params['latency_ms']} ms"
    return "the server's own latency"


def describe(params, dishes, rounds_default=None):
    """A configuration in words: '100 items at 200 ms each'."""
    workload = params["workload"]
    if workload == "cook":
        scale = params.get("time_scale", 1)
        times = ", ".join(f"{s * scale:g} s" for _, s in dishes)
        return f"{len(dishes)} dishes of {times}"
    count = params.get("count")
    if workload == "cpu":
        rounds = params.get("rounds", rounds_default)
        text = f"{count} tasks of {rounds:,} rounds" if rounds else f"{count} tasks"
        return text + (", computed on libuv's pool" if params.get("offload") else "")
    if workload == "fetch":
        text = f"{count} items at {latency_words(params)} each" + processing_words(params)
    elif workload == "download":
        text = (f"{count} blobs of {fmt_size(parse_size(params['size']))} "
                f"at {latency_words(params)} each")
    else:
        text = f"{count} files of {fmt_size(parse_size(params['size']))}"
        text += ", each fsynced" if params.get("fsync") else ", no fsync"
    if params.get("concurrency"):
        text += f", window {params['concurrency']}"
    elif workload in ("fetch", "download"):
        text += ", no window"
    return text


def short_describe(params, dishes, rounds_default=None):
    """A configuration in a few characters, for a tick label: '100 x 200 ms'."""
    workload = params["workload"]
    if workload == "cook":
        scale = params.get("time_scale", 1)
        return " + ".join(f"{s * scale:g}" for _, s in dishes) + " s"
    text = f"{params['count']} x "
    if workload == "cpu":
        rounds = params.get("rounds", rounds_default)
        return text + (f"{rounds:,} rounds" if rounds else "W")
    if workload in ("download", "files"):
        text += fmt_size(parse_size(params["size"])).replace(" ", "")
    if workload == "download":
        text += ", "
    if workload in ("fetch", "download"):
        text += latency_words(params)
    extra = params.get("process_ms") or params.get("process_cpu_ms")
    return text + (f" + {extra} ms" if extra else "")
