"""The IOTA node stand-in (Tests/support/fake_node.py) for end-to-end tests: started on free
loopback ports, driven through its /_control interface, always stopped afterwards.

One stand-in process serves one chain on one or more endpoints (URLs); each endpoint speaks both
GraphQL and JSON-RPC. `iota.node` names an endpoint per transport: the plain URL is GraphQL,
`jsonrpc:` + the URL is JSON-RPC (DESIGN §3.2)."""
import json
import os
import ssl
import subprocess
import sys
import time
import urllib.request

from daemon_harness import ROOT, Daemon, Simulator

FAKE_NODE = os.path.join(ROOT, "Tests", "support", "fake_node.py")
ADDRESS = "0x" + "5f" * 32
OTHER = "0x" + "a7" * 32
TRANSPORTS = ("graphql", "jsonrpc")


def node_value(url, transport):
    """An `iota.node` entry for `url` over `transport`."""
    return ("jsonrpc:" + url) if transport == "jsonrpc" else url


def paid_daemon(tmp_path, started, node_setting, meters=None, meter_extra=None, settings=None, start=True):
    """The payment tests' rig: a meter-sim with one meter per entry of `meters` ({name: IOTA
    address}; default `main` paid to ADDRESS), each on relay line 17, 18, … at 1 IOTA/kWh, and a
    daemon paid from `node_setting` (a `Node.setting(...)`) every 300 ms. What it starts is
    appended to `started`, which the caller's fixture closes in reverse. Returns (simulator, daemon)."""
    meters = meters or {"main": ADDRESS}
    sim = Simulator(str(tmp_path), addresses=tuple(range(1, len(meters) + 1)), power=0)
    started.append(sim)
    config = {name: {"modbus.address": str(i + 1), "relay.line": str(17 + i), "tariff": "1 IOTA/kWh",
                     "iota.address": address, **(meter_extra or {})}
              for i, (name, address) in enumerate(meters.items())}
    s = {"iota.node": node_setting, "iota.poll_interval": "300ms"}
    s.update(settings or {})
    d = Daemon(str(tmp_path), sim.link, meters=config, settings=s)
    started.append(d)
    if start:
        d.start()
    return sim, d


def credited(d, meter="main"):
    """The nanos credited to `meter`, from `status`."""
    return int(d.status(meter)[f"{meter}.credited_nanos"])


class Node:
    def __init__(self, chain="mainnet", tls=None, endpoints=1, max_page_size=5):
        args = [sys.executable, FAKE_NODE, "--port", "0", "--chain", chain, "--endpoints", str(endpoints),
                "--max-page-size", str(max_page_size)]
        if tls:
            args += ["--tls", tls[0], tls[1]]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "ready", f"fake_node said {line!r}"
        self.port = int(line[1])
        self.urls = [url.rstrip("/") for url in line[2:]]
        self.url = self.urls[0]
        self.down = set()

    def setting(self, transport="graphql", endpoints=None):
        """The `iota.node` value naming these endpoints (default: all, in order) over `transport`
        (one name, or one per endpoint)."""
        chosen = list(range(len(self.urls))) if endpoints is None else list(endpoints)
        kinds = [transport] * len(chosen) if isinstance(transport, str) else list(transport)
        return " ".join(node_value(self.urls[i], kind) for i, kind in zip(chosen, kinds))

    def control(self, cmd, avoid=None, **args):
        """One /_control command, sent to an endpoint that is up (another than `avoid` if there is
        one). Under --tls the control endpoint is HTTPS too; the test's own calls skip certificate
        checks (the daemon's are under test)."""
        body = json.dumps(dict(cmd=cmd, **args)).encode()
        up = [i for i in range(len(self.urls)) if i not in self.down]
        index = ([i for i in up if i != avoid] or up)[0]
        url = self.urls[index] + "/_control"
        context = None
        if url.startswith("https"):
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10, context=context) as r:
            return json.loads(r.read())

    def pay(self, amount, to=ADDRESS, **args):
        return self.control("pay", to=to, amount=amount, **args)["digests"]

    def take_down(self, endpoint):
        """Closes the endpoint's listening socket: the daemon's connections are refused."""
        self.control("down", endpoint=endpoint, avoid=endpoint)
        self.down.add(endpoint)

    def bring_up(self, endpoint):
        self.control("up", endpoint=endpoint)          # sent to an endpoint that is up
        self.down.discard(endpoint)

    def requests(self, endpoint=None, name=None):
        """Requests served (all endpoints, or one), all kinds or one kind (`graphql`, a method…)."""
        state = self.control("state")
        counts = state["requests"] if endpoint is None else state["endpoints"][endpoint]["requests"]
        return sum(counts.values()) if name is None else counts.get(name, 0)

    def scans(self, endpoint=None):
        """Address scans served: GraphQL transactionBlocks pages plus JSON-RPC query pages."""
        return self.requests(endpoint, "graphql.transactionBlocks") + \
            self.requests(endpoint, "iotax_queryTransactionBlocks")

    def rate(self, seconds, endpoint=None):
        """Requests per second over `seconds` of wall-clock time."""
        before = self.requests(endpoint)
        time.sleep(seconds)
        return (self.requests(endpoint) - before) / seconds

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
