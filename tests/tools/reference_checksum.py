#!/usr/bin/python3
"""reference_checksum.py: the checksums of docs/summary.md, computed without the C code.

The integration tests compare every client's checksums with
tests/tools/expected_checksum, which calls the same C functions as the
clients: a change to what is hashed, or in which order, would move both
alike and pass. This script is the independent definition the C code is
pinned to. It follows the words of docs/options.md (The workloads) and
docs/summary.md (checksum), not the C source (the content and the payloads
are computed by tests/tools/mock_reference.py, which checks the mock server):

  content of id:  word k = mix64(k ^ mix64(id)), stored little-endian,
                  mix64 being splitmix64's finaliser;
  item payload:   256 characters, character i = ALPHABET[mix64(key + i) % 62]
                  with key = mix64(id ^ 0x6974656d);
  task checksum:  XXH3-64 (seed 0) of the item's payload, of a blob's or
                  file's bytes, or of a dish's name; for cpu, the last hash of
                  R rounds over a 64 KiB buffer holding the first 64 KiB of
                  id's content: hash = XXH3-64(buffer, seed = the last hash,
                  id at first), written little-endian into 8-byte word
                  (round mod 8192) of the buffer; 0 when the task failed;
  run checksum:   XXH3-64 over, for each task in id order, the 17 bytes
                  int64 id (little-endian), uint8 completed (1 or 0),
                  uint64 task checksum (little-endian).

Usage (the same words as expected_checksum, plus `task`):
  reference_checksum.py fetch N [FAILED_ID ...]
  reference_checksum.py download|files N SIZE_BYTES [FAILED_ID ...]
  reference_checksum.py cook [DISHES]
  reference_checksum.py cpu N ROUNDS [FAILED_ID ...]
  reference_checksum.py task fetch ID | task download|files ID SIZE_BYTES | task cook NAME
  reference_checksum.py blobs DIR N
Prints the checksum as 16 hex digits. Needs Debian's python3-xxhash.

`blobs` reads what a download left on disk instead of computing it: the run
checksum of N tasks, task ID completed when DIR/blob-ID.bin exists, with
the checksum of the bytes that file holds. It equals the one computed for
the run (`download N SIZE_BYTES FAILED_ID...`) only when the final files are
exactly the completed blobs, each whole and right to the byte.
"""
import struct
import sys

import xxhash

# The content and the payloads, from the words of docs/options.md, are
# written once, beside the rest of what the mock server must answer.
from mock_reference import content, item_payload, mix64  # noqa: F401 (mix64: for peers)

DEFAULT_DISHES = "Green Pepper with Meat:3,Tomato and Eggs:2,Garlic Lettuce:1"


def xxh3(data):
    return xxhash.xxh3_64_intdigest(data)


def cpu_result(ident, rounds):
    buf = bytearray(content(ident, 65536))
    words = len(buf) // 8
    value = ident
    for r in range(rounds):
        value = xxhash.xxh3_64_intdigest(bytes(buf), seed=value)
        k = (r % words) * 8
        buf[k:k + 8] = struct.pack("<Q", value)
    return value


def task_checksum(workload, ident, size=0, name=""):
    if workload == "fetch":
        return xxh3(item_payload(ident))
    if workload == "cpu":
        return cpu_result(ident, size)
    if workload in ("download", "files"):
        return xxh3(content(ident, size))
    return xxh3(name.encode())


def run_checksum(results):
    """results: (id, completed, task checksum) in id order."""
    data = b"".join(struct.pack("<qBQ", ident, int(done), ck) for ident, done, ck in results)
    return xxh3(data)


def blob_results(folder, count):
    """(id, completed, task checksum) of the blobs a download left in folder."""
    results = []
    for ident in range(1, count + 1):
        try:
            with open(f"{folder}/blob-{ident}.bin", "rb") as blob:
                results.append((ident, True, xxh3(blob.read())))
        except FileNotFoundError:
            results.append((ident, False, 0))
    return results


def usage():
    sys.stderr.write(__doc__.split("Usage", 1)[1])
    sys.exit(2)


def main(argv):
    if len(argv) < 1:
        usage()
    if argv[0] == "task":
        if len(argv) < 3:
            usage()
        workload, arg = argv[1], argv[2]
        if workload == "cook":
            ck = task_checksum("cook", 0, name=arg)
        else:
            ck = task_checksum(workload, int(arg), int(argv[3]) if len(argv) > 3 else 0)
        print("%016x" % ck)
        return
    if argv[0] == "blobs":
        if len(argv) != 3:
            usage()
        print("%016x" % run_checksum(blob_results(argv[1], int(argv[2]))))
        return
    workload = argv[0]
    if workload == "cook":
        dishes = (argv[1] if len(argv) > 1 else DEFAULT_DISHES).split(",")
        names = [d.rsplit(":", 1)[0] for d in dishes]
        results = [(i + 1, True, task_checksum("cook", 0, name=n)) for i, n in enumerate(names)]
        print("%016x" % run_checksum(results))
        return
    sized = workload != "fetch"
    if workload not in ("fetch", "download", "files", "cpu") or len(argv) < 2 + sized:
        usage()
    count = int(argv[1])
    size = int(argv[2]) if sized else 0
    failed = {int(a) for a in argv[2 + sized:]}
    results = []
    for ident in range(1, count + 1):
        done = ident not in failed
        results.append((ident, done, task_checksum(workload, ident, size) if done else 0))
    print("%016x" % run_checksum(results))


if __name__ == "__main__":
    main(sys.argv[1:])
