"""Shared pieces of the abuse tests (issue 7): sizes for `make check` versus `make soak`, a direct
socket client for latency measurements (socat's own start-up would swamp a 10 ms budget), the
journal's record boundaries, and figures read from /proc.

Sizes: $TM_ABUSE_SCALE=soak selects the long runs; each figure can also be set on its own
($TM_ABUSE_KILLS, $TM_ABUSE_METER_TX, $TM_ABUSE_CLIENTS, $TM_ABUSE_SEED). Every test prints its
figures on a line starting `ABUSE` (shown with `pytest -s`, and collected by `make soak`).
"""
import os
import socket
import time

SOAK = os.environ.get("TM_ABUSE_SCALE", "") == "soak"


def size(name, check, soak):
    """A test size: $TM_ABUSE_<NAME> if set, else the check or soak default."""
    value = os.environ.get("TM_ABUSE_" + name)
    return int(value) if value else (soak if SOAK else check)


SEED = size("SEED", 20261125, 20261125)


def report(test, **figures):
    """One figures line, greppable in the soak log."""
    line = "ABUSE " + test + " " + " ".join(f"{k}={v}" for k, v in figures.items())
    print(line)
    log = os.environ.get("TM_ABUSE_REPORT")
    if log:
        with open(log, "a") as f:
            f.write(line + "\n")


def ask(sock_path, command, timeout=5.0):
    """One request over a fresh connection, without socat: returns (data lines, final line)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(sock_path)       # blocking, as socat's: a full backlog is waited out, not an error
        s.settimeout(timeout)
        s.sendall(command.encode() + b"\n")
        buffer = b""
        while True:
            lines = buffer.split(b"\n")
            for i, line in enumerate(lines[:-1]):
                if line == b"OK" or line.startswith(b"ERR "):
                    return [l.decode() for l in lines[:i]], line.decode()
            chunk = s.recv(65536)
            if not chunk:
                raise ConnectionError(f"closed before the final line of {command!r}: {buffer!r}")
            buffer += chunk
    finally:
        s.close()


def timed_status(sock_path, timeout=5.0):
    """Seconds a `status` takes on a fresh connection, connect to final line."""
    started = time.perf_counter()
    data, final = ask(sock_path, "status", timeout)
    elapsed = time.perf_counter() - started
    assert final == "OK", final
    return elapsed


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def record_boundaries(data):
    """Offsets where a journal record ends (the 20-byte header's end first), walking the framing
    `varint L | body (L bytes) | u32 check` of Sources/Journal/JournalFormat.swift. A record that
    runs past the end (a torn tail) ends the walk."""
    header = 20
    if len(data) < header:
        return []
    bounds = [header]
    pos = header
    while pos < len(data):
        length, shift, p = 0, 0, pos
        while True:
            if p >= len(data) or shift > 28:
                return bounds
            byte = data[p]
            p += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        end = p + length + 4
        if length == 0 or end > len(data):
            return bounds
        bounds.append(end)
        pos = end
    return bounds


def proc_status(pid):
    """/proc/PID/status as a dict of its fields (values as text, e.g. '1234 kB')."""
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def kb(text):
    return int(text.split()[0]) if text else 0


def cpu_seconds(pid):
    """utime + stime of PID in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(rest[11]) + int(rest[12])) / ticks


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))
