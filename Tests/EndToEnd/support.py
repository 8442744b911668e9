"""Process helpers for the end-to-end tests: find the firmware binaries, start them (through
$TM_RUNNER, e.g. qemu for the aarch64 pass), wait for their output with deadlines, and always
stop them. Every helper that starts a process lives here, so cleanup lives in one place."""

import os
import queue
import shlex
import signal
import subprocess
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Generous: under qemu-user a process starts and answers several times slower than natively.
START_TIMEOUT = float(os.environ.get("TM_START_TIMEOUT", "20"))


# What Embedded Swift prints for a value interpolated by reflection (an enum or struct without a
# `description`): never acceptable in the firmware's output. Every line a firmware process writes
# through these helpers or the daemon harness is checked; conftest fails the test that saw one.
REFLECTION_PHRASE = "cannot print value in embedded Swift"
reflection_lines: list[str] = []


def check_firmware_output(lines, source: str) -> None:
    """Records every line of `lines` that shows a value printed by reflection."""
    for line in lines:
        if REFLECTION_PHRASE in line:
            reflection_lines.append(f"{source}: {line}")


def bin_dir() -> Path:
    """Folder of the binaries under test: $TM_BIN_DIR (relative to the repository) or build/."""
    path = Path(os.environ.get("TM_BIN_DIR", "build"))
    return path if path.is_absolute() else REPO / path


def binary(name: str) -> Path:
    return bin_dir() / name


def runner() -> list[str]:
    """The command prefix that runs a binary: [] natively, qemu-aarch64-static for the Pi build."""
    return shlex.split(os.environ.get("TM_RUNNER", ""))


def under_emulation() -> bool:
    return bool(runner())


def command(name: str, *args: str) -> list[str]:
    return [*runner(), str(binary(name)), *map(str, args)]


def wait_until(condition, timeout: float = 5.0, interval: float = 0.01, message: str = "condition"):
    """Polls `condition()` until it returns something truthy; returns that value or raises."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


class Process:
    """A started process whose stdout lines are collected by a reader thread, so a test can wait
    for a line with a deadline instead of sleeping. `stop()` is idempotent and always reaps."""

    def __init__(self, argv: list[str], stdin=subprocess.PIPE, env=None, cwd=None):
        self.argv = argv
        self.proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env, cwd=cwd, text=True, bufsize=1)
        self.lines: "queue.Queue[str]" = queue.Queue()
        self.stdout_log: list[str] = []
        self.stderr_log: list[str] = []
        self._readers = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, self.lines, self.stdout_log), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, None, self.stderr_log), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _pump(self, stream, lines, log):
        for line in stream:
            line = line.rstrip("\n")
            check_firmware_output([line], " ".join(map(str, self.argv))[:100])
            log.append(line)
            if lines is not None:
                lines.put(line)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def read_line(self, timeout: float = 5.0) -> str:
        """The next stdout line, or TimeoutError (with what stderr said) after `timeout` seconds."""
        try:
            return self.lines.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"no output from {self.argv[0]} within {timeout}s; "
                               f"exit={self.proc.poll()} stderr={self.stderr_log[-5:]}") from None

    def wait_for_line(self, predicate, timeout: float = 5.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            line = self.read_line(max(0.0, deadline - time.monotonic()))
            if predicate(line):
                return line

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def signal(self, signum: int) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signum)

    def wait(self, timeout: float = 10.0) -> int:
        code = self.proc.wait(timeout=timeout)
        for reader in self._readers:
            reader.join(timeout=2)
        return code

    def stop(self, timeout: float = 10.0) -> int:
        """SIGTERM, then SIGKILL if it does not go in time; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdin and not self.proc.stdin.closed:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
        return self.wait()


class MeterSim(Process):
    """meter-sim on a pty whose link is `link`; started, and waited for, by `start`."""

    def __init__(self, link: Path, *args: str, stdin=subprocess.PIPE):
        self.link = Path(link)
        super().__init__(command("meter-sim", "--link", str(self.link), *args), stdin=stdin)

    def wait_ready(self) -> "MeterSim":
        line = self.read_line(START_TIMEOUT)
        assert line == f"ready {self.link}", f"unexpected first line {line!r}, stderr={self.stderr_log}"
        assert self.link.is_symlink()
        return self

    def command(self, line: str, timeout: float = 5.0) -> str:
        """Sends one stdin command and returns its one reply line."""
        self.send(line)
        return self.read_line(timeout)

    def stats(self) -> dict[str, int]:
        reply = self.command("stats")
        assert reply.startswith("stats "), reply
        return {key: int(value) for key, value in (field.split("=") for field in reply.split()[1:])}


def start_meter_sim(link: Path, *args: str, stdin=subprocess.PIPE) -> MeterSim:
    sim = MeterSim(link, *args, stdin=stdin)
    try:
        return sim.wait_ready()
    except BaseException:
        sim.stop()
        raise


def crc16(data: bytes) -> bytes:
    """CRC-16/MODBUS, low byte first: an independent implementation for raw frames in tests."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return bytes([crc & 0xFF, crc >> 8])


def raw_exchange(link, request: bytes, expect: int, timeout: float = 2.0) -> bytes:
    """Writes one raw frame with pyserial and reads until `expect` bytes came or the line stayed
    silent for `timeout`; returns what arrived."""
    import serial
    with serial.Serial(str(link), 9600, timeout=0.05) as port:
        port.reset_input_buffer()
        port.write(request)
        data = b""
        deadline = time.monotonic() + timeout
        while len(data) < expect and time.monotonic() < deadline:
            data += port.read(expect - len(data))
        return data
