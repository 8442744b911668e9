"""The operator locked out, the loop blocked, wrong answers (issue 17, items 6–9 and 12): a crowd of
non-admin clients cannot take the admin slots, `reload` of a FIFO or a directory neither blocks the
loop nor answers `read fd 8`, an overflowing credit is a 409 that names the overflow, a watch ends
with `OK` on a half-close and `query watch` streams, and a missing serial device is logged with
its cause."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import textwrap
import time

import pytest

from daemon_harness import SLOW, Daemon, Simulator, binary, wait_until

NOBODY = 65534
WATCH_LINE = re.compile(r"^\d+ main relay=(on|off) balance_nanos=-?\d+ power_w=\d+\.\d energy_wh=\d+$")

# Run as `nobody` (setpriv) by the system's python (the venv's lives under /root): opens N
# connections to the socket, counts those the daemon turned away with `ERR 503 too many clients`,
# and holds the rest open until stdin closes.
CROWD = textwrap.dedent("""
    import resource, select, socket, sys, time
    path, n, seconds, expected = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 64), hard))
    socks = {}
    poller = select.poll()
    for _ in range(n):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        socks[s.fileno()] = s
        poller.register(s, select.POLLIN)
    refused = 0
    deadline = time.monotonic() + seconds
    # Turned-away connections get the line and end; kept ones stay silent. Wait for the expected
    # count, then a little more, so that more refusals than expected would be seen too.
    while time.monotonic() < deadline:
        ready = poller.poll(300)
        for fd, _ in ready:
            poller.unregister(fd)
            if socks[fd].recv(100).startswith(b"ERR 503 too many clients"):
                refused += 1
        if not ready and refused >= expected:
            break
    print(f"refused {refused} of {n}", flush=True)
    sys.stdin.read()
""")


@pytest.fixture
def rig(tmp_path):
    started = []

    def start(power=0, energy=1000, settings=None, meters=None, wait=True):
        sim = Simulator(str(tmp_path), power=power, energy=energy)
        d = Daemon(str(tmp_path), sim.link, settings=settings, meters=meters)
        started.append((sim, d))
        d.start(wait=wait)
        return sim, d

    yield start
    for sim, d in started:
        d.close()
        sim.close()


@pytest.mark.x86_only
def test_a_crowd_of_non_admin_clients_cannot_take_the_admin_slots(rig, tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root to run the crowd as another uid")
    # The socket in a folder `nobody` may traverse (pytest's tmp_path is 0700).
    sockdir = tempfile.mkdtemp(prefix="tm-crowd-")
    os.chmod(sockdir, 0o755)
    crowd = None
    try:
        sim, d = rig(settings={"socket.path": os.path.join(sockdir, "tm.sock")})
        wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
        n = 1030                                    # more than the 1024 slots
        crowd = subprocess.Popen(["setpriv", "--reuid", str(NOBODY), "--regid", str(NOBODY), "--clear-groups",
                                  "/usr/bin/python3", "-c", CROWD, d.sock, str(n), str(10 * SLOW), str(n - 992)],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = crowd.stdout.readline()
        assert line.startswith("refused "), (line, crowd.wait(timeout=5) if not line else "", crowd.stderr.read())
        refused = int(line.split()[1])
        # 992 non-admin slots: the 38 beyond them were turned away, the last 32 slots are free.
        assert refused == n - 992, line
        # The operator still gets through, with the crowd still connected.
        data, final = d.query("relay main off")
        assert final == "OK", final
        assert d.status()["main.relay"] == "off"
        assert "relay override off by uid 0" in d.log_text()
    finally:
        if crowd:
            crowd.stdin.close()
            crowd.wait(timeout=30)
        shutil.rmtree(sockdir, ignore_errors=True)


@pytest.mark.serial
def test_reload_of_a_fifo_or_a_directory_answers_at_once_and_the_loop_goes_on(rig):
    sim, d = rig(power=1000)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    os.rename(d.config, d.config + ".good")
    os.mkfifo(d.config)
    try:
        reads_before = int(dict(l.split(" ", 1) for l in d.ok("meter main"))["main.reads"])
        started = time.monotonic()
        data, final = d.query("reload")
        elapsed = time.monotonic() - started
        assert final.startswith("ERR 400") and "is a FIFO, not a regular file" in final, final
        assert elapsed < 2 * SLOW, elapsed
        # SIGHUP takes the same path: the loop must not block there either.
        d.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: int(dict(l.split(" ", 1) for l in d.ok("meter main"))["main.reads"]) > reads_before + 2,
                   what="meter polls going on after the reloads")
        assert d.status()["main.meter"] == "ok"
    finally:
        os.unlink(d.config)
    # A directory: the message says what is wrong, not `read fd 8`.
    os.mkdir(d.config)
    data, final = d.query("reload")
    assert final.startswith("ERR 400") and "is a directory, not a regular file" in final, final
    assert "fd " not in final, final
    os.rmdir(d.config)
    os.rename(d.config + ".good", d.config)
    assert d.query("reload")[1] == "OK"


def test_an_overflowing_credit_is_a_409_naming_the_overflow(rig):
    sim, d = rig()
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    d.ok("credit main 9223372036 IOTA")
    data, final = d.query("credit main 1 IOTA")
    assert final.startswith("ERR 409") and "overflow" in final, final
    assert "journal" not in final, final
    st = d.status()
    assert st["main.credited_nanos"] == "9223372036000000000", st
    assert st["journal"] == "ok"


def test_a_watch_ends_with_ok_on_half_close_and_query_watch_streams(rig):
    sim, d = rig(power=500)
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    # socat sends the request and half-closes: the watch ends with OK.
    lines = d.raw(b"watch main\n").decode().splitlines()
    assert lines and lines[-1] == "OK", lines
    assert all(WATCH_LINE.match(l) for l in lines[:-1]), lines
    # `query watch main` streams until interrupted, as socat does.
    q = subprocess.Popen(binary("tanglemeter") + ["-c", d.config, "query", "watch", "main"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        got = [q.stdout.readline().rstrip("\n") for _ in range(3)]
        assert all(WATCH_LINE.match(l) for l in got), (got, q.poll(), q.stderr.read() if q.poll() is not None else "")
        assert q.poll() is None, "query watch ended by itself"
        q.send_signal(signal.SIGINT)
        assert q.wait(timeout=5 * SLOW) != 0
    finally:
        if q.poll() is None:
            q.kill()
            q.wait()
    # A reply cut off before its final line is still exit 2 (DESIGN §3.1): the daemon is gone
    # while a watch streams.
    q = subprocess.Popen(binary("tanglemeter") + ["-c", d.config, "query", "watch"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert WATCH_LINE.match(q.stdout.readline().rstrip("\n"))
    d.kill9()
    assert q.wait(timeout=10 * SLOW) == 2
    assert "before the final OK/ERR line" in q.stderr.read()


def test_the_relay_override_is_logged_with_its_word(rig):
    sim, d = rig()
    for mode in ("on", "off", "auto"):
        d.ok(f"relay main {mode}")
    log = d.log_text()
    for mode in ("on", "off", "auto"):
        assert f"main: relay override {mode} by uid 0" in log, log


def test_the_firmware_holds_no_value_printed_by_reflection():
    """Embedded Swift links its reflection fallback (and its phrase) only where some interpolation
    needs it: its absence proves no code path, exercised by a test or not, prints a value so."""
    with open(binary("tanglemeter")[-1], "rb") as f:
        assert b"cannot print value in embedded Swift" not in f.read()


def test_a_missing_serial_device_is_logged_with_its_cause(tmp_path):
    missing = str(tmp_path / "ttyUSB-nothing")
    d = Daemon(str(tmp_path), missing)
    try:
        d.start()
        wait_until(lambda: "No such file or directory" in d.log_text(), what="the cause in the log")
        log = d.log_text()
        assert f"main: meter does not answer: open {missing}" in log, log
        assert d.status()["main.reason"] in ("meter-fault", "starting")
        # Logged once per fault, not at every poll.
        time.sleep(1.0)
        assert d.log_text().count("meter does not answer") == 1, d.log_text()
    finally:
        d.close()
