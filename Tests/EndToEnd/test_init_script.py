"""etc/init.d/tanglemeter: start, status, reload, stop with a temporary prefix, under Debian's
start-stop-daemon and BusyBox's (what a minimal image has)."""
import os
import shutil
import subprocess

import pytest

from daemon_harness import BIN_DIR, ROOT, Daemon, Simulator, wait_until

SCRIPT = os.path.join(ROOT, "etc", "init.d", "tanglemeter")


def busybox_path(tmp_path):
    bb = shutil.which("busybox")
    if bb is None:
        pytest.skip("busybox is not installed (make deps installs busybox-static)")
    shim = tmp_path / "bb"
    shim.mkdir()
    os.symlink(bb, shim / "start-stop-daemon")
    return str(shim)


@pytest.mark.x86_only
@pytest.mark.parametrize("flavour", ["debian", "busybox"])
def test_init_script_start_status_reload_stop(tmp_path, flavour):
    sim = Simulator(str(tmp_path), power=0)
    d = Daemon(str(tmp_path), sim.link)
    env = dict(os.environ, DAEMON=os.path.join(BIN_DIR, "tanglemeter"), CONFIG=d.config,
               PIDFILE=str(tmp_path / "run" / "tanglemeter.pid"), LOGFILE=str(tmp_path / "init.log"))
    if flavour == "busybox":
        env["PATH"] = busybox_path(tmp_path) + ":" + env["PATH"]

    def init(action):
        return subprocess.run(["sh", SCRIPT, action], env=env, capture_output=True, text=True, timeout=30)

    try:
        assert init("status").returncode == 3
        started = init("start")
        assert started.returncode == 0, started.stdout + started.stderr
        # `start` returned only once the socket answers, and the daemon's log is kept.
        assert d.try_query("version")
        assert "notice: started" in (tmp_path / "init.log").read_text()
        st = init("status")
        assert st.returncode == 0 and "running" in st.stdout
        assert init("start").returncode == 0          # idempotent
        assert init("reload").returncode == 0
        assert d.try_query("version")
        stopped = init("stop")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr
        assert init("status").returncode == 3
        assert not os.path.exists(env["PIDFILE"])
        assert not os.path.exists(d.sock)
        d.write_config(d.config_text() + "bogus = 1\n")
        refused = init("start")
        assert refused.returncode != 0 and "bad configuration" in refused.stderr
    finally:
        init("stop")
        sim.close()


@pytest.mark.x86_only
def test_init_script_says_when_the_binary_cannot_run(tmp_path):
    """A bookworm-linked firmware on trixie failed in the loader (exit 127) before reading its
    config; the script must not call that a bad configuration. The stand-in prints what glibc's
    loader printed there and exits as it did."""
    daemon = tmp_path / "tanglemeter"
    daemon.write_text("#!/bin/sh\necho \"$0: error while loading shared libraries: libgpiod.so.2: "
                      "cannot open shared object file: No such file or directory\" >&2\nexit 127\n")
    daemon.chmod(0o755)
    config = tmp_path / "tanglemeter.conf"
    config.write_text("gpio.backend = sim\n")
    env = dict(os.environ, DAEMON=str(daemon), CONFIG=str(config),
               PIDFILE=str(tmp_path / "tanglemeter.pid"), LOGFILE=str(tmp_path / "init.log"))
    out = subprocess.run(["sh", SCRIPT, "start"], env=env, capture_output=True, text=True, timeout=30)
    assert out.returncode == 1
    assert "libgpiod.so.2" in out.stderr and f"{daemon} cannot run (exit 127" in out.stderr
    assert "bad configuration" not in out.stderr
    assert not (tmp_path / "tanglemeter.pid").exists()
