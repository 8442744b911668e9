"""What a hostile test of the JSON-RPC-cursor release found (issue 16, deliverable 6), each case
played end to end on the firmware, over both transports: a careless operator (a reload to a
testnet node, two meters' addresses swapped, a Pi starting an hour behind) and a bad node (an
entry it cannot describe, malformed entries, an amount above the total supply, a digest listed
twice). Each test failed on 745e4bf; see the issue-16 report for what each showed there."""
import os
import time

import pytest

from daemon_harness import SLOW, wait_until
from node_harness import ADDRESS, OTHER, TRANSPORTS, Node, credited, paid_daemon

IOTA = 1_000_000_000
INT64_MAX = (1 << 63) - 1


@pytest.fixture(params=TRANSPORTS)
def transport(request):
    return request.param


@pytest.fixture
def rig(tmp_path, transport):
    """Factory: rig(meters={name: address}, settings) → (node, daemon) over the test's transport."""
    started = []

    def make(meters=None, settings=None, node=None, start=True):
        node = node or Node()
        started.append(node)
        _, d = paid_daemon(tmp_path, started, node.setting(transport), meters=meters, settings=settings,
                           start=start)
        return node, d

    yield make
    for p in reversed(started):
        p.close()


def credited_digests(d, meter="main"):
    return [line.split()[1] for line in d.ok(f"payments {meter} 100")]


def baseline_fixed(d):
    text = d.log_text()
    return any(words in text for words in ("baseline fixed", "are the baseline", "baseline at checkpoint"))


def steady(d, seconds):
    """Samples `node` for `seconds`; returns (states seen, log lines written meanwhile)."""
    lines = len(d.log_text().splitlines())
    seen = set()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        seen.add(d.status()["node"])
        time.sleep(0.1)
    return seen, d.log_text().splitlines()[lines:]


# --- money created -----------------------------------------------------------------------------------

def test_a_reload_to_a_testnet_node_credits_nothing(rig, tmp_path, transport):
    node, d = rig(settings={"iota.credit_existing": "yes"})
    testnet = Node(chain="testnet")
    try:
        node.pay(1 * IOTA)
        wait_until(lambda: credited(d) == IOTA, what="the mainnet payment")
        testnet.pay(5 * IOTA, count=3)           # the same address on testnet: worthless coins
        d.settings["iota.node"] = testnet.setting(transport)
        d.write_config()
        assert d.ok("reload") == []
        wait_until(lambda: testnet.requests() > 0, what="the daemon asking the testnet node")
        time.sleep(2.0 * SLOW)
        assert credited(d) == IOTA
        assert d.status()["node"] == "fault"
        assert "2304aa97" in d.log_text()        # the chain it found is named
    finally:
        testnet.close()


def test_swapped_addresses_credit_each_digest_once(rig, transport):
    x, y = ADDRESS, OTHER
    node, d = rig(meters={"flat1": x, "flat2": y}, settings={"iota.credit_existing": "yes"})
    to_x = node.pay(1 * IOTA, to=x)[0]
    to_y = node.pay(2 * IOTA, to=y)[0]
    wait_until(lambda: credited(d, "flat1") == IOTA and credited(d, "flat2") == 2 * IOTA, timeout=10,
               what="one payment per flat")
    d.stop()
    d.meters["flat1"]["iota.address"], d.meters["flat2"]["iota.address"] = y, x     # as the README advises
    d.write_config()
    d.start()
    later = node.pay(4 * IOTA, to=x)[0]          # now flat2's address
    wait_until(lambda: credited(d, "flat2") == 6 * IOTA, timeout=10, what="the new payment to flat2")
    time.sleep(1.5 * SLOW)
    assert credited(d, "flat1") == IOTA and credited(d, "flat2") == 6 * IOTA
    everything = credited_digests(d, "flat1") + credited_digests(d, "flat2")
    assert sorted(everything) == sorted([to_x, to_y, later])


def test_first_start_an_hour_behind_still_honours_credit_existing_no(rig, transport):
    # The daemon's clock an hour behind the chain's (a Pi without RTC before time sync) is the
    # node's checkpoints stamped an hour ahead of the daemon's clock.
    node = Node()
    node.control("clock", offset_ms=3_600_000)
    node.pay(3 * IOTA, count=3)
    node, d = rig(node=node)
    wait_until(lambda: baseline_fixed(d), what="baseline")
    time.sleep(1.5 * SLOW)
    assert credited(d) == 0
    node.pay(2 * IOTA)
    wait_until(lambda: credited(d) == 2 * IOTA, what="the payment after start")
    time.sleep(1.0 * SLOW)
    assert credited(d) == 2 * IOTA


# --- money missed ------------------------------------------------------------------------------------

def test_an_entry_the_node_cannot_describe_does_not_stop_later_crediting(rig, transport):
    node, d = rig(settings={"iota.credit_existing": "yes"})
    wait_until(lambda: d.status()["node"] == "ok", what="node ok")
    partial = node.pay(5 * IOTA, partial=True)[0]
    node.pay(1_000_000, count=55)
    wait_until(lambda: int(d.status("main")["main.payments"]) == 55, timeout=30, what="the 55 later payments")
    assert credited(d) == 55 * 1_000_000
    seen, _ = steady(d, 2.0 * SLOW)
    assert seen == {"ok"}
    assert partial not in credited_digests(d)
    mentions = [line for line in d.log_text().splitlines() if partial in line]
    assert len(mentions) == 1, mentions       # reported, once


MALFORMED = [
    ("amount as a JSON number", {"raw_amount": 5}),
    ("amount with a plus sign", {"raw_amount": "+5"}),
    ("amount in exponent form", {"raw_amount": "1e9"}),
    ("amount above Int64", {"raw_amount": str(1 << 63)}),
    ("owner written 0X", {"raw_owner": "0X" + ADDRESS[2:].upper()}),
    ("a bad balance change of another owner", {"other_amount": "-12a"}),
]


def test_malformed_entries_cost_only_themselves_once_and_the_node_stays_ok(rig, transport):
    node, d = rig(settings={"iota.credit_existing": "yes"})
    node.pay(1 * IOTA)
    wait_until(lambda: credited(d) == IOTA, what="a good payment first")
    markers, bad = [], {}
    for name, fault in MALFORMED:
        bad[name] = node.pay(7, **fault)[0]
        markers.append(node.pay(1_000 * (len(markers) + 1))[0])
    wait_until(lambda: set(markers) <= set(credited_digests(d)), timeout=20, what="every good payment after them")
    must_skip = {name: digest for name, digest in bad.items()
                 if name not in ("owner written 0X", "a bad balance change of another owner")}
    # Each is reported once it is given up (a node's data may be partial for a while, so the
    # daemon may ask a few times first); then nothing more is logged.
    wait_until(lambda: all(digest in d.log_text() for digest in must_skip.values()), timeout=15,
               what="every malformed entry reported")
    seen, lines = steady(d, 5.0)
    assert seen == {"ok"}, f"node flapped: {seen}"
    assert lines == [], f"{len(lines)} log lines in 5 s at steady state: {lines}"
    got = set(credited_digests(d))
    for name, digest in must_skip.items():
        assert digest not in got, f"{name} was credited"
        mentions = [line for line in d.log_text().splitlines() if digest in line]
        assert len(mentions) == 1, f"{name}: {mentions}"
    marker_total = IOTA + sum(1_000 * (i + 1) for i in range(len(markers)))
    assert credited(d) - marker_total in (0, 7, 14)


# --- node nonsense -----------------------------------------------------------------------------------

def test_an_amount_above_the_total_supply_is_rejected_and_later_payments_count(rig, transport):
    node, d = rig(settings={"iota.credit_existing": "yes"})
    wait_until(lambda: d.status()["node"] == "ok", what="node ok")
    absurd = node.pay(INT64_MAX)[0]
    node.pay(2 * IOTA)
    wait_until(lambda: credited(d) == 2 * IOTA, timeout=10, what="the payment after the absurd one")
    seen, lines = steady(d, 3.0)
    assert seen == {"ok"} and credited(d) == 2 * IOTA
    assert absurd not in credited_digests(d)
    log = d.log_text()
    assert len([line for line in log.splitlines() if absurd in line]) == 1
    assert "journal refused" not in log and "overflow" not in log.lower()    # nothing blamed on the journal
    node.pay(3 * IOTA)
    wait_until(lambda: credited(d) == 5 * IOTA, what="one more payment")


def test_a_digest_listed_twice_does_not_loop(rig, transport):
    node, d = rig(settings={"iota.credit_existing": "yes", "iota.poll_interval": "1s"})
    twice = node.pay(1 * IOTA, twice=True)[0]
    wait_until(lambda: credited(d) == IOTA, what="the payment listed twice")    # W is past it now
    # Sixty more: the old digest is listed again after them, i.e. first in a newest-first list.
    node.pay(1_000_000, count=60)
    try:
        wait_until(lambda: int(d.status("main")["main.payments"]) == 61, timeout=30, what="61 payments")
    except AssertionError as error:
        raise AssertionError(f"{error}; status {d.status('main')}") from None
    time.sleep(1.0 * SLOW)
    size = os.path.getsize(d.journal)
    rate = node.rate(4.0)
    # One scan a second: at most a few pages and a checkpoint request each (today's release
    # looped at 23 requests and journal syncs a second).
    assert rate < 8, f"{rate:.1f} requests/s"
    assert os.path.getsize(d.journal) - size < 200, "the journal keeps growing at steady state"
    assert credited(d) == IOTA + 60 * 1_000_000
    assert credited_digests(d).count(twice) == 1
