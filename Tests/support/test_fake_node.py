"""Tests of the IOTA node stand-in itself: the shapes the daemon will rely on, pagination, faults, TLS.

Run: python3 -m pytest -q Tests/support/test_fake_node.py
"""

import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ACCOUNT = "0x5f0cb3d9a2106ea782cbbb609460008797e8c4efd0b033becd0253fdaa3d0250"
OTHER = "0x" + "e1" * 32
OPTIONS = {"showEffects": True, "showBalanceChanges": True, "showInput": False}


class NodeProcess:
    def __init__(self, *extra):
        self.process = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_node.py"), "--port", "0", *extra],
                                        stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()   # the node prints it once listening; EOF if it died
        assert line.startswith("ready "), line
        _, port, self.url = line.split()
        self.port = int(port)
        self.context = None
        self.next_id = 0

    def post(self, path, body, content_type="application/json", timeout=10):
        request = urllib.request.Request(self.url.rstrip("/") + path, data=body, method="POST",
                                         headers={"Content-Type": content_type})
        with urllib.request.urlopen(request, timeout=timeout, context=self.context) as reply:
            return reply.status, reply.headers, reply.read()

    def rpc(self, method, params, timeout=10):
        self.next_id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}).encode()
        status, headers, raw = self.post("/", body, timeout=timeout)
        assert status == 200
        assert headers["Content-Type"] == "application/json; charset=utf-8"
        reply = json.loads(raw)
        if "error" not in reply or reply["id"] is not None:
            assert reply["id"] == self.next_id
        return reply

    def query(self, address=ACCOUNT, cursor=None, limit=50, descending=False, filt=None):
        return self.rpc("iotax_queryTransactionBlocks",
                        [{"filter": filt or {"ToAddress": address}, "options": OPTIONS}, cursor, limit, descending])

    def control(self, cmd, **args):
        status, _, raw = self.post("/_control", json.dumps(dict(args, cmd=cmd)).encode())
        reply = json.loads(raw)
        assert reply["ok"] is True
        return reply

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture
def node():
    process = NodeProcess()
    yield process
    process.stop()


def amount_for(entry, address):
    return sum(int(c["amount"]) for c in entry["balanceChanges"]
               if c["owner"] == {"AddressOwner": address} and c["coinType"].endswith("::iota::IOTA"))


def test_health_methods(node):
    assert node.rpc("iota_getChainIdentifier", [])["result"] == "6364aad5"
    assert node.rpc("iota_getLatestCheckpointSequenceNumber", [])["result"] == "1000"
    node.control("pay", to=ACCOUNT, amount=5)
    assert node.rpc("iota_getLatestCheckpointSequenceNumber", [])["result"] == "1001"


def test_balance_of_unused_address_is_zero_and_counts_payments(node):
    assert node.rpc("iotax_getBalance", [ACCOUNT, "0x2::iota::IOTA"])["result"] == \
        {"coinType": "0x2::iota::IOTA", "coinObjectCount": 0, "totalBalance": "0"}
    node.control("pay", to=ACCOUNT, amount=2_000_000_000, count=2)
    node.control("pay", to=ACCOUNT, amount=7, status="failure")
    assert node.rpc("iotax_getBalance", [ACCOUNT])["result"]["totalBalance"] == "4000000000"


def test_protocol_errors(node):
    assert node.rpc("iotax_nope", [])["error"]["code"] == -32601
    assert node.rpc("iotax_getBalance", ["0xzz"])["error"]["code"] == -32602
    assert node.query(address="0x" + "1" * 65)["error"]["code"] == -32602
    assert node.query(address="0x2")["result"]["data"] == []   # short forms are padded, as newer nodes do
    assert node.query(cursor="11111111111111111111111111111111")["error"]["code"] == -32602
    assert node.query(filt={"FromOrToAddress": {"addr": ACCOUNT}})["error"]["code"] == -32600
    status, _, raw = node.post("/", b'[{"jsonrpc":"2.0","id":1,"method":"iota_getChainIdentifier","params":[]}]')
    assert json.loads(raw) == {"jsonrpc": "2.0", "error": {"code": -32005, "message":
                               "Batched requests are not supported by this server"}, "id": None}
    status, _, raw = node.post("/", b'{"jsonrpc":"2.0",')
    assert json.loads(raw)["error"]["code"] == -32700
    with pytest.raises(urllib.error.HTTPError) as refused:
        node.post("/", b'{"jsonrpc":"2.0","id":1,"method":"iota_getChainIdentifier","params":[]}', "text/plain")
    assert refused.value.code == 415


def test_payment_shape_matches_the_spec(node):
    digest = node.control("pay", to=ACCOUNT, amount=2_000_000_000)["digests"][0]
    entry = node.query()["result"]["data"][0]
    assert entry["digest"] == digest and 32 <= len(digest) <= 44
    assert entry["effects"]["status"] == {"status": "success"}
    assert entry["checkpoint"] == "1001" and int(entry["timestampMs"]) > 1_700_000_000_000
    assert amount_for(entry, ACCOUNT) == 2_000_000_000
    assert all(c["coinType"] == "0x2::iota::IOTA" for c in entry["balanceChanges"])


def test_failed_sweep_pending_foreign_and_partial_entries(node):
    failed = node.control("pay", to=ACCOUNT, amount=9, status="failure")["digests"][0]
    sweep = node.control("pay", to=OTHER, **{"from": ACCOUNT}, amount=1_000)["digests"][0]
    pending = node.control("pay", to=ACCOUNT, amount=3, checkpointed=False)["digests"][0]
    foreign = node.control("pay", to=ACCOUNT, amount=4, coin="0x" + "aa" * 32 + "::usdt::USDT")["digests"][0]
    partial = node.control("pay", to=ACCOUNT, amount=5, partial=True)["digests"][0]
    entries = {e["digest"]: e for e in node.query()["result"]["data"]}
    assert list(entries) == [failed, sweep, pending, foreign, partial]
    assert entries[failed]["effects"]["status"]["status"] == "failure"
    assert len(entries[failed]["balanceChanges"]) == 1 and amount_for(entries[failed], ACCOUNT) == 0
    assert amount_for(entries[sweep], ACCOUNT) < -1_000
    assert "checkpoint" not in entries[pending] and "timestampMs" not in entries[pending]
    assert amount_for(entries[foreign], ACCOUNT) == 0
    assert any(int(c["amount"]) == 4 for c in entries[foreign]["balanceChanges"])
    assert "balanceChanges" not in entries[partial] and entries[partial]["errors"]
    assert node.control("finalize")["digests"] == [pending]
    assert node.query()["result"]["data"][2]["checkpoint"] == str(node.control("state")["checkpoint"])


def test_120_payments_paginate_by_50_with_exclusive_cursor(node):
    digests = node.control("pay", to=ACCOUNT, amount=1_000_000_000, count=120)["digests"]
    seen, cursor, pages = [], None, []
    while True:
        result = node.query(cursor=cursor, limit=100)["result"]   # over the cap: 50
        pages.append(len(result["data"]))
        seen += [e["digest"] for e in result["data"]]
        cursor = result["nextCursor"]
        if not result["hasNextPage"]:
            break
    assert pages == [50, 50, 20]
    assert seen == digests
    empty = node.query(cursor=cursor)["result"]
    assert empty == {"data": [], "nextCursor": cursor, "hasNextPage": False}
    newest = node.query(limit=1, descending=True)["result"]
    assert [e["digest"] for e in newest["data"]] == [digests[-1]] and newest["hasNextPage"] is True
    older = node.query(cursor=digests[5], limit=50, descending=True)["result"]
    assert [e["digest"] for e in older["data"]] == digests[4::-1]


def test_indexer_mode_null_cursor_and_long_coin_type(node):
    digest = node.control("pay", to=ACCOUNT, amount=10)["digests"][0]
    node.control("pay", to=ACCOUNT, amount=11, checkpointed=False)
    node.control("indexer", on=True)
    result = node.query()["result"]
    assert [e["digest"] for e in result["data"]] == [digest]   # only checkpointed data
    assert result["data"][0]["balanceChanges"][0]["coinType"] == "0x" + "0" * 63 + "2::iota::IOTA"
    assert node.query(cursor=digest)["result"]["nextCursor"] is None
    assert node.rpc("iotax_getBalance", [ACCOUNT])["result"]["coinType"].startswith("0x000")


def test_pruned_cursor_becomes_unknown(node):
    digests = node.control("pay", to=ACCOUNT, amount=1, count=3)["digests"]
    node.control("prune", count=1)
    error = node.query(cursor=digests[0])["error"]
    assert error["code"] == -32602 and "Could not find the referenced transaction" in error["message"]


def test_reply_faults(node):
    node.control("fault", mode="http500", count=1)
    with pytest.raises(urllib.error.HTTPError) as failed:
        node.rpc("iota_getChainIdentifier", [])
    assert failed.value.code == 500
    assert node.rpc("iota_getChainIdentifier", [])["result"] == "6364aad5"   # count consumed

    node.control("fault", mode="truncated", count=1)
    _, _, raw = node.post("/", b'{"jsonrpc":"2.0","id":1,"method":"iota_getChainIdentifier","params":[]}')
    with pytest.raises(ValueError):
        json.loads(raw)

    node.control("fault", mode="throttle", count=1)
    assert node.rpc("iotax_getBalance", [ACCOUNT]) == \
        {"jsonrpc": "2.0", "error": {"code": -32009, "message": "Too many requests"}, "id": None}

    node.control("fault", mode="rpc_error", code=-32050, message="transient", count=1)
    assert node.rpc("iotax_getBalance", [ACCOUNT])["error"] == {"code": -32050, "message": "transient"}

    node.control("fault", mode="wrong_chain")
    assert node.rpc("iota_getLatestCheckpointSequenceNumber", [])["result"] == "1000"
    assert node.rpc("iota_getChainIdentifier", [])["result"] != "6364aad5"
    node.control("fault", mode="none")
    assert node.rpc("iota_getChainIdentifier", [])["result"] == "6364aad5"


def test_huge_body_is_announced_and_streamed(node):
    node.control("fault", mode="huge", count=1)
    request = urllib.request.Request(node.url, method="POST", headers={"Content-Type": "application/json"},
                                     data=b'{"jsonrpc":"2.0","id":1,"method":"iota_getChainIdentifier","params":[]}')
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert int(reply.headers["Content-Length"]) == 64 << 20
        assert len(reply.read(1 << 20)) == 1 << 20     # and then we hang up, as a capped client does


def test_hang_never_answers_until_cleared(node):
    node.control("fault", mode="hang")
    started = time.monotonic()
    with pytest.raises((TimeoutError, urllib.error.URLError)):
        node.rpc("iota_getChainIdentifier", [], timeout=1)
    assert time.monotonic() - started >= 0.9
    assert node.control("state")["fault"] == "hang"   # the control endpoint still answers
    node.control("fault", mode="none")
    assert node.rpc("iota_getChainIdentifier", [])["result"] == "6364aad5"


def test_state_counts_requests(node):
    node.rpc("iota_getChainIdentifier", [])
    node.query()
    node.query()
    assert node.control("state")["requests"] == {"iota_getChainIdentifier": 1, "iotax_queryTransactionBlocks": 2}


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl CLI")
def test_tls_verifies_against_our_ca_and_refuses_others(tmp_path):
    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp_path)

    for name in ("ca", "other"):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=test " + name,
                "-keyout", name + ".key", "-out", name + ".pem")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "node.key",
            "-out", "node.csr")
    (tmp_path / "ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "node.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", "ext", "-out", "node.pem")
    process = NodeProcess("--tls", str(tmp_path / "node.pem"), str(tmp_path / "node.key"))
    try:
        assert process.url.startswith("https://127.0.0.1:")
        process.context = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        assert process.rpc("iota_getChainIdentifier", [])["result"] == "6364aad5"
        process.context = ssl.create_default_context(cafile=str(tmp_path / "other.pem"))
        with pytest.raises(urllib.error.URLError) as refused:
            process.rpc("iota_getChainIdentifier", [])
        assert isinstance(refused.value.reason, ssl.SSLCertVerificationError)
    finally:
        process.stop()


def test_drip_sends_one_byte_at_a_time(node):
    node.control("fault", mode="drip", count=1)
    request = urllib.request.Request(node.url, method="POST", headers={"Content-Type": "application/json"},
                                     data=b'{"jsonrpc":"2.0","id":1,"method":"iota_getChainIdentifier","params":[]}')
    started = time.monotonic()
    with urllib.request.urlopen(request, timeout=10) as reply:
        length = int(reply.headers["Content-Length"])
        assert reply.read(2) == b'{"'
        assert time.monotonic() - started >= 0.4          # the second byte came half a second later
        assert length > 40                                 # so the whole reply would take 20 s


def test_chain_option_and_unknown_control_command():
    process = NodeProcess("--chain", "testnet")
    try:
        assert process.rpc("iota_getChainIdentifier", [])["result"] == "2304aa97"
        with pytest.raises(urllib.error.HTTPError) as refused:
            process.control("explode")
        assert refused.value.code == 400
    finally:
        process.stop()
