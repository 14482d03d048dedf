#!/usr/bin/python3
"""mock_reference.py: what the mock server must answer, computed without the C code.

The tests use the mock server to check the clients; this script checks the
server. It follows the words of docs/options.md (The workloads) and
docs/mock-server.md (Faults), not the C source, in Python's standard library
alone, and tests/tools/reference_checksum.py takes the content from here:

  mix64:          splitmix64's finaliser;
  content of id:  word k = mix64(k ^ mix64(id)), stored little-endian;
  item of id:     {"id": ID, "payload": "PAYLOAD"}, PAYLOAD 256 characters,
                  character i = ALPHABET[mix64(mix64(id ^ 0x6974656d) + i) % 62];
  failing ids:    id fails when (h >> 11) / 2^53 < RATE, where
                  h = mix64(mix64(SEED ^ 0x6661756c74) ^ id);
                  GET /faults?count=N lists them in 1..N as "[3, 17, 20]";
  attempts:       a failing id fails its first TIMES requests (0: all), a
                  request refused with a 4xx taking none; ids that are equal
                  modulo 2^24 share one count; POST /stats/reset zeroes them;
  kind served:    badjson on a blob is truncate, truncate on a 0-byte blob
                  is reset.

Usage:
  mock_reference.py faults SEED RATE COUNT   the body of GET /faults?count=COUNT
  mock_reference.py blob ID SIZE             the body of GET /blobs/ID?size=SIZE
  mock_reference.py item ID                  the body of GET /items/ID
Each writes the exact bytes on stdout, with no newline added.
"""
import struct
import sys

MASK = (1 << 64) - 1
ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
ITEM_SALT = 0x6974656D      # "item"
FAULT_SALT = 0x6661756C74   # "fault"
ATTEMPT_SLOTS = 1 << 24     # ids equal modulo this share an attempt count
KINDS = ("status", "reset", "hang", "truncate", "badjson")


def mix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def content(ident, size, offset=0):
    """Bytes offset..offset+size of the content of ident."""
    key = mix64(ident)
    first, end = offset // 8, (offset + size + 7) // 8
    words = [mix64(k ^ key) for k in range(first, end)]
    data = struct.pack("<%dQ" % len(words), *words)
    skip = offset % 8
    return data[skip:skip + size]


def item_payload(ident):
    key = mix64((ident ^ ITEM_SALT) & MASK)
    return bytes(ALPHABET[mix64((key + i) & MASK) % len(ALPHABET)] for i in range(256))


def item_body(ident):
    return b'{"id": %d, "payload": "%s"}' % (ident, item_payload(ident))


def fault_key(seed):
    return mix64(seed ^ FAULT_SALT)


def fails(key, rate, ident):
    """Whether ident fails under fault_key(seed) and rate. rate is the double
    the server parsed: rate * 2^53 is exact, and Python compares an int with
    a float exactly."""
    return (mix64(key ^ ident) >> 11) < rate * 2.0 ** 53


def is_failing(seed, rate, ident):
    return fails(fault_key(seed), rate, ident)


def failing_ids(seed, rate, count):
    key = fault_key(seed)
    return [i for i in range(1, count + 1) if fails(key, rate, i)]


def faults_body(seed, rate, count):
    return ("[%s]" % ", ".join(str(i) for i in failing_ids(seed, rate, count))).encode()


def served_kind(kind, blob_size=None):
    """The fault a request meets: blob_size is None for an item."""
    if blob_size is not None and kind == "badjson":
        kind = "truncate"
    if blob_size == 0 and kind == "truncate":
        kind = "reset"
    return kind


class FaultPlan:
    """The attempts of a running server: which request of an id fails."""

    def __init__(self, seed, rate, times):
        self.seed, self.rate, self.times = seed, rate, times
        self.attempts = {}

    def take_attempt(self, ident):
        """Counts one request for ident (one the server did not refuse
        with a 4xx); True when it must fail."""
        if not is_failing(self.seed, self.rate, ident):
            return False
        if self.times == 0:
            return True
        slot = ident % ATTEMPT_SLOTS
        seen = self.attempts.get(slot, 0)
        if seen >= self.times:
            return False
        self.attempts[slot] = seen + 1
        return True

    def reset(self):
        self.attempts.clear()


def usage():
    sys.stderr.write(__doc__.split("Usage:", 1)[1])
    sys.exit(2)


def main(argv):
    try:
        if argv[:1] == ["faults"] and len(argv) == 4:
            body = faults_body(int(argv[1]), float(argv[2]), int(argv[3]))
        elif argv[:1] == ["blob"] and len(argv) == 3:
            body = content(int(argv[1]), int(argv[2]))
        elif argv[:1] == ["item"] and len(argv) == 2:
            body = item_body(int(argv[1]))
        else:
            usage()
    except ValueError:
        usage()
    sys.stdout.buffer.write(body)


if __name__ == "__main__":
    main(sys.argv[1:])
