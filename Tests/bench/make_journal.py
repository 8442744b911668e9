"""Writes a tanglemeter journal of N records for the recovery benchmark of `make bench`, in the
on-disk format of Sources/Journal/JournalFormat.swift (version 1), independently of the Swift code:
if the two disagree, the daemon reports the journal damaged and the benchmark fails.

    make_journal.py PATH N METER [--no-payments]
Records: `started`, the binding of METER, then N events for METER, like a long life of one
circuit: mostly consumption checkpoints (counter rising 0-30 Wh a minute), and 1 in 20 each a
payment (unique digest), a manual credit, a payment cursor; 1 in 200 a counter re-baseline.
With --no-payments the payments are manual credits instead (no digests to remember).
Prints one JSON object: the records, the bytes, and the credited nanos replay must arrive at.
"""
import json
import os
import random
import sys

POLY = 0x82F63B78
TABLE = []
for n in range(256):
    c = n
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)


def crc32c(data, crc=0):
    c = crc ^ 0xFFFFFFFF
    t = TABLE
    for b in data:
        c = t[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def varint(v):
    out = bytearray()
    while v >= 0x80:
        out.append((v & 0x7F) | 0x80)
        v >>= 7
    out.append(v)
    return out


def zigzag(v):
    return varint(((v << 1) ^ (v >> 63)) & 0xFFFFFFFFFFFFFFFF)


def string(s):
    b = s.encode()
    return varint(len(b)) + b


class Writer:
    def __init__(self, f, salt):
        self.f, self.salt = f, salt
        header = bytearray(b"TMJL") + (1).to_bytes(2, "little") + bytes(2)
        header += salt.to_bytes(4, "little") + (1).to_bytes(4, "little")
        header += crc32c(header).to_bytes(4, "little")
        self.buf = bytearray(header)
        self.offset = len(header)
        self.records = 0

    def record(self, body):
        framed = varint(len(body)) + body
        prefix = self.salt.to_bytes(4, "little") + self.offset.to_bytes(8, "little")
        check = crc32c(framed, crc32c(prefix))
        self.buf += framed + check.to_bytes(4, "little")
        self.offset += len(framed) + 4
        self.records += 1
        if len(self.buf) > 1 << 20:
            self.f.write(self.buf)
            self.buf = bytearray()

    def close(self):
        self.f.write(self.buf)


def digest(n):
    """A unique transaction digest the daemon accepts: 32 Base58 characters (it refuses a journal
    whose digests are not Base58 of 32 to 44 characters)."""
    return "".join("123456789A"[int(c)] for c in "%032d" % n)


def main():
    path, count, meter = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    payments = "--no-payments" not in sys.argv[4:]
    rng = random.Random(42)
    t0 = 1_700_000_000_000
    counter, credited = 1000, 0
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        w = Writer(f, rng.getrandbits(32))
        w.record(bytes([0x02]) + zigzag(t0))                      # started
        w.record(bytes([0x01]) + varint(0) + string(meter))       # meterName: index 0
        for n in range(count):
            at = t0 + n * 60_000
            kind = rng.randrange(200)
            if kind < 10 and payments:   # paymentCredited: digest, amount, checkpoint, timestampMs
                amount = rng.randint(1, 5_000_000_000)
                credited += amount
                body = bytes([0x10, 0]) + string(digest(n)) + zigzag(amount) + varint(n) + zigzag(at)
            elif kind < 20:              # manualCredit: amount, note, atMs
                credited += 2_500_000_000
                body = bytes([0x11, 0]) + zigzag(2_500_000_000) + string("cash") + zigzag(at)
            elif kind < 30:      # paymentCursor
                body = bytes([0x18, 0]) + string(digest(n))
            elif kind == 30:     # counterRebaselined: from, to, atMs (a meter reset)
                body = bytes([0x13, 0]) + zigzag(counter) + zigzag(0) + zigzag(at)
                counter = 0
            else:                # counterCheckpoint: counter, atMs
                counter += rng.randint(0, 30)
                body = bytes([0x12, 0]) + zigzag(counter) + zigzag(at)
            w.record(body)
        w.close()
    os.replace(tmp, path)
    print(json.dumps({"records": w.records, "bytes": os.path.getsize(path), "credited_nanos": credited,
                      "counter": counter}))


if __name__ == "__main__":
    main()
