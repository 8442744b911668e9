"""Runs the real tanglemeter firmware for end-to-end tests, the way a user would: a config file,
a meter-sim on a pty, the simulated GPIO directory, and real `socat` on the real socket.

Binaries come from $TM_BIN_DIR (default build/) and run through $TM_RUNNER (default none;
"qemu-aarch64-static -L /" for the aarch64 pass), so one test suite serves both architectures.
Every process started here is stopped by `close()`, which the fixtures always call.
"""
import os
import shlex
import signal
import subprocess
import time

import support

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN_DIR = os.path.join(ROOT, os.environ.get("TM_BIN_DIR", "build"))
RUNNER = shlex.split(os.environ.get("TM_RUNNER", ""))
# Emulated binaries start and answer more slowly, and so does everything when pytest-xdist runs
# tests side by side: deadlines scale; timing assertions are marked `serial` and run alone.
SLOW = (4.0 if RUNNER else 1.0) * (2.0 if os.environ.get("PYTEST_XDIST_WORKER") else 1.0)


def binary(name):
    return RUNNER + [os.path.join(BIN_DIR, name)]


def wait_until(condition, timeout=5.0, interval=0.02, what="condition"):
    """Polls `condition` until it returns a truthy value; fails with `what` after `timeout` s."""
    deadline = time.monotonic() + timeout * SLOW
    last = None
    while time.monotonic() < deadline:
        last = condition()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout * SLOW:.1f}s waiting for {what} (last: {last!r})")


class Simulator:
    """meter-sim on a pty: `link` is the device path the daemon opens."""

    def __init__(self, workdir, addresses=(1,), power=0, energy=0, extra=()):
        self.link = os.path.join(workdir, "ttySIM")
        args = binary("meter-sim") + ["--link", self.link]
        for a in addresses:
            args += ["--address", str(a)]
        args += ["--power", str(power), "--energy", str(energy), *extra]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True, bufsize=1)
        line = self.proc.stdout.readline()
        assert line.strip() == f"ready {self.link}", f"meter-sim said {line!r}"

    def command(self, text):
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()

    def stats(self):
        self.command("stats")
        return self.proc.stdout.readline().strip()

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


DEFAULT_METER = {
    "modbus.address": "1",
    "relay.line": "17",
    "led.line": "27",
    "tariff": "1000 IOTA/kWh",
}


class Daemon:
    """One tanglemeter daemon with its own config, journal, socket and sim GPIO directory."""

    def __init__(self, workdir, device, meters=None, settings=None):
        self.workdir = workdir
        self.device = device
        self.meters = meters if meters is not None else {"main": dict(DEFAULT_METER)}
        self.settings = settings or {}
        self.sock = (settings or {}).get("socket.path") or os.path.join(workdir, "tm.sock")
        self.gpio_dir = os.path.join(workdir, "gpio")
        self.journal = os.path.join(workdir, "state", "journal")
        self.config = os.path.join(workdir, "tanglemeter.conf")
        self.log_path = os.path.join(workdir, "daemon.log")
        self.proc = None
        self.write_config()

    def config_text(self):
        settings = {
            "serial.device": self.device,
            "serial.timeout": "200ms",
            "poll.interval": "200ms",
            "socket.path": self.sock,
            "socket.mode": "0666",
            "journal.path": self.journal,
            "journal.checkpoint": "1s",
            "gpio.backend": "sim",
            "gpio.sim_dir": self.gpio_dir,
            "meter.fault_timeout": "2s",
        }
        settings.update(self.settings)
        lines = [f"{k} = {v}" for k, v in settings.items() if v is not None]
        for name, keys in self.meters.items():
            lines.append(f"[meter {name}]")
            lines += [f"{k} = {v}" for k, v in keys.items() if v is not None]
        return "\n".join(lines) + "\n"

    def write_config(self, text=None):
        with open(self.config, "w") as f:
            f.write(text if text is not None else self.config_text())

    def start(self, env=None, wait=True):
        self.log = open(self.log_path, "a")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.proc = subprocess.Popen(binary("tanglemeter") + ["-c", self.config],
                                     stdout=self.log, stderr=subprocess.STDOUT, env=full_env)
        if wait:
            wait_until(lambda: self.proc.poll() is not None or self.try_query("version"),
                       timeout=10, what="the control socket")
            assert self.proc.poll() is None, f"daemon exited {self.proc.returncode}: {self.log_text()}"
        return self

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    # --- the socket, through real socat ------------------------------------------------------
    def raw(self, data, timeout=5.0):
        """Sends raw bytes with socat, half-closes, returns everything the daemon sent back."""
        out = subprocess.run(["socat", "-t", str(timeout), "-", f"UNIX-CONNECT:{self.sock}"],
                             input=data, capture_output=True, timeout=timeout * SLOW + 5)
        return out.stdout

    def query(self, command):
        """One request; returns (data lines, final line)."""
        reply = self.raw((command + "\n").encode()).decode()
        lines = reply.splitlines()
        assert lines, f"no reply to {command!r}"
        return lines[:-1], lines[-1]

    def try_query(self, command):
        try:
            if not os.path.exists(self.sock):
                return None
            data, final = self.query(command)
            return final == "OK"
        except (AssertionError, subprocess.TimeoutExpired):
            return None

    def ok(self, command):
        data, final = self.query(command)
        assert final == "OK", f"{command!r} -> {final!r}"
        return data

    def status(self, meter=None):
        data = self.ok("status" + (f" {meter}" if meter else ""))
        result = {}
        for line in data:
            key, _, value = line.partition(" ")
            result[key] = value
        return result

    def gpio(self, line):
        """The physical level of a GPIO line as the sim backend's file says (None: no file yet)."""
        try:
            with open(os.path.join(self.gpio_dir, str(line))) as f:
                return f.read()
        except FileNotFoundError:
            return None

    def cli(self, *args, timeout=10):
        return subprocess.run(binary("tanglemeter") + list(args), capture_output=True, text=True,
                              timeout=timeout * SLOW)

    # --- stopping ---------------------------------------------------------------------------
    def stop(self, sig=signal.SIGTERM, timeout=10):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("daemon did not stop on " + signal.Signals(sig).name)
        return self.proc.returncode if self.proc else None

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        # Captured by pytest and shown only when the test failed: what the daemon said is usually
        # the explanation of a failure (and of a flaky one, the only one there will be).
        if os.path.exists(self.log_path):
            support.check_firmware_output(self.log_text().splitlines(), self.log_path)
            print(f"--- {self.log_path} (last 40 lines)")
            print("\n".join(self.log_text().splitlines()[-40:]))
