"""The daemon's external contract (DESIGN §3.1–3.4, §3.6), end to end on the firmware binaries:
meter-sim on a pty, simulated GPIO files, real socat on the real socket."""
import os
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from daemon_harness import Daemon, Simulator, SLOW, wait_until

RELAY, LED = 17, 27


@pytest.fixture
def rig(tmp_path):
    """Factory: rig(power=…, meters=…, settings=…) → (simulator, daemon), both stopped afterwards."""
    started = []

    def make(power=0, energy=1000, addresses=(1,), meters=None, settings=None, sim_extra=(),
             env=None, start=True):
        sim = Simulator(str(tmp_path), addresses=addresses, power=power, energy=energy, extra=sim_extra)
        started.append(sim)
        d = Daemon(str(tmp_path), sim.link, meters=meters, settings=settings)
        started.append(d)
        if start:
            d.start(env=env)
        return sim, d

    yield make
    for p in reversed(started):
        p.close()


def invariant_holds(st, meter="main"):
    return int(st[f"{meter}.balance_nanos"]) == int(st[f"{meter}.credited_nanos"]) - int(st[f"{meter}.charged_nanos"])


def test_status_has_every_contract_field_and_the_invariant(rig):
    sim, d = rig(power=100)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    st = d.status()
    for key in ["relay", "reason", "balance_nanos", "credited_nanos", "charged_nanos", "billed_wh",
                "meter_energy_wh", "power_w", "voltage_v", "current_a", "meter", "payments"]:
        assert f"main.{key}" in st, key
    assert st["node"] == "off"          # no iota.node configured
    assert st["journal"] == "ok"
    assert int(st["uptime_s"]) >= 0
    assert invariant_holds(st)
    assert st["main.relay"] == "off" and st["main.reason"] == "no-credit"
    assert st["main.power_w"] == "100.0"
    assert d.gpio(RELAY) == "0\n"


def test_admin_credit_closes_the_relay_and_running_out_opens_it(rig):
    # 20 kW at 1000 IOTA/kWh costs 5.6 IOTA a second: 10 IOTA lasts under two seconds.
    sim, d = rig(power=0)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    assert d.ok("credit main 10 IOTA cash from flat 3") == []
    st = d.status()
    assert st["main.credited_nanos"] == "10000000000"
    wait_until(lambda: d.gpio(RELAY) == "1\n", what="relay file closed")
    assert d.status()["main.relay"] == "on" and d.status()["main.reason"] == "credit"
    sim.command("power 1 20000")
    wait_until(lambda: d.gpio(RELAY) == "0\n", timeout=10, what="relay opened at zero credit")
    st = d.status()
    assert st["main.relay"] == "off"
    assert st["main.reason"] == "no-credit"
    assert int(st["main.balance_nanos"]) <= 0
    assert invariant_holds(st)


def test_relay_opens_within_one_poll_of_the_balance_reaching_zero(rig):
    sim, d = rig(power=20000)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 3 IOTA")
    wait_until(lambda: d.status()["main.relay"] == "off" and int(d.status()["main.balance_nanos"]) <= 0,
               timeout=10, what="credit used up")
    st = d.status()
    # Within one poll: at most one poll interval (200 ms) of 20 kW = 1.2 Wh past zero, plus the
    # meter's whole-Wh rounding: the debt is at most 3 Wh at 1 IOTA/Wh.
    assert int(st["main.balance_nanos"]) >= -3 * 1_000_000_000
    assert d.gpio(RELAY) == "0\n"


def test_silent_meter_opens_the_relay_after_fault_timeout_and_recovers(rig):
    sim, d = rig(power=0)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 100 IOTA")
    wait_until(lambda: d.gpio(RELAY) == "1\n", what="relay closed")
    sim.command("silent 1 on")
    t0 = time.monotonic()
    wait_until(lambda: d.gpio(RELAY) == "0\n", timeout=10, what="relay opened on meter fault")
    assert time.monotonic() - t0 >= 1.5   # meter.fault_timeout = 2s, polls every 200 ms
    st = d.status()
    assert st["main.meter"] == "fault" and st["main.reason"] == "meter-fault"
    sim.command("silent 1 off")
    wait_until(lambda: d.gpio(RELAY) == "1\n", timeout=10, what="relay closed after recovery")
    assert d.status()["main.reason"] == "credit"


def test_overload_trips_after_the_grace_period(rig):
    meter = {"modbus.address": "1", "relay.line": "17", "led.line": "27", "tariff": "0.001 IOTA/kWh",
             "max_power": "1kW", "max_power.grace": "1s"}
    sim, d = rig(power=500, meters={"main": meter})
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 100 IOTA")
    wait_until(lambda: d.gpio(RELAY) == "1\n", what="relay closed")
    sim.command("power 1 1500")
    wait_until(lambda: d.status()["main.reason"] == "overload", timeout=10, what="overload trip")
    assert d.gpio(RELAY) == "0\n"


def test_friendly_hours_keep_the_relay_closed_without_credit(rig):
    # The clock is injected through TZ: a window around the current UTC hour is "now" in UTC.
    hour = time.gmtime().tm_hour
    window = f"{hour:02d}:00-{(hour + 2) % 24:02d}:00"
    meter = dict({"modbus.address": "1", "relay.line": "17", "led.line": "27", "tariff": "1 IOTA/kWh"},
                 friendly_hours=window)
    sim, d = rig(power=100, meters={"main": meter}, env={"TZ": "UTC"})
    d.ok("credit main 0.000000001 IOTA")
    sim.command("power 1 20000")
    wait_until(lambda: int(d.status()["main.balance_nanos"]) < 0, timeout=10, what="credit gone")
    st = d.status()
    assert st["main.relay"] == "on" and st["main.reason"] == "friendly-hours"
    assert d.gpio(RELAY) == "1\n"


def test_reload_with_a_bad_file_keeps_the_old_config(rig):
    sim, d = rig(power=0)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    good = d.config_text()
    d.write_config(good + "bogus.key = 1\n")
    data, final = d.query("reload")
    assert final.startswith("ERR 400") or final.startswith("ERR 409"), final
    assert "bogus.key" in final
    assert d.status()["main.meter"] == "ok"
    # SIGHUP with the same bad file: logged, old config kept, daemon alive.
    d.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3 * SLOW)
    assert d.proc.poll() is None
    d.write_config(good.replace("tariff = 1000 IOTA/kWh", "tariff = 2000 IOTA/kWh"))
    assert d.ok("reload") == []


def test_admin_commands_are_refused_to_a_non_root_peer(rig):
    # The peer runs as nobody, so the socket lives where nobody can reach it (pytest's own
    # temporary folder is private to root).
    public = tempfile.mkdtemp(prefix="tm-public-")
    os.chmod(public, 0o755)
    sim, d = rig(power=0, settings={"socket.path": os.path.join(public, "tm.sock")})
    out = subprocess.run(["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups",
                          "socat", "-t", "5", "-", f"UNIX-CONNECT:{d.sock}"],
                         input=b"credit main 1 IOTA\nstatus main\n", capture_output=True, timeout=20)
    lines = out.stdout.decode().splitlines()
    assert lines[0].startswith("ERR 403"), lines
    assert lines[-1] == "OK"                           # read commands still work
    assert d.status()["main.credited_nanos"] == "0"


@pytest.mark.parametrize("request_bytes,code", [
    (b"frobnicate\n", "404"),
    (b"status nosuchmeter\n", "404"),
    (b"credit main 1.0000000001 IOTA\n", "400"),
    (b"credit main -1 IOTA\n", "400"),
    (b"relay main sideways\n", "400"),
    (b"payments main notanumber\n", "400"),
    (b"\x00\xff\xfe binary\n", "400"),
])
def test_malformed_requests_get_the_right_error_codes(rig, request_bytes, code):
    sim, d = rig(power=0)
    reply = d.raw(request_bytes).decode(errors="replace").splitlines()
    assert reply[-1].startswith(f"ERR {code} "), reply


def test_non_ascii_text_is_refused_whichever_way_it_is_normalised(rig):
    # The contract's text is ASCII (config values, meter names, requests), and the firmware answers
    # the stdlib's Unicode lookups as for ASCII (Sources/EmbeddedTextTables): non-ASCII text is
    # compared scalar by scalar. So "ä" precomposed (NFC) and "a" + U+0308 (NFD) must both come
    # back as clear errors, on the socket and in the config, and never reach a meter or the ledger.
    sim, d = rig(power=0)
    for spelling in ["\u00e4", "a\u0308"]:
        for request in [f"status m{spelling}in", f"st{spelling}tus", f"credit main 1 {spelling}IOTA"]:
            reply = d.raw((request + "\n").encode()).decode(errors="replace").splitlines()
            assert reply[-1].startswith("ERR 40"), (request, reply)
        text = d.config_text().replace("[meter main]", f"[meter m{spelling}in]")
        with open(d.config, "wb") as f:
            f.write(text.encode())
        data, final = d.query("reload")
        assert final.startswith("ERR 400") and "meter name must be" in final, final
    assert d.status()["main.credited_nanos"] == "0"


def test_an_overlong_line_gets_413_and_the_connection_closes(rig):
    sim, d = rig(power=0)
    reply = d.raw(b"status " + b"x" * 600 + b"\nversion\n").decode().splitlines()
    assert reply[-1].startswith("ERR 413"), reply
    assert not any(line.startswith("version") for line in reply)


def test_pipelined_requests_are_answered_in_order(rig):
    sim, d = rig(power=0)
    reply = d.raw(b"version\r\nhelp\nstatus main\nversion\n").decode().splitlines()
    finals = [i for i, l in enumerate(reply) if l == "OK" or l.startswith("ERR ")]
    assert len(finals) == 4 and all(reply[i] == "OK" for i in finals)
    assert reply[0].startswith("version ")
    assert reply[finals[2] + 1].startswith("version ")
    for line in reply:
        if line != "OK":
            assert not line.startswith("OK") and not line.startswith("ERR ")


def test_help_lists_every_contract_command(rig):
    sim, d = rig(power=0)
    names = [l.split()[1] for l in d.ok("help")]
    for c in ["help", "version", "status", "meter", "payments", "watch", "metrics", "credit", "relay",
              "reset-energy", "reload"]:
        assert c in names


def test_two_hundred_concurrent_clients_are_all_served(rig):
    sim, d = rig(power=0)
    results = []

    def client():
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(10 * SLOW)
        s.connect(d.sock)
        s.sendall(b"status\n")
        data = b""
        while not data.endswith(b"OK\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        results.append(data.endswith(b"OK\n"))

    threads = [threading.Thread(target=client) for _ in range(200)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 200


def test_query_cli_prints_data_and_uses_exit_codes(rig):
    sim, d = rig(power=0)
    ok = d.cli("-c", d.config, "query", "version")
    assert ok.returncode == 0 and ok.stdout.startswith("version ")
    err = d.cli("-c", d.config, "query", "status", "nosuch")
    assert err.returncode == 1 and err.stderr.startswith("ERR 404")


def test_check_validates_and_names_file_line_and_key(rig, tmp_path):
    sim, d = rig(power=0, start=False)
    good = d.cli("-c", d.config, "--check")
    assert good.returncode == 0, good.stderr
    d.write_config(d.config_text() + "serial.baud = 9601\n")
    bad = d.cli("-c", d.config, "--check")
    assert bad.returncode == 1
    assert d.config in bad.stderr and "serial.baud" in bad.stderr
    line_no = len(d.config_text().splitlines()) + 1
    assert f":{line_no}" in bad.stderr


def test_sigterm_exits_zero_opens_the_relay_and_keeps_the_journal(rig):
    sim, d = rig(power=0)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 5 IOTA")
    wait_until(lambda: d.gpio(RELAY) == "1\n", what="relay closed")
    assert d.stop(signal.SIGTERM) == 0
    assert d.gpio(RELAY) == "0\n"                      # fail-safe on the way out
    assert not os.path.exists(d.sock)
    d.start()
    st = d.status()
    assert st["main.credited_nanos"] == "5000000000"   # recovered from the journal
    assert invariant_holds(st)


def test_a_live_daemons_socket_is_not_taken_over(rig, tmp_path):
    sim, d = rig(power=0)
    second = d.cli("-c", d.config, timeout=10)
    assert second.returncode == 2, second.stderr
    assert d.try_query("version")


def test_energy_used_while_down_is_billed_after_restart(rig):
    sim, d = rig(power=0)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 100 IOTA")
    before = int(d.status()["main.billed_wh"])
    counter = int(d.status()["main.meter_energy_wh"])
    d.kill9()
    # The counter moves 8 Wh while the daemon is down for 2 s: 14 kW, physically plausible
    # (the daemon rejects jumps beyond what the circuit could draw in the elapsed time).
    time.sleep(2)
    sim.command(f"energy 1 {counter + 8}")
    d.start()
    wait_until(lambda: int(d.status()["main.billed_wh"]) >= before + 8, timeout=15, what="catch-up billing")
    st = d.status()
    assert int(st["main.billed_wh"]) == before + 8
    assert st["main.credited_nanos"] == "100000000000"
    assert invariant_holds(st)


def test_hundreds_of_pipelined_requests_in_one_write_are_all_answered(rig):
    # More than the server answers per loop turn: the rest wait for the next turn (a deadline in
    # the past, which once overflowed the loop's timeout arithmetic and crashed the daemon).
    sim, d = rig(power=0)
    reply = d.raw(b"version\n" * 300).decode().splitlines()
    assert reply.count("OK") == 300
    assert d.proc.poll() is None and d.try_query("version")
