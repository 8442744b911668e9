"""Money lost under a careless operator, a bad disk and a wrong clock (issue 17, items 1–5), on the
real firmware: two daemons on one journal, a journal deleted or replaced while running, a zeroed
tail versus a torn write, a wall clock stepped back, and the energy counted just before
`reset-energy`. DESIGN §3.5 (journal guarantees), §2 (the jump limit) and §3.3 (`reset-energy`)."""
import os
import shutil
import signal
import time

import pytest

from abuse_support import record_boundaries
from daemon_harness import SLOW, Daemon, wait_until
from test_daemon import RELAY, invariant_holds, rig  # noqa: F401  (rig is a fixture)

IOTA = 1_000_000_000
FAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def credited(d):
    return int(d.status()["main.credited_nanos"])


def test_a_second_daemon_on_the_same_journal_exits_2_naming_the_holder(rig, tmp_path):
    sim, d = rig(power=0)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 5 IOTA")
    wait_until(lambda: d.gpio(RELAY) == "1\n", what="relay closed")
    # Another socket, the same journal — and the same sim GPIO directory: a second daemon that got
    # as far as claiming its lines would switch the first one's relay off.
    other = tmp_path / "second"
    other.mkdir()
    second = Daemon(str(other), sim.link, settings={"journal.path": d.journal, "gpio.sim_dir": d.gpio_dir})
    second.start(wait=False)
    try:
        status = second.proc.wait(timeout=10 * SLOW)
    except Exception:
        second.close()
        raise AssertionError("a second daemon on the same journal kept running: " + second.log_text()[-2000:])
    assert status == 2, second.log_text()
    log = second.log_text()
    assert f"pid {d.proc.pid}" in log and d.journal in log, log
    assert not os.path.exists(second.sock)
    assert d.gpio(RELAY) == "1\n"                      # the first daemon's relay untouched
    d.ok("credit main 2 IOTA")
    assert credited(d) == 7 * IOTA and d.status()["journal"] == "ok"
    d.stop()
    d.start()                                          # its journal whole: nothing interleaved
    assert credited(d) == 7 * IOTA and d.status()["journal"] == "ok"


@pytest.mark.parametrize("how", ["deleted", "replaced"])
def test_a_journal_deleted_or_replaced_while_running_is_damage(rig, how):
    sim, d = rig(power=0)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 5 IOTA")
    wait_until(lambda: d.gpio(RELAY) == "1\n", what="relay closed")
    if how == "deleted":
        os.remove(d.journal)
    else:                                              # an older copy restored over it
        shutil.copy(d.journal, d.journal + ".old")
        os.replace(d.journal + ".old", d.journal)
    wait_until(lambda: d.status()["journal"] == "damaged", timeout=5, what="journal damaged in status")
    st = d.status()
    assert st["main.relay"] == "off" and st["main.reason"] == "journal-damaged", st
    assert d.gpio(RELAY) == "0\n"
    data, final = d.query("credit main 1 IOTA")
    assert final.startswith("ERR "), final             # nothing acknowledged that is not on disk
    time.sleep(1.5 * SLOW)                             # more checks pass: still logged only once
    assert d.log_text().count("every relay opens, and nothing more is journaled") == 1, d.log_text()
    assert os.path.exists(d.journal) == (how == "replaced")   # no silent new journal either


def test_a_zeroed_tail_is_damage_not_a_torn_write(rig):
    sim, d = rig(power=0)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    for amount in (11, 22, 33, 44, 55):
        d.ok(f"credit main {amount} IOTA")
    d.kill9()
    with open(d.journal, "r+b") as f:                  # an SD card that lost its last page
        data = bytearray(f.read())
        data[-64:] = bytes(64)
        f.seek(0)
        f.write(data)
    d.start()
    st = d.status()
    assert st["journal"] == "damaged", st
    assert st["main.relay"] == "off" and st["main.reason"] == "journal-damaged"
    assert open(d.journal, "rb").read() == data        # nothing truncated: the evidence stays
    assert not [n for n in os.listdir(os.path.dirname(d.journal)) if ".torn-" in n]
    assert "not a torn write" in d.log_text()


def test_a_torn_last_record_is_dropped_and_its_bytes_saved_beside_the_journal(rig):
    sim, d = rig(power=0)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 3 IOTA")
    d.ok("credit main 4 IOTA cut off by the power cut")
    d.kill9()
    with open(d.journal, "rb") as f:
        data = f.read()
    last = record_boundaries(data)[-2]                 # where the last record starts
    cut = (last + len(data)) // 2                      # mid-record
    with open(d.journal, "r+b") as f:
        f.truncate(cut)
    d.start()
    st = d.status()
    assert st["journal"] == "ok" and int(st["main.credited_nanos"]) == 3 * IOTA, st
    saved = f"{d.journal}.torn-{last}"
    with open(saved, "rb") as f:
        assert f.read() == data[last:cut]
    assert f"saved as {saved}" in d.log_text()
    assert os.path.getsize(d.journal) >= last


def faketime_env(**extra):
    """The firmware under libfaketime with only the wall clock faked: CLOCK_MONOTONIC and
    CLOCK_BOOTTIME stay real (FAKETIME_DONT_FAKE_MONOTONIC covers both), as under a real NTP step."""
    assert os.path.exists(FAKETIME), "libfaketime is missing: make deps installs it"
    env = {"LD_PRELOAD": FAKETIME, "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    env.update(extra)
    return env


@pytest.mark.x86_only
def test_a_clock_an_hour_behind_at_restart_does_not_unbill_real_use(rig):
    sim, d = rig(power=0)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 100 IOTA")
    st = d.status()
    before, counter = int(st["main.billed_wh"]), int(st["main.meter_energy_wh"])
    assert d.stop() == 0                               # the counter is journaled with its time
    # 8 Wh while down for 2 s (14 kW: plausible); the daemon comes back with a clock an hour slow,
    # as a Pi without an RTC does after a power cut, before NTP
    time.sleep(2)
    sim.command(f"energy 1 {counter + 8}")
    d.start(env=faketime_env(FAKETIME="-1h"))
    wait_until(lambda: int(d.status()["main.billed_wh"]) >= before + 8 or "jumped" in d.log_text(),
               timeout=10, what="the reading after the restart billed or rejected")
    st = d.status()
    assert "jumped" not in d.log_text(), d.log_text()[-1500:]
    assert int(st["main.billed_wh"]) == before + 8, st
    assert invariant_holds(st)


@pytest.mark.x86_only
def test_a_wall_clock_stepped_back_while_running_does_not_unbill_real_use(rig, tmp_path):
    # 20 kW: about 5.6 Wh per 1 s poll, more than the 1 Wh of slack that a reading stamped before
    # the previous one was allowed; libfaketime re-reads the offset file at every clock read.
    clock = tmp_path / "faketime"
    clock.write_text("+0\n")
    env = faketime_env(FAKETIME_TIMESTAMP_FILE=str(clock), FAKETIME_NO_CACHE="1")
    sim, d = rig(power=20000, settings={"poll.interval": "1s"}, env=env)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    st = d.status()
    baseline = int(st["main.meter_energy_wh"]) - int(st["main.billed_wh"])   # the first reading's counter
    wait_until(lambda: int(d.status()["main.billed_wh"]) >= 10, timeout=15, what="billing under load")
    clock.write_text("-1h\n")                         # an NTP step back
    stepped = int(d.status()["main.meter_energy_wh"])
    wait_until(lambda: int(d.status()["main.meter_energy_wh"]) >= stepped + 20, timeout=15,
               what="four polls after the step")
    st = d.status()
    assert "jumped" not in d.log_text(), d.log_text()[-2000:]
    assert int(st["main.billed_wh"]) == int(st["main.meter_energy_wh"]) - baseline, st
    assert invariant_holds(st)


def test_reset_energy_bills_what_the_meter_counted_since_the_last_poll(rig):
    # A 10 s poll, and 5 kW at --speed 3 (15 kW of counting: plausible for the jump limit): some
    # 40 Wh between two polls, which the reset used to throw away.
    sim, d = rig(power=5000, sim_extra=("--speed", "3"), settings={"poll.interval": "10s", "meter.fault_timeout": "30s"})
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    first = d.status()
    billed0, counter0 = int(first["main.billed_wh"]), int(first["main.meter_energy_wh"])
    seen = time.monotonic()                            # the first reading was taken before this
    time.sleep(4)                                      # well inside the 10 s poll interval
    assert d.status()["main.meter_energy_wh"] == str(counter0), "a poll came early: the test proves nothing"
    requested = time.monotonic()
    d.ok("reset-energy main")
    st = d.status()
    billed = int(st["main.billed_wh"]) - billed0
    # counted between the first reading and the reset's own reading: at least 15 kW for the time
    # between seeing the first and asking for the reset, less 2 Wh of whole-Wh rounding
    counted = 15000 * (requested - seen) / 3600
    assert billed >= counted - 2, (billed, counted, st)
    assert "counter reset" in d.log_text()
    assert invariant_holds(st)
