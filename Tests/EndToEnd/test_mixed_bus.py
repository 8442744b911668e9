"""Eastron SDM120 and SDM630 beside a PZEM-004T on one bus (issue 14), end to end on the firmware:
billing from each model's own counter, per-line detail, reset-energy refused where Modbus cannot
reset, `--scan`, and `credit_left_s` rebuilt from the journal after a restart."""
import os
import re
import sys
import time

import pytest

from daemon_harness import SLOW, Daemon, Simulator, wait_until
from test_daemon import invariant_holds, rig  # noqa: F401  (rig is a fixture)

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "bench"))
from make_journal import Writer, string, varint, zigzag  # noqa: E402

IOTA = 1_000_000_000
MIXED = {
    "plug": {"model": "pzem004t", "modbus.address": "1", "relay.line": "17", "tariff": "1 IOTA/kWh"},
    "flat": {"model": "sdm120", "modbus.address": "2", "relay.line": "18", "tariff": "1 IOTA/kWh"},
    "shop": {"model": "sdm630", "modbus.address": "3", "relay.line": "19", "tariff": "1 IOTA/kWh"},
}


def test_a_mixed_bus_bills_each_meter_from_its_own_counter(rig):
    # 20 kW on each meter (6.7 kW a line on the SDM630): 5.6 Wh a second.
    sim, d = rig(power=20000, energy=1_234_500, addresses=("1", "2:sdm120", "3:sdm630"), meters=MIXED)
    wait_until(lambda: all(d.status()[f"{m}.meter"] == "ok" for m in MIXED), timeout=10, what="all three meters")
    st = d.status()
    for m in MIXED:
        assert st[f"{m}.power_w"] == "20000.0", (m, st)
        assert st[f"{m}.voltage_v"] == "230.0", (m, st)
        assert int(st[f"{m}.meter_energy_wh"]) >= 1_234_500
    assert abs(float(st["shop.current_a"]) - 20000 / 230) < 0.005, st   # the three lines' currents summed
    for m in MIXED:
        d.ok(f"credit {m} 100 IOTA")
    first = {m: int(d.status()[f"{m}.billed_wh"]) for m in MIXED}
    wait_until(lambda: all(int(d.status()[f"{m}.billed_wh"]) >= first[m] + 30 for m in MIXED),
               timeout=10, what="each meter billed from its counter")
    st = d.status()
    for m in MIXED:
        assert invariant_holds(st, m) and st[f"{m}.relay"] == "on"
    detail = dict(line.split(" ", 1) for line in d.ok("meter shop"))
    assert detail["shop.model"] == "sdm630"
    assert [detail[f"shop.l{n}.power_w"] for n in (1, 2, 3)] == ["6666.7"] * 3
    assert "counter jumped" not in d.log_text()
    assert dict(line.split(" ", 1) for line in d.ok("meter flat"))["flat.model"] == "sdm120"
    # The SDMs keep their counters: reset-energy is refused with the reason; the PZEM resets.
    for m in ("flat", "shop"):
        data, final = d.query(f"reset-energy {m}")
        assert final.startswith("ERR 400 ") and "cannot reset" in final, final
    d.ok("reset-energy plug")
    wait_until(lambda: int(d.status()["plug.meter_energy_wh"]) < 1_000_000, what="the PZEM's counter reset")
    assert int(d.status("flat")["flat.meter_energy_wh"]) > 1_234_500


def _scan_config(tmp_path, device, timeout="50ms", socket_path=None):
    path = tmp_path / "scan.conf"
    path.write_text(f"serial.device = {device}\nserial.timeout = {timeout}\n"
                    f"socket.path = {socket_path or tmp_path / 'none.sock'}\n"
                    f"journal.path = {tmp_path / 'scan-journal'}\ngpio.backend = sim\ngpio.sim_dir = {tmp_path / 'g'}\n"
                    "[meter a]\nrelay.line = 1\ntariff = 1 IOTA/kWh\n")
    return str(path)


@pytest.mark.serial
def test_scan_finds_every_model_with_its_counter(tmp_path, rig):
    sim, d = rig(addresses=("1", "7:sdm120", "200:sdm630"), start=False, sim_extra=("--speed", "0"))
    sim.command("energy 1 4321")
    sim.command("energy 7 16384002")      # a float32 kWh counter past 16 384 kWh: 1.95 Wh steps
    sim.command("energy 200 98765")
    started = time.monotonic()
    result = d.cli("-c", _scan_config(tmp_path, sim.link), "--scan", timeout=60)
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    found = re.findall(r"^(\d+) (\w+) (\S+)$", result.stdout, re.M)
    assert found == [("1", "pzem004t", "4321"), ("7", "sdm120", "16384002"), ("200", "sdm630", "98765")], result.stdout
    summary = re.search(r"^scanned addresses 1-247 .* in (\d+\.\d{3}) s: 3 meter\(s\)$", result.stdout, re.M)
    assert summary, result.stdout
    assert float(summary.group(1)) <= took
    # 244 silent addresses at a 50 ms reply timeout: a scan is quick.
    assert took < 30 * SLOW, took


def test_scan_refuses_while_a_daemon_holds_the_bus(tmp_path, rig):
    sim, d = rig(power=0)
    result = d.cli("-c", _scan_config(tmp_path, sim.link, socket_path=d.sock), "--scan")
    assert result.returncode == 2 and "stop it before scanning" in result.stderr, result.stderr
    assert result.stdout == ""


def _journal_with_history(path, meter, credit_nanos, start_ms, checkpoints, wh_per_checkpoint, step_ms):
    """A journal as a daemon that ran for a while leaves it: a credit, then consumption
    checkpoints with their times (format of Sources/Journal, written independently)."""
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    counter = 1000
    with open(path, "wb") as f:
        w = Writer(f, 0x1234_5678)
        w.record(bytes([0x02]) + zigzag(start_ms))                                     # started
        w.record(bytes([0x01]) + varint(0) + string(meter))                            # meter 0
        w.record(bytes([0x12, 0]) + zigzag(counter) + zigzag(start_ms))                # baseline
        w.record(bytes([0x11, 0]) + zigzag(credit_nanos) + string("cash") + zigzag(start_ms))
        for n in range(1, checkpoints + 1):
            counter += wh_per_checkpoint
            w.record(bytes([0x12, 0]) + zigzag(counter) + zigzag(start_ms + n * step_ms))
        w.close()
    return counter


def test_credit_left_is_rebuilt_from_the_journal_after_a_restart(tmp_path, rig):
    now_ms = int(time.time() * 1000)
    minute = 60_000
    # Three hours at 600 W (100 Wh per 10 min), 10 IOTA credited at 1 IOTA/kWh: 1.8 kWh used,
    # 8.2 IOTA left, which lasts 8.2 / 0.6 h = 49 200 s.
    meters = {"flat": dict(MIXED["flat"])}
    sim, d = rig(addresses=("2:sdm120",), meters=meters, start=False, sim_extra=("--speed", "0"))
    counter = _journal_with_history(d.journal, "flat", 10 * IOTA, now_ms - 180 * minute, 18, 100, 10 * minute)
    sim.command(f"energy 2 {counter}")
    d.start()
    wait_until(lambda: d.status()["flat.meter"] == "ok", what="first reading")
    st = d.status()
    assert st["flat.billed_wh"] == "1800" and st["flat.balance_nanos"] == str(82 * IOTA // 10)
    left = int(st["flat.credit_left_s"])
    assert 49_200 <= left <= 49_200 * (180 + 2) // 180, left      # the span grows by the seconds since
    metrics = "\n".join(d.ok("metrics"))
    assert re.search(r'^tanglemeter_credit_left_seconds\{meter="flat"\} (\d+)$', metrics, re.M)
    # kill -9 and start again: the figure comes back from the journal, not reset to unknown.
    d.kill9()
    d.start()
    wait_until(lambda: d.status()["flat.meter"] == "ok", what="reading after the restart")
    again = int(d.status()["flat.credit_left_s"])
    assert abs(again - left) <= 600, (left, again)


def test_credit_left_is_unknown_without_an_hour_of_history(rig):
    sim, d = rig(power=1000, addresses=("3:sdm630",), meters={"shop": dict(MIXED["shop"])})
    d.ok("credit shop 5 IOTA")
    wait_until(lambda: d.status()["shop.meter"] == "ok", what="first reading")
    assert d.status()["shop.credit_left_s"] == "unknown"
    assert "tanglemeter_credit_left_seconds{" not in "\n".join(d.ok("metrics"))
