"""Node faults the stand-in cannot play (issue 7 part 3): connection refused and a name that does
not resolve, plus the stand-in's slowest faults, with the socket's latency measured directly
(one persistent connection, no socat start-up in the figure)."""
import socket
import time

import pytest

# Measures the daemon's latency: runs alone, after the parallel tests (see conftest.py).
pytestmark = pytest.mark.serial

from daemon_harness import SLOW, Daemon, Simulator, wait_until
from node_harness import ADDRESS, Node

IOTA = 1_000_000_000
# The budget is 10 ms; a shared 2-core machine schedules worse than that at times, so the hard
# bound is looser and the p99 is printed (TM_ABUSE_P99_MS tightens it on a quiet machine).
import os
P99_MS = float(os.environ.get("TM_ABUSE_P99_MS", "100"))


def status_latencies(d, seconds):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(d.sock)
    times, end = [], time.monotonic() + seconds
    while time.monotonic() < end:
        t0 = time.perf_counter()
        s.sendall(b"status main\n")
        data = b""
        while not data.endswith(b"OK\n"):
            data += s.recv(65536)
        times.append((time.perf_counter() - t0) * 1000)
        assert b"main.credited_nanos 0\n" in data
        time.sleep(0.01)
    s.close()
    times.sort()
    return times[int(len(times) * 0.99) - 1], times[-1], len(times)


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize("node", ["refused", "dns", "hang", "drip", "huge"])
def test_node_faults_credit_nothing_and_keep_the_socket_fast(tmp_path, node):
    started = []
    try:
        sim = Simulator(str(tmp_path), power=0)
        started.append(sim)
        url, stand_in = None, None
        if node == "refused":
            url = f"http://127.0.0.1:{closed_port()}"
        elif node == "dns":
            url = "https://tanglemeter-test.invalid"
        else:
            stand_in = Node()
            started.append(stand_in)
            stand_in.control("fault", mode=node)
            stand_in.pay(5 * IOTA)
            url = stand_in.url
        meter = {"modbus.address": "1", "relay.line": "17", "tariff": "1 IOTA/kWh", "iota.address": ADDRESS}
        d = Daemon(str(tmp_path), sim.link, meters={"main": meter},
                   settings={"iota.node": url, "iota.poll_interval": "200ms", "iota.credit_existing": "yes"})
        started.append(d)
        d.start()
        p99, worst, n = status_latencies(d, 3.0 * SLOW)
        print(f"node {node}: status p99 {p99:.2f} ms, worst {worst:.2f} ms over {n} requests")
        assert p99 < P99_MS * SLOW, f"status p99 {p99:.1f} ms while the node is {node}"
        if node in ("refused", "dns"):
            assert d.status()["node"] == "fault"
        assert d.status("main")["main.credited_nanos"] == "0"
        assert d.gpio(17) == "0\n"
        if stand_in:
            stand_in.control("fault", mode="none")
            wait_until(lambda: d.status("main")["main.credited_nanos"] == str(5 * IOTA), timeout=60,
                       what="credit once the node recovers")
    finally:
        for p in reversed(started):
            p.close()
