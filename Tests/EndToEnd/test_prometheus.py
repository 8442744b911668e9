"""A fleet of Pis (DESIGN §3.8), with the real parts: the firmware on meter-sim and sim GPIO, the
textfile writer and the rules as `make install` lays them out, Debian's prometheus-node-exporter
(textfile collector only) and Debian's prometheus with the rules loaded, each on 127.0.0.1 on a free
port with its own temporary directory, and each stopped by pid at the end. Prometheus's HTTP API is
asked what it sees; the answer must be what `status` says, and a silent meter must raise
TanglemeterMeterDown. promtool checks and unit-tests the installed rules."""
import json
import os
import shutil
import socket
import stat
import subprocess
import threading
import urllib.parse
import urllib.request

import pytest

import support
from daemon_harness import ROOT, Daemon, Simulator, wait_until

pytestmark = pytest.mark.x86_only   # one run is enough: nothing here differs on the Pi build

IOTA = 1_000_000_000
TOOLS = {"promtool": "prometheus", "prometheus": "prometheus",
         "prometheus-node-exporter": "prometheus-node-exporter"}


def need_tools():
    for tool, package in TOOLS.items():
        if not shutil.which(tool):
            pytest.skip(f"{tool} is not installed (make deps installs {package})")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """`make install DESTDIR=…` of the firmware already built: the files as on a Pi."""
    destdir = tmp_path_factory.mktemp("destdir")
    # Not the variables of a `make e2e` that runs this test (a DESTDIR or ARCH given to it, say).
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    out = subprocess.run(["make", "-s", "--no-print-directory", "install", f"DESTDIR={destdir}"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return destdir


def busybox_only_path(tmp_path):
    """A PATH of BusyBox applets and nothing else, as on a minimal image."""
    busybox = shutil.which("busybox")
    if not busybox:
        pytest.skip("busybox is not installed (make deps installs busybox-static)")
    bin_dir = tmp_path / "busybox-bin"
    bin_dir.mkdir()
    for applet in ("sh", "mv", "rm", "cat"):
        (bin_dir / applet).symlink_to(busybox)
    return str(bin_dir)


def run_writer(installed, config, directory, path=None):
    """The installed writer, told where the firmware under test is (it defaults to /usr/sbin); with
    `path`, under that PATH's `sh`."""
    env = dict(os.environ, TANGLEMETER=os.path.join(installed, "usr/sbin/tanglemeter"))
    if path:
        env["PATH"] = path
    argv = ["sh", os.path.join(installed, "usr/sbin/tanglemeter-textfile"), "-c", str(config), str(directory)]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=20)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=2.0):
    with urllib.request.urlopen(url, timeout=timeout) as reply:
        return reply.read().decode()


def up(url):
    try:
        http_get(url)
        return True
    except OSError:
        return False


def prom_api(port, path, **params):
    query = urllib.parse.urlencode(params)
    reply = json.loads(http_get(f"http://127.0.0.1:{port}/api/v1/{path}" + (f"?{query}" if query else "")))
    assert reply["status"] == "success", reply
    return reply["data"]


def prom_values(port, expr):
    """An instant query: {meter label (or "") → value as text}."""
    return {r["metric"].get("meter", ""): r["value"][1] for r in prom_api(port, "query", query=expr)["result"]}


# --- the installed files and promtool ------------------------------------------------------------

def test_make_install_lays_out_the_writer_its_timer_and_the_rules(installed):
    writer = installed / "usr/sbin/tanglemeter-textfile"
    assert stat.S_IMODE(writer.stat().st_mode) == 0o755
    service = (installed / "lib/systemd/system/tanglemeter-textfile.service").read_text()
    assert any(line.startswith("ExecStart=/usr/sbin/tanglemeter-textfile ") for line in service.splitlines())
    timer = (installed / "lib/systemd/system/tanglemeter-textfile.timer").read_text()
    assert "WantedBy=timers.target" in timer.splitlines()
    period = next(line.split("=")[1] for line in timer.splitlines() if line.startswith("OnUnitActiveSec="))
    assert 15 <= int(period.rstrip("s")) <= 60, period
    cron = (installed / "usr/share/tanglemeter/cron.d/tanglemeter-textfile").read_text()
    assert "/usr/sbin/tanglemeter-textfile" in cron
    assert (installed / "usr/share/tanglemeter/prometheus/tanglemeter.rules.yml").is_file()


def test_promtool_checks_and_unit_tests_the_installed_rules(installed):
    need_tools()
    rules = installed / "usr/share/tanglemeter/prometheus"
    check = subprocess.run(["promtool", "check", "rules", "tanglemeter.rules.yml"], cwd=rules,
                           capture_output=True, text=True, timeout=60)
    assert check.returncode == 0 and "SUCCESS" in check.stdout, check.stdout + check.stderr
    unit = subprocess.run(["promtool", "test", "rules", "tanglemeter.rules.test.yml"], cwd=rules,
                          capture_output=True, text=True, timeout=60)
    assert unit.returncode == 0 and "SUCCESS" in unit.stdout, unit.stdout + unit.stderr
    # Every alert of the rules file has a case in the unit tests.
    alerts = {line.split(":", 1)[1].strip() for line in (rules / "tanglemeter.rules.yml").read_text().splitlines()
              if line.strip().startswith("- alert:")}
    tested = (rules / "tanglemeter.rules.test.yml").read_text()
    assert len(alerts) >= 7
    assert all(f"alertname: {a}" in tested for a in alerts), alerts


# --- the textfile writer ---------------------------------------------------------------------------

@pytest.fixture
def one_meter(tmp_path):
    sim = Simulator(str(tmp_path), addresses=(1,), power=0, energy=1000)
    d = Daemon(str(tmp_path), sim.link)
    yield sim, d
    d.close()
    sim.close()


@pytest.mark.parametrize("shell", ["sh", "busybox"])
def test_writer_writes_the_metrics_reply_and_keeps_the_old_file_when_the_daemon_is_gone(
        installed, one_meter, tmp_path, shell):
    path = busybox_only_path(tmp_path) if shell == "busybox" else None
    sim, d = one_meter
    d.start()
    wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
    out_dir = tmp_path / "textfile"
    out_dir.mkdir()
    prom = out_dir / "tanglemeter.prom"

    done = run_writer(installed, d.config, out_dir, path)
    assert done.returncode == 0, done.stderr
    text = prom.read_text()
    lines = text.splitlines()
    assert text.endswith("\n") and "OK" not in lines
    assert "# TYPE tanglemeter_balance_nanos gauge" in lines
    assert 'tanglemeter_relay_closed{meter="main"} 0' in lines
    assert stat.S_IMODE(prom.stat().st_mode) == 0o644       # the node exporter runs as another user
    assert sorted(os.listdir(out_dir)) == ["tanglemeter.prom"]   # no temporary file left behind

    # The file follows the daemon: a credit shows at the next run.
    d.ok("credit main 3 IOTA")
    assert run_writer(installed, d.config, out_dir, path).returncode == 0
    assert f'tanglemeter_balance_nanos{{meter="main"}} {3 * IOTA}' in prom.read_text().splitlines()

    # The daemon gone: non-zero, a message, and the last good file untouched.
    before = prom.read_bytes(), prom.stat().st_mtime_ns
    d.stop()
    failed = run_writer(installed, d.config, out_dir, path)
    assert failed.returncode != 0
    assert "left as it was" in failed.stderr
    assert (prom.read_bytes(), prom.stat().st_mtime_ns) == before
    assert sorted(os.listdir(out_dir)) == ["tanglemeter.prom"]

    # No such directory, and a wrong argument, are errors too.
    assert run_writer(installed, d.config, tmp_path / "missing", path).returncode != 0
    script = os.path.join(installed, "usr/sbin/tanglemeter-textfile")
    wrong = subprocess.run(["sh", script, "-x"], env=dict(os.environ, PATH=path or os.environ["PATH"]),
                           capture_output=True, text=True, timeout=10)
    assert wrong.returncode != 0 and "usage" in wrong.stderr


def test_writer_keeps_the_old_file_when_the_reply_ends_without_ok(installed, tmp_path):
    """A daemon that dies mid-reply: `query` exits 2, and half a reply never replaces the file."""
    sock_path = str(tmp_path / "half.sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(sock_path)
    listener.listen(4)

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(512)
                conn.sendall(b"# HELP tanglemeter_relay_closed 1 when the relay is closed.\n"
                             b"# TYPE tanglemeter_relay_closed gauge\n")

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    try:
        d = Daemon(str(tmp_path), str(tmp_path / "ttyNONE"), settings={"socket.path": sock_path})
        out_dir = tmp_path / "textfile"
        out_dir.mkdir()
        prom = out_dir / "tanglemeter.prom"
        prom.write_text("tanglemeter_uptime_seconds 1\n")
        done = run_writer(installed, d.config, out_dir)
        assert done.returncode != 0, done.stdout
        assert "exit 2" in done.stderr
        assert prom.read_text() == "tanglemeter_uptime_seconds 1\n"
        assert sorted(os.listdir(out_dir)) == ["tanglemeter.prom"]
    finally:
        listener.close()


# --- the whole chain: daemon → writer → node exporter → Prometheus ---------------------------------

class WriterLoop:
    """Runs the installed writer every `period` seconds, as the systemd timer would (faster)."""

    def __init__(self, installed, config, directory, period=0.3):
        self.args = (installed, config, directory)
        self.period = period
        self.runs = 0
        self.failures = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stopping.is_set():
            done = run_writer(*self.args)
            self.runs += 1
            if done.returncode != 0:
                self.failures.append(done.stderr)
            self.stopping.wait(self.period)

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=30)


def test_prometheus_sees_what_status_says_and_raises_meter_down(installed, tmp_path, processes):
    need_tools()
    sim = Simulator(str(tmp_path), addresses=(1, 2), power=0, energy=1000)
    d = Daemon(str(tmp_path), sim.link, meters={
        "main": {"modbus.address": "1", "relay.line": "17", "tariff": "1000 IOTA/kWh"},
        "flat": {"modbus.address": "2", "relay.line": "18", "tariff": "1000 IOTA/kWh"},
    })
    writer = None
    try:
        d.start()
        wait_until(lambda: d.status()["flat.meter"] == "ok" and d.status()["main.meter"] == "ok",
                   what="both meters read")
        d.ok("credit main 2.5 IOTA")
        wait_until(lambda: d.status()["main.relay"] == "on", what="main's relay closed on credit")

        textfile_dir = tmp_path / "textfile"
        textfile_dir.mkdir()
        writer = WriterLoop(installed, d.config, textfile_dir)
        wait_until(lambda: (textfile_dir / "tanglemeter.prom").exists(), what="the first textfile")

        node_port, prom_port = free_port(), free_port()
        node_exporter = support.Process(
            ["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{node_port}",
             "--collector.disable-defaults", "--collector.textfile",
             f"--collector.textfile.directory={textfile_dir}"], stdin=subprocess.DEVNULL)
        processes.append(node_exporter)
        config = tmp_path / "prometheus.yml"
        rules = installed / "usr/share/tanglemeter/prometheus/tanglemeter.rules.yml"
        config.write_text(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            f"rule_files:\n  - {rules}\n"
            "scrape_configs:\n  - job_name: node\n"
            f"    static_configs:\n      - targets: ['127.0.0.1:{node_port}']\n")
        prometheus = support.Process(
            ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{prom_port}"], stdin=subprocess.DEVNULL, cwd=tmp_path)
        processes.append(prometheus)

        wait_until(lambda: up(f"http://127.0.0.1:{node_port}/metrics") or node_exporter.proc.poll() is not None,
                   timeout=20, what="the node exporter")
        assert node_exporter.proc.poll() is None, node_exporter.stderr_log[-10:]
        wait_until(lambda: up(f"http://127.0.0.1:{prom_port}/-/ready") or prometheus.proc.poll() is not None,
                   timeout=30, what="Prometheus ready")
        assert prometheus.proc.poll() is None, prometheus.stderr_log[-10:]
        groups = prom_api(prom_port, "rules")["groups"]
        assert {r["name"] for g in groups for r in g["rules"]} >= {"TanglemeterFreeEnergy", "TanglemeterMeterDown"}

        # What Prometheus stores is what `status` says (no load: the figures stand still).
        st = d.status()
        expected_balance = {m: st[f"{m}.balance_nanos"] for m in ("main", "flat")}
        expected_relay = {m: "1" if st[f"{m}.relay"] == "on" else "0" for m in ("main", "flat")}
        assert expected_balance == {"main": str(25 * IOTA // 10), "flat": "0"}
        assert expected_relay == {"main": "1", "flat": "0"}
        balance = wait_until(lambda: prom_values(prom_port, "tanglemeter_balance_nanos") == expected_balance,
                             timeout=30, what="Prometheus's tanglemeter_balance_nanos")
        assert balance
        assert prom_values(prom_port, "tanglemeter_relay_closed") == expected_relay
        # The stale-metrics rule's selector matches the file label this node exporter really uses.
        mtimes = prom_values(prom_port, 'node_textfile_mtime_seconds{file=~"(.*/)?tanglemeter\\\\.prom"}')
        assert len(mtimes) == 1, mtimes
        # The node exporter parsed the whole file (it would say 1 on any line it could not read).
        assert prom_values(prom_port, "node_textfile_scrape_error") == {"": "0"}

        # Meter 2 goes silent: the daemon reports it down and Prometheus raises the alert.
        sim.command("silent 2 on")
        wait_until(lambda: d.status()["flat.meter"] == "fault", timeout=10, what="flat's meter fault")

        def meter_down():
            return [a for a in prom_api(prom_port, "alerts")["alerts"]
                    if a["labels"]["alertname"] == "TanglemeterMeterDown"]
        alerts = wait_until(meter_down, timeout=30, what="TanglemeterMeterDown in /api/v1/alerts")
        assert len(alerts) == 1 and alerts[0]["labels"]["meter"] == "flat", alerts
        assert alerts[0]["state"] in ("pending", "firing")
        assert alerts[0]["labels"]["instance"] == f"127.0.0.1:{node_port}"
        # Nothing here gives energy away, and the textfile is fresh.
        names = {a["labels"]["alertname"] for a in prom_api(prom_port, "alerts")["alerts"]}
        assert not names & {"TanglemeterFreeEnergy", "TanglemeterMetricsStale", "TanglemeterJournalDamaged"}, names
        assert writer.runs > 0 and not writer.failures, writer.failures[-3:]
    finally:
        if writer:
            writer.stop()
        d.close()
        sim.close()
