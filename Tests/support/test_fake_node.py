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
        _, port, self.url, *self.urls = line.split()
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


# --- GraphQL, checked against the real server's recorded replies (shared/specs/iota-samples/) ------

SAMPLES = os.environ.get("TM_IOTA_SAMPLES", os.path.join(HERE, "..", "..", "..", "..", "shared", "specs",
                                                         "iota-samples"))
if not os.path.isdir(SAMPLES):
    SAMPLES = "/work/shared/specs/iota-samples"
IOTA_LONG = "0x" + "0" * 63 + "2::iota::IOTA"
PAYER = "0x6558c484ce77d5366c4e0e9402d8ad5baf5397d42a04e9c296e989bed9a481bd"
# The daemon's scan, as the graphql branch sends it (Sources/IotaRPC/GraphQLRequest.swift).
SCAN = ("query($a:IotaAddress!,$w:UInt53,$c:String,$n:Int){chainIdentifier checkpoint{sequenceNumber}"
        "availableRange{first{sequenceNumber}}transactionBlocks(first:$n,after:$c,filter:{recvAddress:$a,"
        "afterCheckpoint:$w}){pageInfo{hasNextPage endCursor}nodes{digest effects{status timestamp "
        "checkpoint{sequenceNumber}balanceChanges(first:$n){pageInfo{hasNextPage endCursor}"
        "nodes{owner{address}amount coinType{repr}}}}}}}")
CHANGES = ("query($d:String!,$c:String,$n:Int){chainIdentifier transactionBlock(digest:$d){effects{"
           "balanceChanges(first:$n,after:$c){pageInfo{hasNextPage endCursor}nodes{owner{address}amount "
           "coinType{repr}}}}}}")


def sample(name):
    with open(os.path.join(SAMPLES, name)) as f:
        text = f.read()
    return json.loads(text) if name.endswith(".json") else text


def sample_query(name, **names):
    """A transcript's query as its harness sends it: after the `//# run-graphql` line, @{X} replaced."""
    text = sample(name).split("\n", 1)[1]
    for key, value in names.items():
        text = text.replace("@{%s}" % key, value)
    return text


def shape(value):
    """The JSON structure without the values: keys in order, types of leaves."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def decode_cursor(text):
    import base64
    return json.loads(base64.b64decode(text + "=" * (-len(text) % 4)))


def gql(node, query, variables=None, **extra):
    body = json.dumps(dict({"query": query, "variables": variables or {}}, **extra)).encode()
    status, headers, raw = node.post("/", body)
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    return json.loads(raw)


def scan(node, after_cp=None, cursor=None, n=5, address=ACCOUNT):
    return gql(node, SCAN, {"a": address, "w": after_cp, "c": cursor, "n": n})


@pytest.fixture
def wide_node():
    """A stand-in with the real server's page limit (50), for the samples' default-size pages."""
    process = NodeProcess("--max-page-size", "50")
    yield process
    process.stop()


def test_graphql_chain_identifier_has_the_samples_shape(node):
    reply = gql(node, sample_query("graphql-e2e-chain-identifier-query.graphql"))
    assert shape(reply) == shape(sample("graphql-e2e-chain-identifier-response.json"))
    assert reply == {"data": {"chainIdentifier": "6364aad5"}}


def test_graphql_missing_scan_limit_is_the_samples_error_exactly(node):
    query = sample_query("graphql-e2e-recvaddress-scanlimit-missing-query.graphql", A=PAYER, B=ACCOUNT, Test="0x2")
    assert gql(node, query) == sample("graphql-e2e-error-scan-limit-response.json")


def test_graphql_recv_address_page_has_the_samples_shape_and_cursors(wide_node):
    wide_node.control("pay", to=ACCOUNT, amount=5, count=4, per_checkpoint=2)
    query = sample_query("graphql-e2e-recvaddress-query.graphql", A=PAYER, B=ACCOUNT, Test="0x2")
    query = query.replace(' function: "0x2::M1::create"', "").replace("afterCheckpoint: 1 beforeCheckpoint: 4",
                                                                      "afterCheckpoint: 1000")
    reply = gql(wide_node, query)
    assert shape(reply) == shape(sample("graphql-e2e-recvaddress-response.json"))
    nodes = reply["data"]["transactionBlocks"]["nodes"]
    assert [n["effects"]["checkpoint"]["sequenceNumber"] for n in nodes] == [1001, 1001, 1002, 1002]
    end = decode_cursor(reply["data"]["transactionBlocks"]["pageInfo"]["endCursor"])
    recorded = decode_cursor(sample("graphql-e2e-recvaddress-response.json")["data"]["transactionBlocks"]
                             ["pageInfo"]["endCursor"])
    assert list(end) == list(recorded) == ["c", "t", "i"]
    assert end == {"c": 1002, "t": 4, "i": True}          # scan-limited, as in the recording


def test_graphql_balance_changes_page_has_the_samples_shape(wide_node):
    wide_node.control("pay", to=ACCOUNT, amount=4000, others=4)     # 1 sender + 4 others + the account
    query = sample_query("graphql-e2e-balance-changes-query.graphql", C=PAYER)
    reply = gql(wide_node, query)
    recorded = sample("graphql-e2e-balance-changes-response.json")
    assert shape(reply) == shape(recorded)
    changes = reply["data"]["address"]["transactionBlocks"]["nodes"][0]["effects"]["balanceChanges"]
    assert [e["node"]["amount"] for e in changes["edges"]][-1] == "4000"
    assert sum(int(e["node"]["amount"]) for e in changes["edges"]) < 0      # the sender paid gas too
    assert list(decode_cursor(changes["edges"][0]["cursor"])) == \
        list(decode_cursor(recorded["data"]["address"]["transactionBlocks"]["nodes"][0]["effects"]
                           ["balanceChanges"]["edges"][0]["cursor"])) == ["i", "c"]


def test_graphql_constructed_request_parses_and_asks_more_than_the_page_limit(node, wide_node):
    request = sample("graphql-request-incoming-payments.CONSTRUCTED.json")
    request["variables"].update(addr=ACCOUNT, afterCp=None)
    for process in (node, wide_node):
        process.control("pay", to=ACCOUNT, amount=7)
    too_many = gql(node, request["query"], request["variables"])
    assert too_many["data"] is None
    assert too_many["errors"][0]["message"] == "Connection's page size of 50 exceeds max of 5"
    assert too_many["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert too_many["errors"][0]["path"] == ["transactionBlocks"]
    reply = gql(wide_node, sample("graphql-query-incoming-payments.graphql"), request["variables"])
    nodes = reply["data"]["transactionBlocks"]["nodes"]
    assert reply["data"]["checkpoint"] == {"sequenceNumber": 1001} and len(nodes) == 1
    assert nodes[0]["sender"] == {"address": PAYER} and nodes[0]["effects"]["status"] == "SUCCESS"
    mine = [c for c in nodes[0]["effects"]["balanceChanges"]["nodes"] if c["owner"]["address"] == ACCOUNT]
    assert mine == [{"owner": {"address": ACCOUNT}, "amount": "7", "coinType": {"repr": IOTA_LONG}}]
    assert nodes[0]["effects"]["timestamp"].endswith("Z") and nodes[0]["effects"]["timestamp"][10] == "T"


def test_graphql_bootstrap_and_service_limits(node):
    reply = gql(node, sample("graphql-query-bootstrap.graphql"))["data"]
    assert reply["chainIdentifier"] == "6364aad5" and reply["checkpoint"]["sequenceNumber"] == 1000
    assert reply["availableRange"] == {"first": {"sequenceNumber": 0}, "last": {"sequenceNumber": 1000}}
    assert reply["serviceConfig"]["maxPageSize"] == 5 and reply["serviceConfig"]["maxQueryPayloadSize"] == 5000
    node.control("limits", max_payload=300)
    too_large = gql(node, SCAN, {"a": ACCOUNT, "w": None, "c": None, "n": 5})
    assert too_large["data"] is None and too_large["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
    assert too_large["errors"][0]["message"].startswith("Query part too large: ")
    assert "must be 300 bytes or fewer" in too_large["errors"][0]["message"]


def test_graphql_cursor_is_answered_as_of_its_checkpoint(node):
    """The trap: a cursor kept from an earlier scan never shows what landed after it was issued."""
    first = node.control("pay", to=ACCOUNT, amount=1, count=3)["digests"]
    page = scan(node, n=2)["data"]
    height, cursor = page["checkpoint"]["sequenceNumber"], page["transactionBlocks"]["pageInfo"]["endCursor"]
    assert height == 1003 and decode_cursor(cursor)["c"] == 1003
    later = node.control("pay", to=ACCOUNT, amount=2)["digests"][0]
    resumed = scan(node, cursor=cursor, n=5)["data"]
    assert [n["digest"] for n in resumed["transactionBlocks"]["nodes"]] == first[2:]      # no `later`
    assert resumed["transactionBlocks"]["pageInfo"]["hasNextPage"] is False
    assert resumed["checkpoint"]["sequenceNumber"] == 1004      # the top-level field is not pinned
    again = scan(node, cursor=resumed["transactionBlocks"]["pageInfo"]["endCursor"])["data"]
    assert again["transactionBlocks"]["nodes"] == []            # ever: the cursor stays at 1003
    watermark = scan(node, after_cp=height)["data"]
    assert [n["digest"] for n in watermark["transactionBlocks"]["nodes"]] == [later]


def test_graphql_lists_only_checkpointed_transactions(node):
    pending = node.control("pay", to=ACCOUNT, amount=3, checkpointed=False)["digests"][0]
    final = node.control("pay", to=ACCOUNT, amount=4)["digests"][0]
    assert [n["digest"] for n in scan(node)["data"]["transactionBlocks"]["nodes"]] == [final]
    assert gql(node, CHANGES, {"d": pending, "c": None, "n": 5})["data"]["transactionBlock"] is None
    node.control("finalize")
    nodes = scan(node)["data"]["transactionBlocks"]["nodes"]
    assert [n["digest"] for n in nodes] == [final, pending]          # in checkpoint order
    assert nodes[1]["effects"]["checkpoint"]["sequenceNumber"] > nodes[0]["effects"]["checkpoint"]["sequenceNumber"]


def test_graphql_nested_balance_changes_page_on_by_digest(node):
    digest = node.control("pay", to=ACCOUNT, amount=9, others=6)["digests"][0]   # 8 changes, ours last
    first = scan(node)["data"]["transactionBlocks"]["nodes"][0]["effects"]["balanceChanges"]
    assert len(first["nodes"]) == 5 and first["pageInfo"]["hasNextPage"] is True
    assert ACCOUNT not in [c["owner"]["address"] for c in first["nodes"]]
    rest = gql(node, CHANGES, {"d": digest, "c": first["pageInfo"]["endCursor"], "n": 5})["data"]
    changes = rest["transactionBlock"]["effects"]["balanceChanges"]
    assert len(changes["nodes"]) == 3 and changes["pageInfo"]["hasNextPage"] is False
    assert changes["nodes"][-1] == {"owner": {"address": ACCOUNT}, "amount": "9", "coinType": {"repr": IOTA_LONG}}


def test_graphql_partial_transaction_is_an_error_at_its_path(node):
    node.control("pay", to=ACCOUNT, amount=1)
    node.control("pay", to=ACCOUNT, amount=2, partial=True)
    reply = scan(node)
    nodes = reply["data"]["transactionBlocks"]["nodes"]
    assert nodes[0]["effects"]["balanceChanges"]["nodes"][-1]["amount"] == "1"
    assert nodes[1]["effects"] is None                       # the null bubbled up to the nullable field
    (error,) = reply["errors"]
    assert error["path"] == ["transactionBlocks", "nodes", 1, "effects", "balanceChanges"]
    assert error["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert set(error) == {"message", "locations", "path", "extensions"}


def test_malformed_entries_are_written_as_asked_in_both_apis(node):
    for raw in (5, "+5", "1e9", str(2 ** 63)):
        node.control("pay", to=ACCOUNT, amount=1, raw_amount=raw)
    node.control("pay", to=ACCOUNT, amount=1, raw_owner="0X" + ACCOUNT[2:].upper())
    node.control("pay", to=ACCOUNT, amount=1, other_amount="-12a")
    rpc = node.query()["result"]["data"]
    assert [e["balanceChanges"][-1]["amount"] for e in rpc[:4]] == [5, "+5", "1e9", str(2 ** 63)]
    assert rpc[4]["balanceChanges"][-1]["owner"] == {"AddressOwner": "0X" + ACCOUNT[2:].upper()}
    assert rpc[5]["balanceChanges"][0]["amount"] == "-12a"
    pages, cursor = [], None
    while True:
        blocks = scan(node, cursor=cursor)["data"]["transactionBlocks"]
        pages += blocks["nodes"]
        cursor = blocks["pageInfo"]["endCursor"]
        if not blocks["pageInfo"]["hasNextPage"]:
            break
    amounts = [n["effects"]["balanceChanges"]["nodes"][-1]["amount"] for n in pages]
    assert amounts[:4] == [5, "+5", "1e9", str(2 ** 63)]
    assert pages[4]["effects"]["balanceChanges"]["nodes"][-1]["owner"]["address"].startswith("0X")


def test_a_digest_listed_twice_in_both_apis(node):
    twice = node.control("pay", to=ACCOUNT, amount=1, twice=True)["digests"][0]
    other = node.control("pay", to=ACCOUNT, amount=2)["digests"][0]
    assert [e["digest"] for e in node.query()["result"]["data"]] == [twice, other, twice]
    assert [n["digest"] for n in scan(node)["data"]["transactionBlocks"]["nodes"]] == [twice, other, twice]


def test_pruned_history_moves_the_available_range_and_old_cursors_fail(node):
    node.control("pay", to=ACCOUNT, amount=1, count=3)
    cursor = scan(node, n=1)["data"]["transactionBlocks"]["pageInfo"]["endCursor"]
    node.control("prune", count=2)
    node.control("advance", count=1000)
    assert scan(node)["data"]["availableRange"] == {"first": {"sequenceNumber": 1003}}
    node.control("pay", to=ACCOUNT, amount=1)
    node.control("prune", count=2)        # the chain moved past the cursor's checkpoint
    reply = scan(node, cursor=cursor)
    assert reply["data"] is None
    assert reply["errors"][0]["message"] == "Requested data is outside the available range"


def test_endpoints_share_one_chain_and_fail_on_their_own():
    process = NodeProcess("--endpoints", "2")
    try:
        second = NodeProcess.__new__(NodeProcess)
        second.url, second.context, second.next_id = process.urls[0], None, 0
        digest = process.control("pay", to=ACCOUNT, amount=5)["digests"][0]
        assert [n["digest"] for n in scan(second)["data"]["transactionBlocks"]["nodes"]] == [digest]
        process.control("fault", endpoint=0, mode="method_not_found", api="jsonrpc")
        assert process.rpc("iota_getChainIdentifier", [])["error"] == {"code": -32601, "message": "Method not found"}
        assert scan(process)["data"]["chainIdentifier"] == "6364aad5"        # GraphQL still served there
        assert second.rpc("iota_getChainIdentifier", [])["result"] == "6364aad5"
        for mode, code in (("http410", 410), ("http404", 404), ("http405", 405)):
            process.control("fault", endpoint=0, mode=mode, api="jsonrpc")
            with pytest.raises(urllib.error.HTTPError) as gone:
                process.rpc("iota_getChainIdentifier", [])
            assert gone.value.code == code
        process.control("fault", mode="gql_error", code="REQUEST_TIMEOUT", message="Request timed out", count=1,
                        endpoint=1)
        assert scan(second)["errors"][0]["extensions"] == {"code": "REQUEST_TIMEOUT"}
        import http.client
        kept = http.client.HTTPConnection("127.0.0.1", process.port, timeout=5)    # a kept-alive client
        kept.request("POST", "/", b'{"jsonrpc":"2.0","id":1,"method":"iota_getChainIdentifier","params":[]}',
                     {"Content-Type": "application/json"})
        assert kept.getresponse().read()
        second.control("down", endpoint=0)
        with pytest.raises(urllib.error.URLError) as refused:
            process.rpc("iota_getChainIdentifier", [])
        assert isinstance(refused.value.reason, ConnectionRefusedError)
        with pytest.raises((OSError, http.client.HTTPException)):       # its connection was cut too
            kept.request("POST", "/", b"{}", {"Content-Type": "application/json"})
            kept.getresponse().read()
        assert second.control("state")["endpoints"][0]["up"] is False
        second.control("up", endpoint=0)
        process.control("fault", endpoint=0, mode="none")
        assert process.rpc("iota_getChainIdentifier", [])["result"] == "6364aad5"
        counts = process.control("state")["endpoints"]
        assert counts[0]["requests"]["iota_getChainIdentifier"] == 6 and counts[1]["requests"]["graphql"] == 2
    finally:
        process.stop()


def test_clock_offset_and_wrong_chain_over_graphql(node):
    node.control("clock", offset_ms=3_600_000)
    node.control("pay", to=ACCOUNT, amount=1)
    entry = node.query()["result"]["data"][0]
    assert int(entry["timestampMs"]) > time.time() * 1000 + 3_500_000
    node.control("fault", mode="wrong_chain")
    assert scan(node)["data"]["chainIdentifier"] != "6364aad5"
    assert node.rpc("iota_getChainIdentifier", [])["result"] != "6364aad5"


def test_graphql_syntax_and_unknown_field_errors(node):
    reply = gql(node, "{ chainIdentifier(")
    assert reply["data"] is None and reply["errors"][0]["locations"]
    reply = gql(node, "{ transactionBlocks(filter: {toAddress: \"0x2\"}) { nodes { digest } } }")
    assert "unknown field" in reply["errors"][0]["message"]
    reply = gql(node, "{ transactions { nodes { digest } } }")     # Sui's newer name: not IOTA's
    assert reply["errors"][0]["message"] == 'Unknown field "transactions" on type "Query".'
