"""`iota.node` with several URLs (DESIGN §3.2, issue 16): the first that fails hands over to the
next — an endpoint that is gone, or one that dropped JSON-RPC (-32601, HTTP 404/405/410) — and
the daemon comes back to the first when the next fails in turn. Nothing is credited twice across
a switch, `status` names the URL in use (`node.url`), `metrics` counts the switches."""
import re
import time

import pytest

from daemon_harness import SLOW, wait_until
from node_harness import Node, credited, node_value, paid_daemon

IOTA = 1_000_000_000


@pytest.fixture
def rig(tmp_path):
    """Factory: rig(transports) → (node, daemon): one stand-in with one endpoint per transport
    given, all serving the same chain, listed in `iota.node` in that order."""
    started = []

    def make(transports, settings=None):
        node = Node(endpoints=len(transports))
        started.append(node)
        _, d = paid_daemon(tmp_path, started, node.setting(transports),
                           settings={"iota.credit_existing": "yes", **(settings or {})})
        return node, d

    yield make
    for p in reversed(started):
        p.close()


def failovers(d):
    text = "\n".join(d.ok("metrics"))
    match = re.search(r"^tanglemeter_node_failovers_total (\d+)$", text, re.M)
    assert match, "no tanglemeter_node_failovers_total in metrics"
    return int(match.group(1))


def in_use(d):
    return d.status().get("node.url")


# (the first URL's transport, how it fails — the stand-in's fault, or "down" for a closed port —,
# the second URL's transport)
FIRST_FAILS = [
    ("graphql", "down", "jsonrpc"),             # the default configuration: GraphQL, then the indexer
    ("graphql", "http500", "jsonrpc"),
    ("graphql", "down", "graphql"),
    ("jsonrpc", "method_not_found", "jsonrpc"),  # a node that switched JSON-RPC off, as Sui did: -32601
    ("jsonrpc", "http404", "graphql"),
    ("jsonrpc", "http405", "jsonrpc"),
    ("jsonrpc", "http410", "graphql"),
]


@pytest.mark.parametrize("first, how, second", FIRST_FAILS)
def test_the_next_url_takes_over_and_nothing_is_credited_twice(rig, first, how, second):
    node, d = rig([first, second])
    urls = [node_value(node.urls[0], first), node_value(node.urls[1], second)]
    node.pay(1 * IOTA)
    wait_until(lambda: credited(d) == IOTA, what="the first payment, from the first URL")
    st = d.status()
    assert st["node"] == "ok" and st["node.url"] == urls[0]
    assert failovers(d) == 0
    assert node.scans(0) > 0 and node.scans(1) == 0

    if how == "down":
        node.take_down(0)
    else:
        node.control("fault", endpoint=0, mode=how, api="jsonrpc" if first == "jsonrpc" else "both")
    node.pay(2 * IOTA)
    wait_until(lambda: credited(d) == 3 * IOTA, timeout=15, what="the payment, from the second URL")
    wait_until(lambda: in_use(d) == urls[1], what="node.url naming the second URL")
    assert failovers(d) >= 1
    assert node.scans(1) > 0

    # Back to the first: it recovers, the second fails in turn.
    if how == "down":
        node.bring_up(0)
    else:
        node.control("fault", endpoint=0, mode="none")
    node.take_down(1)
    node.pay(4 * IOTA)
    wait_until(lambda: credited(d) == 7 * IOTA, timeout=20, what="the payment, from the first URL again")
    wait_until(lambda: in_use(d) == urls[0], what="node.url naming the first URL again")
    assert failovers(d) >= 2
    time.sleep(1.0 * SLOW)                          # several more scans, on either side of the switch
    assert credited(d) == 7 * IOTA
    assert d.status("main")["main.payments"] == "3"
    assert d.status()["node"] == "ok"


def test_status_names_the_url_in_use_and_only_while_payments_are_on(rig, tmp_path):
    node, d = rig(["graphql", "jsonrpc"])
    wait_until(lambda: d.status()["node"] == "ok", what="node ok")
    st = d.status()
    assert st["node.url"] == node.urls[0]
    lines = d.ok("status")
    assert lines.index("node ok") + 1 == lines.index(f"node.url {node.urls[0]}")
    # No iota.node: payments off, no node.url line.
    d.stop()
    del d.settings["iota.node"]
    d.write_config()
    d.start()
    st = d.status()
    assert st["node"] == "off" and "node.url" not in st


def test_every_url_failing_is_a_node_fault_and_backs_off(rig):
    node, d = rig(["graphql", "jsonrpc"])
    node.pay(1 * IOTA)
    wait_until(lambda: credited(d) == IOTA, what="the first payment")
    node.control("fault", mode="http500")               # every endpoint, both APIs
    node.pay(2 * IOTA)
    wait_until(lambda: d.status()["node"] == "fault", what="node fault")
    before = node.requests()
    time.sleep(3.0)
    rate = (node.requests() - before) / 3.0
    # A poll interval of 300 ms over two URLs that both fail: the backoff, not a tight loop.
    assert rate < 10, f"{rate:.1f} requests/s while every URL fails"
    assert credited(d) == IOTA
    node.control("fault", mode="none")
    wait_until(lambda: credited(d) == 3 * IOTA, timeout=60, what="credit once a URL answers again")
