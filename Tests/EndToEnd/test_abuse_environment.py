"""A bad environment (issue 7, part 5): the journal's disk fills up or refuses writes, the serial
adapter is unplugged and plugged back. The daemon keeps running, `credit` answers ERR instead of
acknowledging what is not durable, and it recovers when the disk or the device comes back.

The full disk is a 64 KiB tmpfs mounted for the test (root only: skipped otherwise); the file size
limit is RLIMIT_FSIZE set on the running daemon with `prlimit --pid`."""
import os
import re
import signal
import subprocess
import time

import pytest

from abuse_support import report
from daemon_harness import Daemon, Simulator, wait_until

NOTE = "n" * 250      # fills a small disk quickly (the journal keeps notes up to 256 bytes)


def credit_until_refused(d, limit=2000):
    """Credits 1 IOTA at a time until the daemon refuses; returns (acknowledged nanos, refusal)."""
    acked = 0
    for i in range(limit):
        data, final = d.query(f"credit main 1 IOTA {NOTE}")
        if final != "OK":
            return acked, final
        acked += 1_000_000_000
    raise AssertionError(f"{limit} credits and the disk is still not full")


def fill_up(path):
    """Writes `path` until the file system has no byte left."""
    with open(path, "wb", buffering=0) as f:
        for block in (4096, 512, 1):
            try:
                while True:
                    f.write(b"x" * block)
            except OSError:
                pass


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", path], capture_output=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")


@pytest.mark.x86_only
def test_a_full_disk_refuses_credits_keeps_running_and_recovers(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = str(tmp_path / "disk")
    mount_tmpfs(disk, "64k")
    sim = Simulator(str(tmp_path), power=2000, energy=1000)
    d = Daemon(str(tmp_path), sim.link, settings={"journal.path": os.path.join(disk, "journal")})
    d.journal = os.path.join(disk, "journal")
    try:
        d.start()
        wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
        acked, refusal = credit_until_refused(d)
        assert refusal.startswith("ERR 503") or refusal.startswith("ERR 500"), refusal
        st = d.status()
        assert int(st["main.credited_nanos"]) == acked, "a refused credit shows in status"
        # Still serving and still reading the meter, on a full disk.
        for _ in range(3):
            data, final = d.query(f"credit main 1 IOTA {NOTE}")
            assert final.startswith("ERR "), final
        assert d.proc.poll() is None
        assert d.status()["main.meter"] == "ok"
        # Issue 17: status and metrics say so, and an outage is logged once, not per failed write.
        # A big credit record no longer fits where a small checkpoint may (in the journal's last
        # page): stop the load, let the last checkpoint go in, then take every byte left.
        sim.command("power 1 0")
        time.sleep(2.5)
        fill_up(os.path.join(disk, "filler"))
        mark = len(d.log_text())
        for _ in range(3):
            data, final = d.query(f"credit main 1 IOTA {NOTE}")
            assert final.startswith("ERR 503") and "(journal full)" in final, final
        st = d.status()
        assert st["journal"] == "full", st
        assert st["main.meter"] == "ok"
        metrics = d.ok("metrics")
        assert "tanglemeter_journal_write_failing 1" in metrics and "tanglemeter_journal_damaged 0" in metrics
        outage = "nothing is acknowledged until a write succeeds"
        assert d.log_text()[mark:].count(outage) <= 1, d.log_text()[mark:]
        assert d.log_text()[mark:].count("No space left on device") <= 1, d.log_text()[mark:]
        # The operator frees space: credits are accepted again, without a restart.
        subprocess.run(["mount", "-o", "remount,size=4m", disk], check=True)
        wait_until(lambda: d.query("credit main 1 IOTA after")[1] == "OK", what="credit after space freed")
        acked += 1_000_000_000
        assert d.status()["journal"] == "ok"
        assert "tanglemeter_journal_write_failing 0" in d.ok("metrics")
        assert "journal: writes succeed again after" in d.log_text()[mark:]
        # And everything acknowledged is on disk: a kill -9 and restart shows exactly that.
        d.kill9()
        d.start()
        st = d.status()
        assert int(st["main.credited_nanos"]) == acked, st
        assert st["journal"] == "ok", st
        assert int(st["main.balance_nanos"]) == int(st["main.credited_nanos"]) - int(st["main.charged_nanos"])
        assert acked >= 50 * 1_000_000_000, "the disk should have held dozens of credits"
        report("disk_full", credits_before_full=acked // 1_000_000_000 - 1, refusal=refusal.split()[1],
               journal_bytes=os.path.getsize(d.journal))
    finally:
        d.close()
        sim.close()
        subprocess.run(["umount", "-l", disk])


@pytest.mark.x86_only
def test_a_file_size_limit_refuses_credits_instead_of_killing_the_daemon(tmp_path):
    sim = Simulator(str(tmp_path), power=2000, energy=1000)
    d = Daemon(str(tmp_path), sim.link)
    try:
        d.start()
        wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
        d.ok("credit main 1 IOTA")
        limit = os.path.getsize(d.journal) + 4096
        subprocess.run(["prlimit", f"--pid={d.proc.pid}", f"--fsize={limit}:unlimited"], check=True)
        acked, refusal = credit_until_refused(d)
        acked += 1_000_000_000
        assert acked >= 5 * 1_000_000_000, "4 KiB should have held several credits"
        assert refusal.startswith("ERR 503") or refusal.startswith("ERR 500"), refusal
        assert d.proc.poll() is None, f"daemon died: {d.proc.returncode} (SIGXFSZ is -{signal.SIGXFSZ})"
        assert int(d.status()["main.credited_nanos"]) == acked
        # Issue 17: not a byte more fits. The meter draws 2 kW, a Wh every 2 s: the checkpoints
        # (every 1 s) fail too, and the whole outage is one line when it begins, one when it ends.
        subprocess.run(["prlimit", f"--pid={d.proc.pid}", f"--fsize={os.path.getsize(d.journal)}:unlimited"], check=True)
        mark = len(d.log_text())
        wait_until(lambda: d.status()["journal"] == "full", timeout=5, what="journal full")
        time.sleep(4.5)
        assert d.status()["journal"] == "full"
        outage = "nothing is acknowledged until a write succeeds"
        assert d.log_text()[mark:].count(outage) <= 1, d.log_text()[mark:]
        assert d.log_text()[mark:].count("File too large") <= 1, d.log_text()[mark:]
        subprocess.run(["prlimit", f"--pid={d.proc.pid}", "--fsize=unlimited:unlimited"], check=True)
        wait_until(lambda: "journal: writes succeed again after" in d.log_text()[mark:], timeout=10,
                   what="the end of the outage logged")
        failed = int(re.search(r"writes succeed again after (\d+) failed", d.log_text()[mark:]).group(1))
        assert failed >= 2, d.log_text()[mark:]       # checkpoints failed, yet one line each way
        assert d.status()["journal"] == "ok"
        d.kill9()
        d.start()
        st = d.status()
        assert int(st["main.credited_nanos"]) == acked and st["journal"] == "ok", st
        report("fsize_limit", credits_acked=acked // 1_000_000_000, refusal=refusal.split()[1])
    finally:
        d.close()
        sim.close()


@pytest.mark.x86_only
def test_a_read_only_journal_directory_stops_the_start_with_a_clear_error(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    disk = str(tmp_path / "ro")
    mount_tmpfs(disk, "64k")
    try:
        subprocess.run(["mount", "-o", "remount,ro", disk], check=True)
        sim = Simulator(str(tmp_path), power=0, energy=1000)
        d = Daemon(str(tmp_path), sim.link, settings={"journal.path": os.path.join(disk, "journal")})
        try:
            d.start(wait=False)
            assert d.proc.wait(timeout=10) == 2
            assert os.path.join(disk, "journal") in d.log_text(), d.log_text()
            assert not os.path.exists(d.sock)
        finally:
            d.close()
            sim.close()
    finally:
        subprocess.run(["umount", "-l", disk])


@pytest.mark.x86_only
# The killed simulator leaves its link pointing at a freed /dev/pts/N. Beside other tests that
# number goes to their next pty, and the daemon would reopen another test's meter: run it alone.
@pytest.mark.parametrize("unplug", [
    pytest.param(signal.SIGTERM, id="link-removed"),
    pytest.param(signal.SIGKILL, id="link-dangling", marks=pytest.mark.serial),
])
def test_an_unplugged_serial_adapter_is_a_meter_fault_until_it_is_back(tmp_path, unplug):
    sim = Simulator(str(tmp_path), power=3000, energy=1000)
    d = Daemon(str(tmp_path), sim.link, settings={"meter.fault_timeout": "1s"})
    sim2 = None
    try:
        d.start()
        wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
        d.ok("credit main 1000 IOTA")
        wait_until(lambda: d.gpio(17) == "1\n", what="relay closed")
        sim.command("power 1 0")
        wait_until(lambda: d.status()["main.power_w"] == "0.0", what="load off")
        counter = int(d.status()["main.meter_energy_wh"])
        sim.proc.send_signal(unplug)
        sim.proc.wait()
        wait_until(lambda: d.gpio(17) == "0\n", timeout=5, what="relay opened: meter gone")
        st = d.status()
        assert st["main.meter"] == "fault" and st["main.reason"] == "meter-fault", st
        time.sleep(1.0)
        assert d.proc.poll() is None
        # Plugged back: a new pty at the same path, the same meter (same counter).
        sim2 = Simulator(str(tmp_path), power=3000, energy=counter)
        wait_until(lambda: d.status()["main.meter"] == "ok" and d.gpio(17) == "1\n", timeout=10,
                   what="meter back, relay closed")
        sim2.command("power 1 0")
        wait_until(lambda: d.status()["main.power_w"] == "0.0", what="load off again")
        time.sleep(0.5)
        st = d.status()
        assert int(st["main.billed_wh"]) == int(st["main.meter_energy_wh"]) - 1000, st
        assert d.stop() == 0
    finally:
        d.close()
        sim.close()
        if sim2:
            sim2.close()
