"""The Python reference for `make bench`'s side-by-side row: a PZEM-004T v3 poller written the way
the original prototype was (minimalmodbus, one full reading of the 10 input registers per poll,
decoded to volts, amps, watts, Wh, Hz, power factor and alarm), reading the same meter-sim.

    reference_poller.py DEVICE INTERVAL_S SECONDS
Polls DEVICE every INTERVAL_S for SECONDS, then prints one JSON object: readings, failures, the
CPU seconds this process spent in the polling loop (CLOCK_PROCESS_CPUTIME_ID), and its memory
(VmRSS, RssAnon in KiB) at the end.
"""
import json
import sys
import time

import minimalmodbus


def memory_kib():
    figures = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon"):
                figures[key] = int(value.split()[0])
    return figures


def decode(r):
    return {
        "voltage_v": r[0] / 10,
        "current_a": (r[1] | r[2] << 16) / 1000,
        "power_w": (r[3] | r[4] << 16) / 10,
        "energy_wh": r[5] | r[6] << 16,
        "frequency_hz": r[7] / 10,
        "power_factor": r[8] / 100,
        "alarm": r[9] == 0xFFFF,
    }


def main():
    device, interval, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    meter = minimalmodbus.Instrument(device, 1)
    meter.serial.baudrate = 9600
    meter.serial.timeout = 0.3
    readings = failures = 0
    cpu_start = time.process_time()
    start = time.monotonic()
    next_poll = start
    last = None
    while time.monotonic() - start < seconds:
        try:
            last = decode(meter.read_registers(0, 10, functioncode=4))
            readings += 1
        except (IOError, ValueError):
            failures += 1
        next_poll += interval
        delay = next_poll - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    cpu = time.process_time() - cpu_start
    print(json.dumps({"readings": readings, "failures": failures, "cpu_s": cpu, "last": last, **memory_kib()}))


if __name__ == "__main__":
    main()
