"""meter-sim read by three independent Modbus masters (mbpoll/libmodbus, minimalmodbus, pymodbus)
and by raw frames from shared/specs/meters.md. What a master reads must equal what the simulator
was told, so a fault in meter-sim cannot hide behind the same fault in our own decoder."""

import re
import signal
import subprocess
import time

import minimalmodbus
import pytest
import serial
from pymodbus.client import ModbusSerialClient

import support
from support import crc16, raw_exchange

# --speed 0 freezes the energy counter so values can be compared exactly.
FROZEN = ("--speed", "0")


def mbpoll(link, *args, timeout_s="1"):
    """Runs mbpoll once (-1) on the link; returns (exit status, register values by reference)."""
    result = subprocess.run(["mbpoll", "-m", "rtu", "-b", "9600", "-P", "none", "-1", "-q", "-o", timeout_s,
                             *map(str, args), str(link)], capture_output=True, text=True, timeout=30)
    values = {int(m.group(1)): int(m.group(2)) for m in re.finditer(r"^\[(\d+)\]:\s+(-?\d+)", result.stdout, re.M)}
    return result.returncode, values, result.stdout + result.stderr


def instrument(link, address=1, timeout=1.0):
    meter = minimalmodbus.Instrument(str(link), address, close_port_after_each_call=True)
    meter.serial.baudrate = 9600
    meter.serial.timeout = timeout
    meter.clear_buffers_before_each_transaction = True
    return meter


def pymodbus_read(link, address=1, start=0, count=10, timeout=1.0):
    client = ModbusSerialClient(str(link), baudrate=9600, timeout=timeout, retries=0)
    assert client.connect()
    try:
        try:
            return client.read_input_registers(start, count=count, device_id=address)
        except TypeError:   # pymodbus before 3.9 called it `slave`
            return client.read_input_registers(start, count=count, slave=address)
    finally:
        client.close()


def words_to_reading(r):
    """Independent decode of the ten PZEM-004T v3 input registers (32-bit values low word first)."""
    return {"voltage_dv": r[0], "current_ma": r[1] | r[2] << 16, "power_dw": r[3] | r[4] << 16,
            "energy_wh": r[5] | r[6] << 16, "frequency_dhz": r[7], "pf": r[8], "alarm": r[9]}


def test_binary_is_built_for_the_architecture_under_test():
    described = subprocess.run(["file", "-L", str(support.binary("meter-sim"))], capture_output=True, text=True).stdout
    expected = "ARM aarch64" if "aarch64" in " ".join(support.runner()) else "x86-64"
    assert expected in described, described


def test_mbpoll_reads_what_the_simulator_was_told(meter_sim):
    sim = meter_sim("--power", "2759.8", "--energy", "1234567", "--voltage", "230.1", *FROZEN)
    code, values, output = mbpoll(sim.link, "-a", "1", "-t", "3", "-r", "1", "-c", "10")
    assert code == 0, output
    reading = words_to_reading([values[i] & 0xFFFF for i in range(1, 11)])
    assert reading == {"voltage_dv": 2301, "current_ma": 11993, "power_dw": 27598, "energy_wh": 1234567,
                       "frequency_dhz": 500, "pf": 100, "alarm": 0}


def test_minimalmodbus_and_pymodbus_agree_and_follow_the_power_command(meter_sim):
    sim = meter_sim("--power", "100", "--energy", "70000", *FROZEN)
    first = words_to_reading(instrument(sim.link).read_registers(0, 10, functioncode=4))
    assert first["power_dw"] == 1000 and first["energy_wh"] == 70000   # 70000 > 65535: needs << 16
    assert sim.command("power 1 23000") == "ok"
    reply = pymodbus_read(sim.link)
    assert not reply.isError(), reply
    second = words_to_reading(reply.registers)
    assert second["power_dw"] == 230000 and second["current_ma"] == 100000
    assert sim.command("energy 1 4294967295") == "ok"
    assert words_to_reading(instrument(sim.link).read_registers(0, 10, functioncode=4))["energy_wh"] == 0xFFFFFFFF


def test_energy_integrates_power_at_the_given_speed(meter_sim):
    # 3600 W at 1000× real time: 1000 Wh per real second.
    sim = meter_sim("--power", "3600", "--speed", "1000")
    meter = instrument(sim.link)

    def energy():
        before = time.monotonic()
        value = words_to_reading(meter.read_registers(0, 10, functioncode=4))["energy_wh"]
        return before, value, time.monotonic()

    start_before, start_energy, start_after = energy()
    def risen():
        sample = energy()
        return sample if sample[1] >= start_energy + 1500 else None

    end = support.wait_until(risen, timeout=20, message="energy to rise by 1500 Wh")
    gained = end[1] - start_energy
    assert (end[0] - start_after) * 1000 - 2 <= gained <= (end[2] - start_before) * 1000 + 2


def test_two_meters_on_one_bus_answer_only_their_own_address(meter_sim):
    sim = meter_sim("--address", "1", "--address", "7", "--power", "100", *FROZEN)
    assert sim.command("power 7 2000.5") == "ok"
    assert words_to_reading(instrument(sim.link, 1).read_registers(0, 10, functioncode=4))["power_dw"] == 1000
    assert words_to_reading(instrument(sim.link, 7).read_registers(0, 10, functioncode=4))["power_dw"] == 20005
    code, _, _ = mbpoll(sim.link, "-a", "2", "-t", "3", "-r", "1", "-c", "10", timeout_s="0.3")
    assert code != 0
    # 0xF8 with two meters would collide: nobody answers.
    assert raw_exchange(sim.link, bytes.fromhex("F8 04 00 00 00 0A 64 64"), 25, timeout=0.5) == b""
    assert sim.stats()["ignored"] == 2


def test_general_address_is_answered_by_a_single_meter_with_its_address_echoed(meter_sim):
    sim = meter_sim("--address", "5", "--power", "24.4", "--energy", "38", "--voltage", "225.7", *FROZEN)
    reply = raw_exchange(sim.link, bytes.fromhex("F8 04 00 00 00 0A 64 64"), 25)
    assert reply[:3] == bytes.fromhex("F8 04 14") and crc16(reply[:-2]) == reply[-2:]
    assert words_to_reading([int.from_bytes(reply[3 + 2 * i:5 + 2 * i], "big") for i in range(10)])["power_dw"] == 244


def test_silent_meter_makes_every_master_time_out(meter_sim):
    sim = meter_sim("--power", "100", *FROZEN)
    assert sim.command("silent 1 on") == "ok"
    with pytest.raises(minimalmodbus.NoResponseError):
        instrument(sim.link, timeout=0.3).read_registers(0, 10, functioncode=4)
    assert _pymodbus_failed(lambda: pymodbus_read(sim.link, timeout=0.3))
    assert sim.command("silent 1 off") == "ok"
    assert words_to_reading(instrument(sim.link).read_registers(0, 10, functioncode=4))["power_dw"] == 1000


def _pymodbus_failed(read):
    """pymodbus reports a failed read either as an error reply or by raising ModbusException."""
    from pymodbus.exceptions import ModbusException
    try:
        return read().isError()
    except ModbusException:
        return True


def test_corrupt_replies_fail_their_crc_in_every_master(meter_sim):
    sim = meter_sim("--corrupt", "1", "--seed", "7", *FROZEN)
    # The seed fixes which bit flips; with seed 7 the first ones land where only the CRC can tell.
    with pytest.raises(minimalmodbus.InvalidResponseError, match="(?i)checksum"):
        instrument(sim.link).read_registers(0, 10, functioncode=4)
    code, _, output = mbpoll(sim.link, "-a", "1", "-t", "3", "-r", "1", "-c", "10")
    assert code != 0, output
    assert _pymodbus_failed(lambda: pymodbus_read(sim.link, timeout=0.5))
    reply = raw_exchange(sim.link, bytes.fromhex("01 04 00 00 00 0A 70 0D"), 25)
    assert len(reply) == 25 and crc16(reply[:-2]) != reply[-2:]
    stats = sim.stats()
    assert stats["corrupted"] == stats["replies"] == stats["requests"] >= 4


def test_garbage_before_replies_is_skipped_by_a_hunting_master(meter_sim):
    sim = meter_sim("--garbage", "1", "--seed", "3", "--power", "42", *FROZEN)
    reply = raw_exchange(sim.link, bytes.fromhex("01 04 00 00 00 0A 70 0D"), 25 + 8, timeout=0.5)
    start = reply.find(bytes.fromhex("01 04 14"))
    assert 1 <= start <= 8 and crc16(reply[start:start + 23]) == reply[start + 23:start + 25]
    assert sim.stats()["garbage"] == 1


def test_dropped_replies_time_out(meter_sim):
    sim = meter_sim("--drop", "1")
    assert raw_exchange(sim.link, bytes.fromhex("01 04 00 00 00 0A 70 0D"), 25, timeout=0.5) == b""
    stats = sim.stats()
    assert stats["requests"] == 1 and stats["dropped"] == 1 and stats["replies"] == 0


def test_reset_energy_with_the_custom_function(meter_sim):
    sim = meter_sim("--energy", "987654", *FROZEN)
    assert raw_exchange(sim.link, bytes.fromhex("01 42 80 11"), 4) == bytes.fromhex("01 42 80 11")
    assert words_to_reading(instrument(sim.link).read_registers(0, 10, functioncode=4))["energy_wh"] == 0
    # minimalmodbus as an independent framer of the same custom function: the echo comes back.
    meter = instrument(sim.link)
    assert meter._perform_command(0x42, b"") == b""


def test_exception_replies_follow_the_suggested_policy(meter_sim):
    sim = meter_sim(*FROZEN)
    read11 = bytes.fromhex("01 04 00 00 00 0B") + crc16(bytes.fromhex("01 04 00 00 00 0B"))
    assert raw_exchange(sim.link, read11, 5) == bytes.fromhex("01 84 02 C2 C1")
    read0 = bytes.fromhex("01 04 00 00 00 00") + crc16(bytes.fromhex("01 04 00 00 00 00"))
    reply = raw_exchange(sim.link, read0, 5)
    assert reply[:3] == bytes.fromhex("01 84 03") and crc16(reply[:3]) == reply[3:]
    unknown = bytes.fromhex("01 2B 0E 01 00") + crc16(bytes.fromhex("01 2B 0E 01 00"))
    reply = raw_exchange(sim.link, unknown, 5)
    assert reply[:3] == bytes.fromhex("01 AB 01") and crc16(reply[:3]) == reply[3:]
    with pytest.raises(minimalmodbus.IllegalRequestError):
        instrument(sim.link).read_register(0, functioncode=3)    # holding 0 is undocumented
    assert sim.stats()["exceptions"] == 4


def test_holding_registers_alarm_threshold_and_address(meter_sim):
    sim = meter_sim("--power", "100", *FROZEN)
    assert raw_exchange(sim.link, bytes.fromhex("01 06 00 01 08 FC DF 8B"), 8) == bytes.fromhex("01 06 00 01 08 FC DF 8B")
    meter = instrument(sim.link)
    assert meter.read_registers(1, 2, functioncode=3) == [2300, 1]
    assert sim.command("power 1 2300") == "ok"
    assert words_to_reading(meter.read_registers(0, 10, functioncode=4))["alarm"] == 0xFFFF
    meter.write_register(2, 9, functioncode=6)
    assert instrument(sim.link, 9).read_registers(1, 2, functioncode=3) == [2300, 9]
    with pytest.raises(minimalmodbus.NoResponseError):
        instrument(sim.link, 1, timeout=0.3).read_registers(1, 2, functioncode=3)


def test_wire_timing_takes_at_least_the_physical_time(meter_sim):
    sim = meter_sim("--wire-timing", "1200", *FROZEN)
    started = time.monotonic()
    reply = raw_exchange(sim.link, bytes.fromhex("01 04 00 00 00 0A 70 0D"), 25, timeout=3)
    elapsed = time.monotonic() - started
    assert len(reply) == 25 and crc16(reply[:-2]) == reply[-2:]
    # 8 + 25 characters of 10 bits at 1200 baud plus t3.5: 275 ms + 29.2 ms.
    assert elapsed >= 0.304, elapsed


def test_delay_holds_replies_back(meter_sim):
    sim = meter_sim("--delay", "300", *FROZEN)
    started = time.monotonic()
    assert len(raw_exchange(sim.link, bytes.fromhex("01 04 00 00 00 0A 70 0D"), 25, timeout=3)) == 25
    assert time.monotonic() - started >= 0.3
    assert sim.stats()["delayed"] == 1


def test_commands_answer_one_line_each(meter_sim):
    sim = meter_sim()
    assert sim.command("bogus 1") == "error unknown command bogus"
    assert sim.command("power 9 100") == "error no meter at address 9"
    assert sim.command("power 1") == "error usage: power ADDR W"
    assert sim.command("power 1 12.34") == "error bad power 12.34"
    assert sim.command("silent 1 maybe") == "error silent takes on or off, not maybe"
    assert re.fullmatch(r"stats requests=0 replies=0 dropped=0 corrupted=0 garbage=0 delayed=0 "
                        r"exceptions=0 ignored=0 badframes=0", sim.command("stats"))


def test_stdin_eof_keeps_serving_and_sigterm_removes_the_link(meter_sim):
    sim = meter_sim("--power", "5", *FROZEN, stdin=subprocess.DEVNULL)
    assert words_to_reading(instrument(sim.link).read_registers(0, 10, functioncode=4))["power_dw"] == 50
    sim.signal(signal.SIGTERM)
    assert sim.wait() == 0
    assert not sim.link.exists() and not sim.link.is_symlink()


def test_sigint_stops_cleanly_and_an_old_symlink_is_replaced(meter_sim, tmp_path):
    link = tmp_path / "ttyOld"
    link.symlink_to("/dev/null")
    sim = meter_sim(link=link)
    assert str(link.resolve()).startswith("/dev/pts/")
    sim.signal(signal.SIGINT)
    assert sim.wait() == 0 and not link.is_symlink()


def test_bad_arguments_and_an_occupied_path_are_refused(tmp_path):
    bad = subprocess.run(support.command("meter-sim", "--link", str(tmp_path / "x"), "--address", "300"),
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode == 1 and "--address must be 1-247" in bad.stderr
    occupied = tmp_path / "file"
    occupied.write_text("keep me")
    refused = subprocess.run(support.command("meter-sim", "--link", str(occupied)), capture_output=True, text=True,
                             timeout=30, stdin=subprocess.DEVNULL)
    assert refused.returncode == 2 and "not a symlink" in refused.stderr
    assert occupied.read_text() == "keep me"


def read_energy(link, address=1):
    return words_to_reading(instrument(link, address).read_registers(0, 10, functioncode=4))["energy_wh"]


@pytest.mark.parametrize("mode", ["wrap", "saturate"])
def test_energy_counter_wraps_or_saturates_at_its_maximum(meter_sim, mode):
    # 3600 W at 1000×: 1000 Wh per second from 99000 towards a maximum of 99999.
    sim = meter_sim("--power", "3600", "--speed", "1000", "--energy", "99000", "--energy-max", "99999",
                   "--energy-max-mode", mode)
    if mode == "wrap":
        support.wait_until(lambda: read_energy(sim.link) < 99000, timeout=20, message="the counter to wrap")
    else:
        support.wait_until(lambda: read_energy(sim.link) == 99999, timeout=20, message="the counter to saturate")
        assert sim.command("power 1 0") == "ok"
        assert read_energy(sim.link) == 99999


def test_broadcast_reset_acts_on_every_meter_without_a_reply(meter_sim):
    sim = meter_sim("--address", "1", "--address", "2", "--energy", "5000", *FROZEN)
    broadcast = bytes.fromhex("00 42") + crc16(bytes.fromhex("00 42"))
    assert raw_exchange(sim.link, broadcast, 4, timeout=0.3) == b""
    assert read_energy(sim.link, 1) == 0 and read_energy(sim.link, 2) == 0


def test_bad_requests_get_no_reply_and_the_bus_recovers(meter_sim):
    sim = meter_sim("--power", "1", *FROZEN)
    # A request with a bad CRC: a slave stays silent.
    assert raw_exchange(sim.link, bytes.fromhex("01 04 00 00 00 0A 70 0E"), 25, timeout=0.3) == b""
    # Half a request, then silence: dropped after t3.5, so the next request is served.
    assert raw_exchange(sim.link, bytes.fromhex("01 04 00"), 25, timeout=0.3) == b""
    assert len(raw_exchange(sim.link, bytes.fromhex("01 04 00 00 00 0A 70 0D"), 25)) == 25
    # Writing an address outside 1..247 is an illegal data value.
    bad_address = bytes.fromhex("01 06 00 02 00 F8") + crc16(bytes.fromhex("01 06 00 02 00 F8"))
    reply = raw_exchange(sim.link, bad_address, 5)
    assert reply[:3] == bytes.fromhex("01 86 03") and crc16(reply[:3]) == reply[3:]
    assert sim.stats()["badframes"] == 2


# --- Eastron SDM120 / SDM630 (meters.md §3): float32, high word first -----------------------

def sdm_floats(values):
    """Independent decode of big-endian float32 register pairs."""
    import struct
    return [struct.unpack(">f", struct.pack(">HH", values[i], values[i + 1]))[0] for i in range(0, len(values), 2)]


def test_mbpoll_reads_sdm_floats_high_word_first(meter_sim):
    sim = meter_sim("--address", "2:sdm120", "--address", "3:sdm630", "--power", "2759.8", "--voltage", "230.1",
                    "--energy", "1234500", *FROZEN)
    # -B: big-endian word order (high word first), as the SDMs send it; reference 73 is register 0x0048.
    code, values, output = mbpoll(sim.link, "-a", "2", "-t", "3:float", "-B", "-r", "73", "-c", "1")
    assert code == 0, output
    assert re.search(r"^\[73\]:\s+1234\.5\b", output, re.M), output
    code, _, output = mbpoll(sim.link, "-a", "3", "-t", "3:float", "-B", "-r", "1", "-c", "3")
    assert code == 0, output
    assert len(re.findall(r"^\[\d+\]:\s+230\.1\d*", output, re.M)) == 3, output     # L1, L2, L3 voltage
    code, _, output = mbpoll(sim.link, "-a", "3", "-t", "3:float", "-B", "-r", "53", "-c", "1")   # 0x0034
    assert code == 0 and re.search(r"^\[53\]:\s+2759\.8\d*", output, re.M), output


def test_minimalmodbus_reads_the_sdm_maps_of_the_spec(meter_sim):
    sim = meter_sim("--address", "1:sdm120", "--address", "4:sdm630", "--power", "1200", "--voltage", "230",
                    "--energy", "16384002", *FROZEN)
    sdm120 = instrument(sim.link, 1)
    float_at = lambda meter, reg: meter.read_float(reg, functioncode=4, number_of_registers=2)
    assert float_at(sdm120, 0x0000) == pytest.approx(230.0)
    assert float_at(sdm120, 0x0006) == pytest.approx(1200 / 230, rel=1e-6)
    assert float_at(sdm120, 0x000C) == pytest.approx(1200.0)
    assert float_at(sdm120, 0x001E) == pytest.approx(1.0)
    assert float_at(sdm120, 0x0046) == pytest.approx(50.0)
    # 16 384.002 kWh is not a float32: the nearest one is 16 384.001953125 (1.95 Wh steps up here).
    assert float_at(sdm120, 0x0048) == 16384.001953125
    assert float_at(sdm120, 0x0156) == 16384.001953125       # total energy (no export)
    sdm630 = instrument(sim.link, 4)
    assert [float_at(sdm630, 0x000C + 2 * n) for n in range(3)] == [pytest.approx(400.0)] * 3
    assert float_at(sdm630, 0x0034) == pytest.approx(1200.0)
    assert float_at(sdm630, 0x00C8) == pytest.approx(230.0 * 3 ** 0.5, rel=1e-6)   # L1-L2, the scan's probe
    # The daemon's two reads per poll, as one block each, decode the same with pymodbus.
    reply = pymodbus_read(sim.link, address=4, start=0x0034, count=22)
    assert not reply.isError(), reply
    block = sdm_floats(reply.registers)
    assert block[0] == pytest.approx(1200.0) and block[9] == pytest.approx(50.0) and block[10] == 16384.001953125


def test_sdm_exceptions_as_a_real_sdm_gives_them(meter_sim, tmp_path):
    sim = meter_sim("--address", "1:sdm120", "--address", "2:sdm630", *FROZEN)
    exception = lambda frame: raw_exchange(sim.link, frame + crc16(frame), 5, timeout=1)
    # Odd count: illegal data value; odd start: illegal data address (the SDMs read whole floats).
    assert exception(bytes.fromhex("01 04 00 00 00 01"))[:3] == bytes.fromhex("01 84 03")
    assert exception(bytes.fromhex("01 04 00 01 00 02"))[:3] == bytes.fromhex("01 84 02")
    # The SDM120 has no line-to-line voltage (0x00C8): illegal data address. The SDM630 has.
    assert exception(bytes.fromhex("01 04 00 C8 00 02"))[:3] == bytes.fromhex("01 84 02")
    assert raw_exchange(sim.link, bytes.fromhex("02 04 00 C8 00 02") + crc16(bytes.fromhex("02 04 00 C8 00 02")), 9)[:3] \
        == bytes.fromhex("02 04 04")
    # More than 50 registers: illegal data address (openWB's report, meters.md §3).
    assert exception(bytes.fromhex("02 04 00 00 00 34"))[:3] == bytes.fromhex("02 84 02")
    # No holding-register writes with FC 06, no PZEM reset: illegal function.
    assert exception(bytes.fromhex("01 06 00 01 00 02"))[:3] == bytes.fromhex("01 86 01")
    assert raw_exchange(sim.link, bytes.fromhex("01 42 80 11"), 5, timeout=1)[:3] == bytes.fromhex("01 C2 01")
    with pytest.raises(minimalmodbus.IllegalRequestError):
        instrument(sim.link, 1).read_registers(0x0048, 1, functioncode=4)
    # The general address 0xF8 is a PZEM's: a lone SDM does not answer it.
    lone = meter_sim("--address", "5:sdm630", *FROZEN, link=tmp_path / "ttySDM")
    assert raw_exchange(lone.link, bytes.fromhex("F8 04 00 00 00 0A 64 64"), 25, timeout=0.5) == b""
    assert lone.stats()["ignored"] == 1
