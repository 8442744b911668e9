"""Configuration errors of every kind (issue 7, part 5; DESIGN §3.1–3.2): each broken file makes
both `--check` and a real start exit 1, with one message naming the file, the line and the key (or
the section) at fault, and nothing started (no socket, no journal)."""
import os

import pytest

from daemon_harness import binary
import subprocess

GOOD_GLOBAL = "gpio.backend = sim\ngpio.sim_dir = {dir}/gpio\nsocket.path = {dir}/tm.sock\njournal.path = {dir}/state/journal\n"
GOOD_METER = "[meter main]\nrelay.line = 17\ntariff = 1 IOTA/kWh\n"

# (name, global lines after the good ones, meter lines after the good ones, line at fault, text expected)
# Line numbers count from the top of the whole file: 4 good global lines, then the inserted ones.
CASES = [
    ("unknown global key", "bogus.key = 1\n", "", 5, "bogus.key"),
    ("unknown meter key", "", "colour = red\n", 8, "colour"),
    ("baud not a number", "serial.baud = 9600x\n", "", 5, "serial.baud"),
    ("baud out of range", "serial.baud = 300\n", "", 5, "serial.baud"),
    ("serial format", "serial.format = 9Q1\n", "", 5, "serial.format"),
    ("duration without unit", "serial.timeout = 5\n", "", 5, "serial.timeout"),
    ("duration zero", "serial.timeout = 0ms\n", "", 5, "serial.timeout"),
    ("duration unknown unit", "poll.interval = 1 fortnight\n", "", 5, "poll.interval"),
    ("duration negative", "journal.checkpoint = -1s\n", "", 5, "journal.checkpoint"),
    ("duration too long", "meter.fault_timeout = 100h\n", "", 5, "meter.fault_timeout"),
    ("socket mode not octal", "socket.mode = 0999\n", "", 5, "socket.mode"),
    ("socket path empty", "socket.path = \n", "", 5, "socket.path"),
    ("gpio backend", "gpio.backend = magic\n", "", 5, "gpio.backend"),
    ("plain http to a remote node", "iota.node = http://example.com\n", "", 5, "iota.node"),
    ("node not a URL", "iota.node = ftp://x\n", "", 5, "iota.node"),
    ("chain", "iota.chain = moon\n", "", 5, "iota.chain"),
    ("boolean", "iota.credit_existing = maybe\n", "", 5, "iota.credit_existing"),
    ("log target", "log = kernel\n", "", 5, "log"),
    ("key set twice", "serial.baud = 9600\nserial.baud = 9600\n", "", 6, "serial.baud"),
    ("line without =", "no equals sign\n", "", 5, "no equals sign"),
    ("section name", "[meter Bad!]\nrelay.line = 1\ntariff = 1 IOTA/kWh\n", "", 5, "Bad!"),
    ("section without name", "[meter]\n", "", 5, "[meter]"),
    ("section unclosed", "[meter x\n", "", 5, "[meter x"),
    ("modbus address 0", "", "modbus.address = 0\n", 8, "modbus.address"),
    ("modbus address 248", "", "modbus.address = 248\n", 8, "modbus.address"),
    ("relay line not a number", "", "led.line = seventeen\n", 8, "led.line"),
    ("tariff unit", "", "tariff = 1 EUR/kWh\n", 8, "tariff"),
    ("tariff too many decimals", "", "tariff = 0.0000000001 IOTA/kWh\n", 8, "tariff"),
    ("iota address short", "", "iota.address = 0x1234\n", 8, "iota.address"),
    ("iota address not hex", "", "iota.address = 0x" + "zz" * 32 + "\n", 8, "iota.address"),
    ("max power unit", "", "max_power = 3 horses\n", 8, "max_power"),
    ("low credit unit", "", "low_credit = 100 IOTA\n", 8, "low_credit"),
    ("friendly hours", "", "friendly_hours = 25:00-08:00\n", 8, "friendly_hours"),
    ("emergency credit", "", "emergency_credit = lots\n", 8, "emergency_credit"),
    ("active_low boolean", "", "relay.active_low = sometimes\n", 8, "relay.active_low"),
    ("meter model", "", "model = sdm630\n", 8, "model"),
    ("meter key set twice", "", "tariff = 2 IOTA/kWh\n", 8, "tariff"),
    # Issue 17: beyond any circuit a supported meter serves (a typo, kW for W), and free energy.
    ("max power absurd", "", "max_power = 999999999999kW\n", 8, "at most 1000kW"),
    ("max power above 1 MW", "", "max_power = 1000.1kW\n", 8, "max_power"),
]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


@pytest.mark.parametrize("name,global_extra,meter_extra,line,fragment", CASES, ids=[c[0] for c in CASES])
def test_a_broken_configuration_is_refused_with_file_line_and_key(tmp_path, name, global_extra, meter_extra,
                                                                   line, fragment):
    config = str(tmp_path / "tanglemeter.conf")
    write(config, GOOD_GLOBAL.format(dir=tmp_path) + global_extra + GOOD_METER + meter_extra)
    for args in (["-c", config, "--check"], ["-c", config]):
        out = subprocess.run(binary("tanglemeter") + args, capture_output=True, text=True, timeout=30)
        assert out.returncode == 1, (args, out.returncode, out.stdout, out.stderr)
        assert f"{config}:{line}:" in out.stderr, out.stderr
        assert fragment in out.stderr, out.stderr
    assert not os.path.exists(tmp_path / "tm.sock")
    assert not os.path.exists(tmp_path / "state" / "journal")


MISSING = [
    ("no relay.line", "[meter main]\ntariff = 1 IOTA/kWh\n", 5, "relay.line"),
    ("no tariff", "[meter main]\nrelay.line = 17\n", 5, "tariff"),
    ("two meters on one relay line", GOOD_METER + "[meter b]\nrelay.line = 17\ntariff = 1 IOTA/kWh\nmodbus.address = 2\n",
     9, "relay.line"),
    ("two meters at one address", GOOD_METER + "[meter b]\nrelay.line = 18\ntariff = 1 IOTA/kWh\n", 8, "modbus.address"),
    ("one meter twice", GOOD_METER + "[meter main]\nrelay.line = 18\ntariff = 1 IOTA/kWh\nmodbus.address = 2\n",
     8, "main"),
]


@pytest.mark.parametrize("name,meters,line,fragment", MISSING, ids=[c[0] for c in MISSING])
def test_missing_and_conflicting_keys_name_the_section(tmp_path, name, meters, line, fragment):
    config = str(tmp_path / "tanglemeter.conf")
    write(config, GOOD_GLOBAL.format(dir=tmp_path) + meters)
    out = subprocess.run(binary("tanglemeter") + ["-c", config, "--check"], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert f"{config}:" in out.stderr and fragment in out.stderr, out.stderr
    assert f"{config}:{line}:" in out.stderr, out.stderr


def test_a_zero_tariff_is_refused(tmp_path):
    config = str(tmp_path / "tanglemeter.conf")
    write(config, GOOD_GLOBAL.format(dir=tmp_path) + "[meter main]\nrelay.line = 17\ntariff = 0 IOTA/kWh\n")
    out = subprocess.run(binary("tanglemeter") + ["-c", config, "--check"], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert f"{config}:7: key 'tariff': expected a price above 0" in out.stderr, out.stderr


def test_control_characters_in_a_bad_line_are_escaped(tmp_path):
    config = str(tmp_path / "tanglemeter.conf")
    write(config, GOOD_GLOBAL.format(dir=tmp_path) + "serial.baud = 96\x1b[2J\x07\r00\n" + GOOD_METER)
    out = subprocess.run(binary("tanglemeter") + ["-c", config, "--check"], capture_output=True, timeout=30)
    assert out.returncode == 1, out
    assert not any(b < 0x20 and b != 0x0A for b in out.stderr), out.stderr
    assert b"got '96\\x1b[2J\\x07\\x0d00'" in out.stderr, out.stderr


def test_a_missing_or_unreadable_file_is_refused(tmp_path):
    missing = str(tmp_path / "nope.conf")
    out = subprocess.run(binary("tanglemeter") + ["-c", missing, "--check"], capture_output=True, text=True,
                         timeout=30)
    assert out.returncode == 1 and missing in out.stderr, out.stderr
    binary_file = str(tmp_path / "binary.conf")
    with open(binary_file, "wb") as f:
        f.write(b"serial.baud = 9600\n\x00\xff\xfe garbage\n")
    out = subprocess.run(binary("tanglemeter") + ["-c", binary_file, "--check"], capture_output=True,
                         text=True, errors="replace", timeout=30)
    assert out.returncode == 1 and f"{binary_file}:2:" in out.stderr, out.stderr
