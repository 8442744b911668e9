"""More of the daemon's contract, end to end: watch, metrics, manual relay, reset-energy, two
meters on one bus, emergency credit, the low-credit LED, counter resets and jumps, and what the
journal guarantees when it is torn or damaged."""
import os
import socket
import time

import pytest

from daemon_harness import SLOW, Daemon, Simulator, wait_until
from test_daemon import RELAY, LED, invariant_holds, rig  # noqa: F401  (rig is a fixture)

IOTA = 1_000_000_000


def meter(address, relay, led=None, **extra):
    m = {"modbus.address": str(address), "relay.line": str(relay), "tariff": "1000 IOTA/kWh"}
    if led is not None:
        m["led.line"] = str(led)
    m.update({k.replace("__", "."): v for k, v in extra.items()})
    return m


def test_watch_streams_one_line_per_poll_until_the_client_sends_a_line(rig):
    sim, d = rig(power=250)
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5 * SLOW)
    s.connect(d.sock)
    s.sendall(b"watch main\n")
    data = b""
    while data.count(b"\n") < 3:
        data += s.recv(4096)
    lines = data.decode().splitlines()[:3]
    stamps = []
    for line in lines:
        parts = line.split()
        assert parts[1] == "main" and parts[2] in ("relay=on", "relay=off"), line
        assert parts[3].startswith("balance_nanos=") and parts[4] == "power_w=250.0", line
        assert parts[5].startswith("energy_wh="), line
        stamps.append(int(parts[0]))
    assert stamps == sorted(stamps)
    s.sendall(b"\n")
    while not data.endswith(b"OK\n"):
        data += s.recv(4096)
    s.sendall(b"version\n")
    tail = b""
    while not tail.endswith(b"OK\n"):
        tail += s.recv(4096)
    assert tail.decode().splitlines()[-2].startswith("version ")
    s.close()


def test_metrics_are_prometheus_text(rig):
    sim, d = rig(power=100)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    lines = d.ok("metrics")
    names = set()
    for line in lines:
        if line.startswith("# "):
            kind, name = line.split()[1:3]
            assert kind in ("HELP", "TYPE")
            names.add(name)
        else:
            name = line.split("{")[0].split()[0]
            assert name.startswith("tanglemeter_"), line
            float(line.rsplit(" ", 1)[1])
    assert any("balance" in n for n in names)


def test_manual_relay_override_and_auto(rig):
    sim, d = rig(power=0)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("relay main on")
    wait_until(lambda: d.gpio(RELAY) == "1\n", what="manual on")
    assert d.status()["main.reason"] == "manual"
    d.ok("relay main auto")
    wait_until(lambda: d.gpio(RELAY) == "0\n", what="auto: no credit")
    d.ok("credit main 100 IOTA")
    d.ok("relay main off")
    wait_until(lambda: d.gpio(RELAY) == "0\n", what="manual off despite credit")
    assert d.status()["main.reason"] == "manual"


def test_reset_energy_rebaselines_and_loses_nothing(rig):
    sim, d = rig(power=0, energy=5000)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 1000 IOTA")
    billed = int(d.status()["main.billed_wh"])
    d.ok("reset-energy main")
    wait_until(lambda: d.status()["main.meter_energy_wh"] == "0", what="meter counter reset")
    assert "counter reset" in d.log_text()
    # Draw real power for a while: every Wh counted from zero is billed on top of what was before.
    sim.command("power 1 20000")
    wait_until(lambda: int(d.status()["main.meter_energy_wh"]) >= 5, what="energy after the reset")
    sim.command("power 1 0")
    time.sleep(0.6 * SLOW)
    st = d.status()
    assert int(st["main.billed_wh"]) == billed + int(st["main.meter_energy_wh"])
    assert invariant_holds(st)


def test_two_meters_on_one_bus_are_independent(rig):
    meters = {"kitchen": meter(1, 17, 27), "garage": meter(2, 18, 28)}
    sim, d = rig(power=0, addresses=(1, 2), meters=meters)
    wait_until(lambda: d.status()["kitchen.meter"] == "ok" and d.status()["garage.meter"] == "ok",
               what="both meters answer")
    d.ok("credit kitchen 5 IOTA")
    wait_until(lambda: d.gpio(17) == "1\n", what="kitchen relay")
    assert d.gpio(18) == "0\n"
    sim.command("power 2 15000")
    time.sleep(1.0 * SLOW)
    st = d.status()
    assert st["kitchen.credited_nanos"] == str(5 * IOTA) and st["kitchen.charged_nanos"] == "0"
    assert st["garage.power_w"] == "15000.0" and st["kitchen.power_w"] == "0.0"
    assert invariant_holds(st, "kitchen") and invariant_holds(st, "garage")


def test_emergency_credit_keeps_power_on_once_then_is_repaid(rig):
    m = meter(1, 17, 27, emergency_credit="2 IOTA")
    sim, d = rig(power=0, meters={"main": m})
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 1 IOTA")
    sim.command("power 1 20000")
    wait_until(lambda: d.status()["main.reason"] == "emergency", timeout=10, what="emergency credit")
    assert d.gpio(RELAY) == "1\n"
    wait_until(lambda: d.status()["main.reason"] == "no-credit", timeout=10, what="emergency used up")
    sim.command("power 1 0")
    time.sleep(0.5 * SLOW)
    debt = int(d.status()["main.balance_nanos"])
    assert -3 * IOTA <= debt <= -2 * IOTA
    d.ok("credit main 10 IOTA")
    st = d.status()
    assert int(st["main.balance_nanos"]) == debt + 10 * IOTA   # the debt is repaid first
    assert st["main.reason"] == "credit"


def test_low_credit_blinks_the_led_at_one_hertz(rig):
    m = meter(1, 17, 27, low_credit="100kWh")
    sim, d = rig(power=0, meters={"main": m})
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 5 IOTA")
    wait_until(lambda: d.gpio(RELAY) == "1\n", what="relay on")
    edges, last, t_end = [], d.gpio(LED), time.monotonic() + 3.0
    while time.monotonic() < t_end:
        now = d.gpio(LED)
        if now != last:
            edges.append(time.monotonic())
            last = now
        time.sleep(0.01)
    assert 4 <= len(edges) <= 8, edges            # 1 Hz: two edges a second
    gaps = [b - a for a, b in zip(edges, edges[1:])]
    assert all(0.3 < g < 0.75 for g in gaps), gaps


def test_counter_reset_rebaselines_and_an_impossible_jump_is_not_billed(rig):
    sim, d = rig(power=0, energy=1000)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 1000 IOTA")
    sim.command("energy 1 10")                     # meter replaced or reset: counter went back
    wait_until(lambda: "went back" in d.log_text(), what="rebaseline logged")
    billed = int(d.status()["main.billed_wh"])
    sim.command("energy 1 900000")                 # +900 kWh in a second: not physics
    wait_until(lambda: "jumped" in d.log_text(), what="jump logged")
    time.sleep(0.5 * SLOW)
    assert int(d.status()["main.billed_wh"]) == billed
    sim.command("energy 1 900001")                 # 1 Wh: a plausible step, billed from the new value
    wait_until(lambda: int(d.status()["main.billed_wh"]) == billed + 1, what="normal billing again")


def test_a_torn_last_record_is_dropped_and_logged(rig):
    sim, d = rig(power=0)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 3 IOTA")
    d.ok("credit main 4 IOTA")
    d.kill9()
    size = os.path.getsize(d.journal)
    with open(d.journal, "r+b") as f:
        f.truncate(size - 3)                       # the last append torn mid-write
    d.start()
    st = d.status()
    assert st["journal"] == "ok"
    assert st["main.credited_nanos"] == str(3 * IOTA)
    assert "torn" in d.log_text()


def test_a_damaged_journal_opens_every_relay_and_refuses_credits(rig):
    sim, d = rig(power=0)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    for i in range(5):
        d.ok(f"credit main {i + 1} IOTA")
    wait_until(lambda: d.gpio(RELAY) == "1\n", what="relay on")
    d.kill9()
    with open(d.journal, "r+b") as f:
        data = bytearray(f.read())
        data[len(data) // 2] ^= 0x40               # one flipped bit in the middle
        f.seek(0)
        f.write(data)
    before = open(d.journal, "rb").read()
    d.start()
    st = d.status()
    assert st["journal"] == "damaged"
    assert st["main.relay"] == "off" and st["main.reason"] == "journal-damaged"
    assert d.gpio(RELAY) == "0\n"
    # Issue 17: the replay stopped at the damage, so its sums are no balance: unknown, all of them.
    for key in ("balance_nanos", "credited_nanos", "charged_nanos", "billed_wh", "payments"):
        assert st["main." + key] == "unknown", st
    metrics = "\n".join(d.ok("metrics"))
    assert 'tanglemeter_balance_nanos{meter="main"}' not in metrics
    assert "tanglemeter_journal_damaged 1" in metrics
    data, final = d.query("credit main 1 IOTA")
    assert final.startswith("ERR 409"), final
    assert open(d.journal, "rb").read() == before  # left exactly as found, for the operator


def test_reset_energy_answers_after_the_meter_and_keeps_pipelined_replies_in_order(rig):
    sim, d = rig(power=0, energy=5000)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    lines = d.raw(b"reset-energy main\nversion\n").decode().splitlines()
    assert lines[0] == "OK" and lines[1].startswith("version ") and lines[2] == "OK", lines
    # the meter had reset before the OK: the next reading shows it
    wait_until(lambda: d.status()["main.meter_energy_wh"] == "0", what="the reading after the reset")
    sim.command("silent 1 on")
    data, final = d.query("reset-energy main")
    assert final.startswith("ERR 503"), final              # a meter that does not answer
    sim.command("silent 1 off")
    assert "counter reset" in d.log_text()
