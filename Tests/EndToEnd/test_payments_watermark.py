"""The checkpoint watermark W (DESIGN §2 "Payments", issue 16): a GraphQL cursor is answered as of
the checkpoint it was issued at, so a daemon that persisted one would never see a later payment —
this one persists W and credits it; a kill -9 at any moment of a many-page scan credits nothing
twice and loses nothing; a journal written by the release before W (a JSON-RPC cursor) is read
with nothing credited twice or lost."""
import base64
import binascii
import json
import os
import random
import shutil
import time

import pytest

from daemon_harness import ROOT, SLOW, wait_until
from node_harness import ADDRESS, TRANSPORTS, Node, credited, paid_daemon

IOTA = 1_000_000_000
# A journal written by tanglemeter 745e4bf (the last release with JSON-RPC cursors), made by
# fixtures/make_old_journal.py: the baseline 7 IOTA (not credited), then 2 and 3 IOTA credited,
# its cursor at the 3 IOTA transaction. The stand-in's digests are deterministic, so a fresh
# stand-in paying the same amounts in the same order has the same chain.
OLD_JOURNAL = os.path.join(ROOT, "Tests", "EndToEnd", "fixtures", "journal-745e4bf")
OLD_PAYMENTS = (7 * IOTA, 2 * IOTA, 3 * IOTA)


@pytest.fixture
def rig(tmp_path):
    started = []

    def make(transport, settings=None, start=True, node=None):
        node = node or Node()
        started.append(node)
        _, d = paid_daemon(tmp_path, started, node.setting(transport), settings=settings, start=start)
        return node, d

    yield make
    for p in reversed(started):
        p.close()


def payments(d):
    return int(d.status("main")["main.payments"])


def scan_requests(node):
    return scans_so_far(node)[1]


def scans_so_far(node):
    """(GraphQL scans served, the last of them recorded), from one look at the stand-in."""
    endpoint = node.control("state")["endpoints"][0]
    return (endpoint["requests"].get("graphql.transactionBlocks", 0),
            [r for r in endpoint["recent"] if "transactionBlocks" in r["fields"]])


def test_a_persisted_cursor_misses_a_payment_that_the_watermark_credits(rig):
    node, d = rig("graphql", {"iota.credit_existing": "yes"})
    node.pay(1 * IOTA, count=3)
    wait_until(lambda: credited(d) == 3 * IOTA, what="three payments")

    # What a cursor-persisting daemon would have kept: the end of its last scan.
    query = ("query($a:IotaAddress!,$c:String){transactionBlocks(first:5,after:$c,filter:{recvAddress:$a})"
             "{pageInfo{hasNextPage endCursor}nodes{digest}}}")

    def page(cursor):
        import urllib.request
        body = json.dumps({"query": query, "variables": {"a": ADDRESS, "c": cursor}}).encode()
        req = urllib.request.Request(node.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())["data"]["transactionBlocks"]

    stored = page(None)["pageInfo"]["endCursor"]
    later = node.pay(2 * IOTA)[0]
    node.control("advance", count=5)                   # the chain moves on
    wait_until(lambda: credited(d) == 5 * IOTA, what="the later payment, credited by the daemon")
    assert d.ok("payments main")[0].split()[1] == later
    # Paging on from the stored cursor: the later payment never shows, however long one waits.
    for _ in range(3):
        resumed = page(stored)
        assert resumed["nodes"] == [] and resumed["pageInfo"]["hasNextPage"] is False
        node.control("advance", count=1)
    # And the daemon kept no cursor: after a kill -9, its first scan sends none (it starts from W).
    d.kill9()
    before, _ = scans_so_far(node)
    d.start()
    wait_until(lambda: scans_so_far(node)[0] > before, what="a scan after the restart")
    count, recent = scans_so_far(node)
    first = recent[-(count - before)]
    assert cursors_in(first["variables"]) == [], first
    assert credited(d) == 5 * IOTA


def cursors_in(variables):
    """The transaction cursors among a request's variables (base64 JSON with "c" and "t")."""
    found = []
    for value in (variables or {}).values():
        if isinstance(value, str):
            try:
                decoded = json.loads(base64.b64decode(value + "=" * (-len(value) % 4)))
            except (ValueError, binascii.Error, UnicodeDecodeError):
                continue
            if isinstance(decoded, dict) and "t" in decoded:
                found.append(value)
    return found


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_kill9_mid_scan_credits_nothing_twice_and_loses_nothing(rig, transport):
    """Sixty payments are twelve GraphQL pages of 5 (two JSON-RPC pages of 50), each answered
    after 40 ms: the daemon is killed at random moments inside those scans, five times."""
    node, d = rig(transport, {"iota.credit_existing": "yes"})
    wait_until(lambda: d.status()["node"] == "ok", what="node ok")
    node.control("latency", ms=40)
    rng = random.Random(int(os.environ.get("TM_SEED", "16")))
    total, count = 0, 0
    for round_ in range(5):
        node.pay(1_000_000 * (round_ + 1), count=12)
        total += 12 * 1_000_000 * (round_ + 1)
        count += 12
        time.sleep(rng.uniform(0.05, 0.5))
        d.kill9()
        d.start()
    wait_until(lambda: payments(d) == count, timeout=30, what=f"{count} payments")
    time.sleep(1.0 * SLOW)
    assert credited(d) == total and payments(d) == count
    digests = [line.split()[1] for line in d.ok("payments main 64")]
    assert len(digests) == len(set(digests)) == count


def old_journal_or_skip():
    if not os.path.exists(OLD_JOURNAL):
        pytest.skip("fixtures/journal-745e4bf missing (make it with fixtures/make_old_journal.py)")
    return OLD_JOURNAL


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_journal_of_the_cursor_release_is_read_without_doubling_or_loss(rig, tmp_path, transport):
    journal = old_journal_or_skip()
    node = Node()
    for amount in OLD_PAYMENTS:
        node.pay(amount)
    missed = node.pay(4 * IOTA)[0]         # made while the old daemon was stopped: must be credited
    os.makedirs(tmp_path / "state", mode=0o700, exist_ok=True)
    shutil.copyfile(journal, tmp_path / "state" / "journal")
    os.chmod(tmp_path / "state" / "journal", 0o600)
    node, d = rig(transport, node=node)
    wait_until(lambda: credited(d) == 9 * IOTA, timeout=15, what="the old credits and the missed payment")
    assert payments(d) == 3
    assert d.ok("payments main")[0].split()[1] == missed
    node.pay(5 * IOTA)
    wait_until(lambda: credited(d) == 14 * IOTA, what="a new payment")
    d.kill9()
    d.start()                               # the converted journal, read again
    time.sleep(1.5 * SLOW)
    assert credited(d) == 14 * IOTA and payments(d) == 4


def test_the_old_release_journal_fixture_is_what_it_claims(tmp_path):
    """The fixture's own check: the old binary's journal has its cursor record (so the test above
    reads a real old-format journal, not one the new daemon could have written)."""
    data = open(old_journal_or_skip(), "rb").read()
    cursor_digest = node_digest(3)
    assert cursor_digest.encode() in data and node_digest(2).encode() in data
    assert node_digest(1).encode() in data          # the baseline cursor


def node_digest(serial):
    import hashlib
    import sys
    sys.path.insert(0, os.path.join(ROOT, "Tests", "support"))
    from fake_node import base58
    return base58(hashlib.sha256(b"tx%d" % serial).digest())


def test_history_pruned_below_the_watermark_is_reported_not_skipped(rig):
    node, d = rig("graphql", {"iota.credit_existing": "yes"})
    node.pay(1 * IOTA)
    wait_until(lambda: credited(d) == IOTA, what="the first payment")
    d.stop()
    lost = node.pay(2 * IOTA)[0]              # lands while the daemon is stopped…
    node.pay(3 * IOTA)
    node.control("prune", count=2)            # …and the node forgets it before the daemon is back
    d.start()
    wait_until(lambda: credited(d) == 4 * IOTA, what="the payment the node still has")
    wait_until(lambda: gap_lines(d), what="the gap reported")
    metrics = "\n".join(d.ok("metrics"))
    assert "tanglemeter_payment_history_gaps_total 1" in metrics
    time.sleep(1.0 * SLOW)
    assert len(gap_lines(d)) == 1, gap_lines(d)      # once, not every scan
    assert lost not in d.log_text() and credited(d) == 4 * IOTA


def gap_lines(d):
    return [line for line in d.log_text().splitlines()
            if "no history before checkpoint" in line or "keeps checkpoints from" in line]
