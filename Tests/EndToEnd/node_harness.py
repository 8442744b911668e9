"""The IOTA node stand-in (Tests/support/fake_node.py) for end-to-end tests: started on a free
loopback port, driven through its /_control interface, always stopped afterwards."""
import json
import os
import ssl
import subprocess
import sys
import urllib.request

from daemon_harness import ROOT

FAKE_NODE = os.path.join(ROOT, "Tests", "support", "fake_node.py")
ADDRESS = "0x" + "5f" * 32
OTHER = "0x" + "a7" * 32


class Node:
    def __init__(self, chain="mainnet", tls=None):
        args = [sys.executable, FAKE_NODE, "--port", "0", "--chain", chain]
        if tls:
            args += ["--tls", tls[0], tls[1]]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "ready", f"fake_node said {line!r}"
        self.port = int(line[1])
        self.url = line[2].rstrip("/")
        self.control_url = f"http://127.0.0.1:{self.port}/_control"

    def control(self, cmd, **args):
        """One /_control command. Under --tls the control endpoint is HTTPS too; the test's own
        calls skip certificate checks (the daemon's are what is under test)."""
        body = json.dumps(dict(cmd=cmd, **args)).encode()
        url = self.control_url
        context = None
        if self.url.startswith("https"):
            url = url.replace("http://", "https://")
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        req = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10, context=context) as r:
            return json.loads(r.read())

    def pay(self, amount, to=ADDRESS, **args):
        return self.control("pay", to=to, amount=amount, **args)["digests"]

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
