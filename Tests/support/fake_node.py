#!/usr/bin/env python3
"""A stand-in for an IOTA Rebased node, for tests and the demo (stdlib only): its JSON-RPC (the
shapes of shared/specs/iota-rpc.md) and its GraphQL service (shared/specs/iota-graphql.md, served
by fake_graphql.py), both over one chain.

JSON-RPC: iotax_queryTransactionBlocks (ToAddress filter, exclusive cursor, limit capped at 50,
ascending or descending), iotax_getBalance, iota_getTransactionBlock,
iota_getLatestCheckpointSequenceNumber, iota_getChainIdentifier.
GraphQL: chainIdentifier, checkpoint, availableRange, serviceConfig (maxPageSize 5 by default: a
small page), transactionBlocks / address.transactionBlocks / transactionBlock with nested,
paginated effects.balanceChanges; only checkpointed transactions; cursors answered as of the
checkpoint they were issued at.

Command line:
    fake_node.py [--host 127.0.0.1] [--port 0] [--endpoints N] [--tls CERT KEY]
                 [--chain mainnet|testnet|HEX8] [--max-page-size 5] [--max-payload 5000]
Prints `ready PORT URL [URL2 ...]` on stdout (flushed) once listening: one URL per endpoint, all
serving the same chain (for failover tests), each with its own faults and counters, each able to
go down (connection refused) and come back on its port. `--port 0` picks free ports.
Runs until SIGTERM/SIGINT.

Requests (POST; Content-Type application/json, else HTTP 415): a body with "query" is GraphQL
(on / or /graphql), a body with "jsonrpc" is JSON-RPC (on /, /json-rpc or /public).
JSON-RPC: always HTTP 200 `application/json; charset=utf-8`, the request's id echoed;
    -32700 unparsable body, -32600 not a request object or FromOrToAddress/FromAndToAddress filter,
    -32005 batch (JSON array), -32601 unknown method, -32602 bad address or unknown cursor.
GraphQL: HTTP 200 `{"data": ...}` with `errors` as the real server sends them (fake_graphql.py).

Control interface: POST /_control (on every endpoint) with a JSON object {"cmd": NAME, ...}; the
reply is a JSON object ({"ok": true, ...} or HTTP 400 {"ok": false, "error": TEXT}). Commands:
    pay        to=ADDR amount=NANOS [from=ADDR] [checkpointed=true] [status="success"|"failure"]
               [coin="0x2::iota::IOTA"] [partial=false] [count=1] [per_checkpoint=1]
               [others=0] [raw_amount=JSON] [raw_owner=TEXT] [other_amount=JSON] [twice=false]
               adds `count` transactions sending `amount` of `coin` from `from` (default a fixed
               payer) to `to`, `per_checkpoint` of them in each new checkpoint.
               checkpointed=false: listed (JSON-RPC only) without checkpoint/timestampMs until
               `finalize`. status="failure": one gas-only balance change for the sender.
               partial=true: the node cannot describe it (JSON-RPC: `errors`, no balanceChanges;
               GraphQL: an INTERNAL_SERVER_ERROR at its balanceChanges, effects null).
               others=K: K more recipients of 1000 nanos each, listed before `to`'s change (for
               nested balanceChanges pages). raw_amount / raw_owner: what the node writes for
               `to`'s amount (any JSON value: 5, "+5", "1e9") and owner ("0X5F…"); other_amount:
               what it writes for the sender's amount. twice=true: listed twice (again at the
               end of every listing). A sweep (the owner moving funds out) is `from`=the account,
               `to`=elsewhere. Replies {"digests": [...], "checkpoints": [...]}.
    finalize   [digest=D]  checkpoints one pending transaction, or all of them.
    advance    [count=1]  adds empty checkpoints (the chain moves on).
    tick       [per_request=0]  every GraphQL request first adds this many empty checkpoints.
    clock      offset_ms=N  stamps new checkpoints N ms after (or before) the real time.
    latency    ms=N [endpoint=I]  every request waits N ms before it is answered.
    limits     [max_page_size=N] [default_page_size=N] [max_payload=N]  serviceConfig's limits.
    fault      mode=M [count=N] [code=C message=TEXT] [api=both|jsonrpc|graphql] [endpoint=I]
               the next N requests of that API (default: all until `fault mode=none`) on that
               endpoint (default: every endpoint) fail with M: none, http500, http429,
               http404, http405, http410, truncated (valid reply cut in half), garbage (not
               JSON), rpc_error (JSON-RPC error object code C, default -32603), method_not_found
               (-32601, an endpoint that dropped JSON-RPC), gql_error (a GraphQL `errors` reply
               with extensions.code C, default INTERNAL_SERVER_ERROR), throttle (-32009 "Too
               many requests", id null), huge (64 MiB body, streamed), hang (never answers until
               the fault is cleared), drip (one byte every 0.5 s), wrong_chain (the chain
               identifier of another chain; other fields unaffected).
    down       endpoint=I  closes that endpoint's listening socket and cuts its open connections:
               new connections are refused.
    up         endpoint=I  listens on its port again.
    indexer    on=true|false  indexer behaviour: null nextCursor on an empty page, long-form coin
               types, only checkpointed transactions listed.
    prune      count=N  forgets the N oldest transactions (their digests become unknown cursors;
               GraphQL's availableRange starts after their checkpoints).
    state      replies {"checkpoint", "first_available", "transactions", "pending", "requests":
               {NAME: N}, "fault", "endpoints": [{"url", "up", "fault", "requests"}]}; NAME is a
               JSON-RPC method, "graphql", or "graphql." + a top-level field asked for; per
               endpoint also "recent": the last 50 GraphQL requests' {"fields", "variables"}.
    reset      forgets all transactions, faults, modes and counters (endpoints come back up).
"""

import argparse
import hashlib
import json
import os
import signal
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_graphql  # noqa: E402  (beside this file)

CHAINS = {"mainnet": "6364aad5", "testnet": "2304aa97"}
IOTA_SHORT = "0x2::iota::IOTA"
IOTA_LONG = "0x" + "0" * 63 + "2::iota::IOTA"
PAYER = "0x" + "6558c484ce77d5366c4e0e9402d8ad5baf5397d42a04e9c296e989bed9a481bd"
ELSEWHERE = "0x" + "e1" * 32
PAGE_LIMIT = 50
GAS = {"computationCost": "1000000", "computationCostBurned": "1000000", "storageCost": "1976000",
       "storageRebate": "978120", "nonRefundableStorageFee": "9880"}
NET_GAS = 1000000 + 1976000 - 978120
HUGE_BYTES = 64 << 20
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
FAULT_MODES = ("none", "http500", "http429", "http404", "http405", "http410", "truncated", "garbage",
               "rpc_error", "method_not_found", "gql_error", "throttle", "huge", "hang", "drip", "wrong_chain")
UNSET = object()


def base58(data):
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = B58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


normalise_address = fake_graphql.normalise_address


class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class Endpoint:
    """One URL of the node: its own faults, counters and listening socket."""

    def __init__(self):
        self.fault_cleared = threading.Event()
        self.server = None
        self.port = None
        self.url = None
        self.reset()

    def reset(self):
        self.fault, self.fault_count, self.fault_code, self.fault_message = "none", None, -32603, "internal error"
        self.fault_api = "both"
        self.requests = {}
        self.latency_ms = 0
        self.recent = []          # the variables of the last GraphQL requests, oldest first
        self.fault_cleared.set()

    def set_fault(self, mode, count=None, code=UNSET, message="internal error", api="both"):
        if mode not in FAULT_MODES:
            raise ValueError("mode must be one of " + ", ".join(FAULT_MODES))
        if api not in ("both", "jsonrpc", "graphql"):
            raise ValueError("api must be both, jsonrpc or graphql")
        if code is UNSET:
            code = "INTERNAL_SERVER_ERROR" if mode == "gql_error" else -32603
        self.fault, self.fault_count = mode, (int(count) if count is not None else None)
        self.fault_code, self.fault_message, self.fault_api = code, str(message), api
        if mode == "hang":
            self.fault_cleared.clear()
        else:
            self.fault_cleared.set()


class Node:
    """The chain as the node sees it: an ordered list of transactions, a checkpoint height, modes."""

    def __init__(self, chain_id, endpoints=1, max_page_size=5, max_payload=5000):
        self.lock = threading.Lock()
        self.chain_id = chain_id
        self.endpoints = [Endpoint() for _ in range(endpoints)]
        self.initial_limits = {"maxPageSize": max_page_size, "defaultPageSize": min(20, max_page_size),
                               "maxQueryPayloadSize": max_payload, "requestTimeoutMs": 40000}
        self.reset()

    def reset(self):
        self.txs = []            # in execution order, each a dict
        self.by_digest = {}
        self.checkpoint = 1000
        self.first_available = 0
        self.checkpoint_times = {}
        self.clock_offset_ms = 0
        self.tick_per_request = 0
        self.serial = 0
        self.seq = 0             # GraphQL's tx_sequence_number: the order transactions were checkpointed
        self.indexer = False
        self.limits = dict(self.initial_limits)
        for endpoint in self.endpoints:
            endpoint.reset()

    # --- the chain ---------------------------------------------------------------------------------
    def next_checkpoint(self):
        self.checkpoint += 1
        self.checkpoint_times[self.checkpoint] = int(time.time() * 1000) + self.clock_offset_ms
        return self.checkpoint, self.checkpoint_times[self.checkpoint]

    def checkpoint_time(self, sequence):
        if sequence not in self.checkpoint_times:   # before this node started: a while ago
            self.checkpoint_times[sequence] = int(time.time() * 1000) + self.clock_offset_ms - \
                (self.checkpoint - sequence + 1) * 250
        return self.checkpoint_times[sequence]

    def checkpoint_digest(self, sequence):
        return base58(hashlib.sha256(b"checkpoint%d/%s" % (sequence, self.chain_id.encode())).digest())

    def checkpoint_by_digest(self, digest):
        for sequence in range(self.first_available, self.checkpoint + 1):
            if self.checkpoint_digest(sequence) == digest:
                return sequence
        return None

    def transactions_up_to(self, sequence):
        return sum(1 for tx in self.txs if tx["checkpoint"] is not None and tx["checkpoint"] <= sequence)

    def settle(self, tx, checkpoint, stamp):
        tx["checkpoint"], tx["timestampMs"] = checkpoint, stamp
        self.seq += 1
        tx["seq"] = self.seq

    def ordered_checkpointed(self):
        return sorted((tx for tx in self.txs if tx["checkpoint"] is not None), key=lambda tx: tx["seq"])

    def last_seq(self):
        return self.seq

    # --- control ---------------------------------------------------------------------------------
    def pay(self, to, amount, sender=PAYER, checkpointed=True, status="success", coin=IOTA_SHORT,
            partial=False, count=1, per_checkpoint=1, others=0, raw_amount=UNSET, raw_owner=None,
            other_amount=UNSET, twice=False):
        to_n, from_n = normalise_address(to), normalise_address(sender)
        if to_n is None or from_n is None:
            raise ValueError("bad address")
        if status not in ("success", "failure"):
            raise ValueError("status must be success or failure")
        amount = int(amount)
        per_checkpoint = max(1, int(per_checkpoint))
        digests, checkpoints = [], []
        for index in range(int(count)):
            self.serial += 1
            digest = base58(hashlib.sha256(b"tx%d" % self.serial).digest())
            tx = {"digest": digest, "to": to_n, "from": from_n, "amount": amount, "coin": coin,
                  "status": status, "partial": bool(partial), "checkpoint": None, "timestampMs": None,
                  "seq": None, "others": int(others), "raw_amount": raw_amount, "raw_owner": raw_owner,
                  "other_amount": other_amount, "twice": bool(twice)}
            if checkpointed:
                if index % per_checkpoint == 0:
                    stamp = self.next_checkpoint()
                self.settle(tx, *stamp)
                checkpoints.append(tx["checkpoint"])
            self.txs.append(tx)
            self.by_digest[digest] = tx
            digests.append(digest)
        return digests, checkpoints

    def finalize(self, digest=None):
        done = []
        for tx in self.txs:
            if tx["checkpoint"] is None and digest in (None, tx["digest"]):
                self.settle(tx, *self.next_checkpoint())
                done.append(tx["digest"])
        if digest is not None and not done:
            raise ValueError("no pending transaction " + digest)
        return done

    def advance(self, count=1):
        for _ in range(int(count)):
            self.next_checkpoint()

    def prune(self, count):
        for tx in self.txs[:count]:
            del self.by_digest[tx["digest"]]
            if tx["checkpoint"] is not None:
                self.first_available = max(self.first_available, tx["checkpoint"] + 1)
        del self.txs[:count]

    def select(self, endpoint):
        if endpoint is None:
            return self.endpoints
        index = int(endpoint)
        if not 0 <= index < len(self.endpoints):
            raise ValueError("no endpoint %d" % index)
        return [self.endpoints[index]]

    def take_fault(self, endpoint, api, method):
        """The fault that applies to this request (consuming one of a counted fault)."""
        with self.lock:
            mode = endpoint.fault
            if mode == "none" or endpoint.fault_api not in ("both", api):
                return "none"
            if mode == "wrong_chain" and method not in ("iota_getChainIdentifier", "graphql"):
                return "none"
            if mode in ("rpc_error", "method_not_found", "throttle") and api != "jsonrpc":
                return "none"
            if mode == "gql_error" and api != "graphql":
                return "none"
            if endpoint.fault_count is not None:
                endpoint.fault_count -= 1
                if endpoint.fault_count <= 0:
                    # A counted hang still holds its victims until an explicit `fault mode=none`.
                    endpoint.fault, endpoint.fault_count = "none", None
            return mode

    def count_request(self, endpoint, names, variables=None):
        with self.lock:
            for name in names:
                endpoint.requests[name] = endpoint.requests.get(name, 0) + 1
            if variables is not None:
                endpoint.recent = (endpoint.recent + [variables])[-50:]

    def state(self):
        requests = {}
        for endpoint in self.endpoints:
            for name, count in endpoint.requests.items():
                requests[name] = requests.get(name, 0) + count
        return {"checkpoint": self.checkpoint, "first_available": self.first_available,
                "transactions": len(self.txs),
                "pending": sum(1 for tx in self.txs if tx["checkpoint"] is None),
                "requests": requests, "fault": self.endpoints[0].fault, "indexer": self.indexer,
                "endpoints": [{"url": e.url, "up": e.server is not None, "fault": e.fault,
                               "requests": dict(e.requests), "recent": list(e.recent)} for e in self.endpoints]}

    # --- what a transaction did to balances (both APIs render these) -----------------------------
    def changes(self, tx):
        """[{"owner", "coin", "amount"}]: amounts as the node writes them (normally decimal strings)."""
        def change(owner, coin, amount):
            return {"owner": owner, "coin": coin, "amount": str(amount)}
        if tx["status"] == "failure" or (tx["coin"] == IOTA_SHORT and tx["from"] == tx["to"]):
            return [change(tx["from"], IOTA_SHORT, -NET_GAS)]
        others = [change("0x" + ("%064x" % (0xc0ffee00 + i)), tx["coin"], 1000) for i in range(tx["others"])]
        paid = tx["amount"] + 1000 * tx["others"]
        if tx["coin"] == IOTA_SHORT:
            result = [change(tx["from"], IOTA_SHORT, -(paid + NET_GAS))]
        else:
            result = [change(tx["from"], IOTA_SHORT, -NET_GAS), change(tx["from"], tx["coin"], -paid)]
        mine = change(tx["to"], tx["coin"], tx["amount"])
        if tx["raw_amount"] is not UNSET:
            mine["amount"] = tx["raw_amount"]
        if tx["raw_owner"] is not None:
            mine["owner"] = tx["raw_owner"]
        if tx["other_amount"] is not UNSET:
            result[0]["amount"] = tx["other_amount"]
        return result + others + [mine]

    # --- JSON-RPC methods ------------------------------------------------------------------
    def coin_text(self, coin):
        if self.indexer and coin.endswith("::iota::IOTA"):
            return IOTA_LONG
        return coin

    def balance_changes(self, tx):
        return [{"owner": {"AddressOwner": c["owner"]}, "coinType": self.coin_text(c["coin"]), "amount": c["amount"]}
                for c in self.changes(tx)]

    def render(self, tx, options):
        entry = {"digest": tx["digest"]}
        if not any(options.get(k) for k in ("showInput", "showRawInput", "showEffects", "showEvents",
                                            "showObjectChanges", "showBalanceChanges", "showRawEffects")):
            return entry
        if options.get("showInput"):
            entry["transaction"] = {"data": {"messageVersion": "v1", "sender": tx["from"]}}
        if options.get("showEffects"):
            status = {"status": "success"} if tx["status"] == "success" else \
                {"status": "failure", "error": "InsufficientCoinBalance in command 0"}
            effects = {"messageVersion": "v1", "status": status, "executedEpoch": "42", "gasUsed": dict(GAS),
                       "transactionDigest": tx["digest"],
                       "gasObject": {"owner": {"AddressOwner": tx["from"]},
                                     "reference": {"objectId": "0x" + "ab" * 32, "version": 1071,
                                                   "digest": tx["digest"]}}}
            if tx["status"] == "success" and tx["to"] != tx["from"]:
                effects["created"] = [{"owner": {"AddressOwner": tx["to"]},
                                       "reference": {"objectId": "0x" + "75" * 32, "version": 1071,
                                                     "digest": tx["digest"]}}]
            entry["effects"] = effects
        if tx["partial"]:
            entry["errors"] = ["Failed to fetch balance changes for transaction " + tx["digest"]]
        elif options.get("showBalanceChanges"):
            entry["balanceChanges"] = self.balance_changes(tx)
        if tx["checkpoint"] is not None:
            entry["timestampMs"] = str(tx["timestampMs"])
            entry["checkpoint"] = str(tx["checkpoint"])
        return entry

    def listing(self, address):
        """[(position, index in self.txs)] listed under ToAddress(address). A digest listed twice is
        listed again after everything else, at its own later position; a cursor naming it means its
        first position (as a node whose digest index points at the first entry would)."""
        listed = [(i, i) for i, tx in enumerate(self.txs)
                  if (tx["to"] == address or tx["from"] == address)
                  and not (self.indexer and tx["checkpoint"] is None)]
        return listed + [(len(self.txs) + n, i) for n, (_, i) in enumerate(
            [item for item in listed if self.txs[item[1]]["twice"]])]

    def query(self, params):
        if not isinstance(params, list) or not params or len(params) > 4:
            raise RpcError(-32602, "Invalid params")
        query = params[0]
        cursor = params[1] if len(params) > 1 else None
        limit = params[2] if len(params) > 2 else None
        descending = params[3] if len(params) > 3 else False
        if not isinstance(query, dict) or not (limit is None or (isinstance(limit, int) and not isinstance(limit, bool)
                                                                 and limit >= 0)):
            raise RpcError(-32602, "Invalid params")
        if descending is None:
            descending = False
        filt, options = query.get("filter"), query.get("options") or {}
        if not isinstance(filt, dict) or len(filt) != 1:
            raise RpcError(-32602, "Invalid params")
        kind, value = next(iter(filt.items()))
        if kind in ("FromOrToAddress", "FromAndToAddress", "TransactionKind", "TransactionKindIn"):
            raise RpcError(-32600, "Feature is not supported: " + kind + " filter")
        if kind != "ToAddress":
            raise RpcError(-32602, "Invalid params")
        address = normalise_address(value)
        if address is None:
            raise RpcError(-32602, "Invalid params: invalid address " + json.dumps(value))
        limit = PAGE_LIMIT if not limit or limit > PAGE_LIMIT else limit
        with self.lock:
            listed = self.listing(address)
            if cursor is not None:
                tx = self.by_digest.get(cursor) if isinstance(cursor, str) else None
                if tx is None:
                    raise RpcError(-32602, "Could not find the referenced transaction [TransactionDigest(%s)]."
                                   % cursor)
                position = self.txs.index(tx)
                listed = [item for item in listed if (item[0] < position if descending else item[0] > position)]
            if descending:
                listed.reverse()
            page = [self.render(self.txs[i], options) for _, i in listed[:limit]]
            has_next = len(listed) > limit
        if page:
            next_cursor = page[-1]["digest"]
        else:
            next_cursor = None if self.indexer else cursor
        return {"data": page, "nextCursor": next_cursor, "hasNextPage": has_next}

    def get_transaction(self, params):
        if not isinstance(params, list) or not 1 <= len(params) <= 2 or not isinstance(params[0], str):
            raise RpcError(-32602, "Invalid params")
        options = params[1] if len(params) == 2 and isinstance(params[1], dict) else {}
        with self.lock:
            tx = self.by_digest.get(params[0])
            if tx is None:
                raise RpcError(-32602, "Could not find the referenced transaction [TransactionDigest(%s)]."
                               % params[0])
            return self.render(tx, options)

    def get_balance(self, params):
        if not isinstance(params, list) or not 1 <= len(params) <= 2:
            raise RpcError(-32602, "Invalid params")
        address = normalise_address(params[0])
        coin = params[1] if len(params) == 2 and params[1] is not None else IOTA_SHORT
        if address is None:
            raise RpcError(-32602, "Invalid params: invalid address")
        wanted = IOTA_SHORT if isinstance(coin, str) and coin.endswith("::iota::IOTA") else coin
        total, count = 0, 0
        with self.lock:
            for tx in self.txs:
                for change in self.changes(tx):
                    coin_here = IOTA_SHORT if change["coin"].endswith("::iota::IOTA") else change["coin"]
                    try:
                        amount = int(change["amount"])
                    except (TypeError, ValueError):
                        continue
                    if change["owner"] == address and coin_here == wanted:
                        total += amount
                        count += 1
        return {"coinType": self.coin_text(wanted), "coinObjectCount": count if total > 0 else 0,
                "totalBalance": str(max(total, 0))}

    def call(self, method, params, fault):
        if method == "iotax_queryTransactionBlocks":
            return self.query(params)
        if method == "iotax_getBalance":
            return self.get_balance(params)
        if method == "iota_getTransactionBlock":
            return self.get_transaction(params)
        if method == "iota_getLatestCheckpointSequenceNumber":
            return str(self.checkpoint)
        if method == "iota_getChainIdentifier":
            return "deadbeef" if fault == "wrong_chain" else self.chain_id
        raise RpcError(-32601, "Method not found")


def error_reply(code, message, request_id):
    return {"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": request_id}


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, *args):
        super().__init__(*args)
        self.connections = set()        # open client connections, cut when the endpoint goes down
        self.connections_lock = threading.Lock()

    def cut_connections(self, keep=None):
        with self.connections_lock:
            for connection in list(self.connections):
                if connection is keep:
                    continue
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(self, request, client_address):
        # Clients that drop connections or refuse our certificate are part of the tests: stay quiet.
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-iota-node/1"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self):
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        try:
            super().finish()
        except OSError:
            pass

    def send_bytes(self, status, body, content_type="application/json; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status, value, content_type="application/json; charset=utf-8"):
        self.send_bytes(status, json.dumps(value, separators=(",", ":")).encode(), content_type)

    def do_GET(self):
        self.send_bytes(405, b"method not allowed\n", "text/plain")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        node, endpoint = self.server.node, self.server.endpoint
        if self.path == "/_control":
            return self.control(node, body)
        if endpoint.latency_ms:
            time.sleep(endpoint.latency_ms / 1000)
        if self.path not in ("/", "/json-rpc", "/public", "/graphql"):
            return self.send_bytes(404, b"not found\n", "text/plain")
        if (self.headers.get("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
            return self.send_bytes(415, b"Expected request with `Content-Type: application/json`", "text/plain")
        try:
            request = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            request = None
        if self.path == "/graphql" or (isinstance(request, dict) and "query" in request and "jsonrpc" not in request):
            return self.graphql(node, endpoint, body)
        if request is None:
            return self.send_json(200, error_reply(-32700, "Parse error", None))
        if isinstance(request, list):
            return self.send_json(200, error_reply(-32005, "Batched requests are not supported by this server", None))
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str):
            return self.send_json(200, error_reply(-32600, "Invalid request", request.get("id") if isinstance(request, dict) else None))
        method, request_id = request["method"], request.get("id")
        node.count_request(endpoint, [method])
        fault = node.take_fault(endpoint, "jsonrpc", method)
        if self.inject(endpoint, fault, request_id):
            return
        try:
            reply = {"jsonrpc": "2.0", "result": node.call(method, request.get("params", []), fault), "id": request_id}
        except RpcError as error:
            reply = error_reply(error.code, error.message, request_id)
        self.finish_reply(fault, json.dumps(reply, separators=(",", ":")).encode())

    def graphql(self, node, endpoint, body):
        fault = node.take_fault(endpoint, "graphql", "graphql")
        with node.lock:
            node.advance(node.tick_per_request)
            status, reply, fields = fake_graphql.execute(node, body, wrong_chain=fault == "wrong_chain")
        try:
            variables = json.loads(body).get("variables")
        except (ValueError, AttributeError, UnicodeDecodeError):
            variables = None
        node.count_request(endpoint, ["graphql"] + ["graphql." + name for name in fields],
                           {"fields": fields, "variables": variables})
        if self.inject(endpoint, fault, None):
            return
        if status != 200:
            return self.send_bytes(status, b"Invalid GraphQL request", "text/plain")
        self.finish_reply(fault, json.dumps(reply, separators=(",", ":")).encode())

    def finish_reply(self, fault, encoded):
        if fault == "truncated":
            return self.send_bytes(200, encoded[:len(encoded) // 2])
        if fault == "drip":
            return self.drip(encoded)
        self.send_bytes(200, encoded)

    def inject(self, endpoint, fault, request_id):
        """Sends the faulty answer for modes that replace the reply; True when the request is done."""
        if fault == "http500":
            self.send_bytes(500, b"<html>502 upstream error</html>", "text/html")
        elif fault in ("http404", "http405", "http410"):
            self.send_bytes(int(fault[4:]), b"<html>gone</html>", "text/html")
        elif fault == "http429":
            self.send_bytes(429, b"Too Many Requests", "text/plain")
        elif fault == "garbage":
            self.send_bytes(200, b"<html>\x00\xff not json")
        elif fault == "rpc_error":
            self.send_json(200, error_reply(endpoint.fault_code, endpoint.fault_message, request_id))
        elif fault == "method_not_found":
            self.send_json(200, error_reply(-32601, "Method not found", request_id))
        elif fault == "gql_error":
            self.send_json(200, {"data": None, "errors": [{"message": endpoint.fault_message, "locations": [],
                                                           "extensions": {"code": endpoint.fault_code}}]},
                           "application/json")
        elif fault == "throttle":
            self.send_json(200, error_reply(-32009, "Too many requests", None))
        elif fault == "huge":
            self.huge()
        elif fault == "hang":
            endpoint.fault_cleared.wait(600)
            self.close_connection = True
        else:
            return False
        return True

    def huge(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        head = b'{"jsonrpc":"2.0","id":1,"result":"'
        chunk = b"A" * 65536
        try:
            self.wfile.write(head)
            sent = len(head)
            while sent + len(chunk) <= HUGE_BYTES - 3:
                self.wfile.write(chunk)
                sent += len(chunk)
            self.wfile.write(b"A" * (HUGE_BYTES - 3 - sent) + b'"}\n')
        except OSError:
            pass   # the client gave up, as it should
        self.close_connection = True

    def drip(self, encoded):
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(encoded)))
        self.end_headers()
        try:
            for index in range(len(encoded)):
                self.wfile.write(encoded[index:index + 1])
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:
            pass
        self.close_connection = True

    def control(self, node, body):
        try:
            command = json.loads(body)
            name = command.pop("cmd")
            if name in ("down", "up"):    # outside the lock: stopping a listener waits for its loop
                reply = self.server.runner.switch(int(command["endpoint"]), name == "up", keep=self.connection)
                self.close_connection = True
            else:
                with node.lock:
                    reply = self.run_control(node, name, command)
        except (ValueError, KeyError, TypeError, OSError) as error:
            return self.send_json(400, {"ok": False, "error": str(error)})
        self.send_json(200, dict(reply, ok=True))

    @staticmethod
    def run_control(node, name, args):
        if name == "pay":
            digests, checkpoints = node.pay(
                args["to"], args["amount"], args.get("from", PAYER), args.get("checkpointed", True),
                args.get("status", "success"), args.get("coin", IOTA_SHORT), args.get("partial", False),
                args.get("count", 1), args.get("per_checkpoint", 1), args.get("others", 0),
                args.get("raw_amount", UNSET), args.get("raw_owner"), args.get("other_amount", UNSET),
                args.get("twice", False))
            return {"digests": digests, "checkpoints": checkpoints}
        if name == "finalize":
            return {"digests": node.finalize(args.get("digest"))}
        if name == "advance":
            node.advance(args.get("count", 1))
            return {"checkpoint": node.checkpoint}
        if name == "tick":
            node.tick_per_request = int(args.get("per_request", 0))
            return {}
        if name == "latency":
            for endpoint in node.select(args.get("endpoint")):
                endpoint.latency_ms = int(args["ms"])
            return {}
        if name == "clock":
            node.clock_offset_ms = int(args["offset_ms"])
            return {}
        if name == "limits":
            for key, field in (("max_page_size", "maxPageSize"), ("default_page_size", "defaultPageSize"),
                               ("max_payload", "maxQueryPayloadSize")):
                if key in args:
                    node.limits[field] = int(args[key])
            return {"limits": dict(node.limits)}
        if name == "fault":
            for endpoint in node.select(args.get("endpoint")):
                endpoint.set_fault(args["mode"], args.get("count"), args.get("code", UNSET),
                                   args.get("message", "internal error"), args.get("api", "both"))
            return {}
        if name == "indexer":
            node.indexer = bool(args["on"])
            return {}
        if name == "prune":
            node.prune(int(args["count"]))
            return {"first_available": node.first_available}
        if name == "state":
            return node.state()
        if name == "reset":
            node.reset()
            return {}
        raise ValueError("unknown command " + repr(name))


class Runner:
    """The endpoints' servers: one thread each, every one able to stop and listen again on its port."""

    def __init__(self, node, host, port, tls):
        self.node, self.host, self.tls = node, host, tls
        self.switch_lock = threading.Lock()
        for index, endpoint in enumerate(node.endpoints):
            self.listen(endpoint, port if index == 0 else 0)
        self.scheme = "https" if tls else "http"
        for endpoint in node.endpoints:
            endpoint.url = "%s://%s:%d/" % (self.scheme, host, endpoint.port)

    def listen(self, endpoint, port):
        server = Server((self.host, port), Handler)
        server.node, server.endpoint, server.runner = self.node, endpoint, self
        if self.tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(self.tls[0], self.tls[1])
            # The handshake happens in the handler thread, so a silent client cannot block accept().
            server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        endpoint.server, endpoint.port = server, server.server_address[1]
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def switch(self, index, up, keep=None):
        with self.switch_lock:
            endpoint = self.node.select(index)[0]
            if up and endpoint.server is None:
                self.listen(endpoint, endpoint.port)
            elif not up and endpoint.server is not None:
                server, endpoint.server = endpoint.server, None
                threading.Thread(target=lambda: (server.shutdown(), server.server_close())).start()
                server.cut_connections(keep)    # kept-alive connections die with the server too
                # The socket closes once the serve loop has stopped (at most one poll interval).
                deadline = time.monotonic() + 2
                while server.socket.fileno() != -1 and time.monotonic() < deadline:
                    time.sleep(0.01)
            return {}

    def stop(self):
        for endpoint in self.node.endpoints:
            endpoint.fault_cleared.set()   # release hanging handlers
            if endpoint.server is not None:
                endpoint.server.shutdown()
                endpoint.server.server_close()


def main():
    parser = argparse.ArgumentParser(description="IOTA node stand-in: JSON-RPC and GraphQL")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--endpoints", type=int, default=1)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--chain", default="mainnet")
    parser.add_argument("--max-page-size", type=int, default=5)
    parser.add_argument("--max-payload", type=int, default=5000)
    args = parser.parse_args()
    chain_id = CHAINS.get(args.chain, args.chain)
    if len(chain_id) != 8 or any(c not in "0123456789abcdef" for c in chain_id):
        parser.error("--chain must be mainnet, testnet or 8 lowercase hex digits")
    if not 1 <= args.endpoints <= 8:
        parser.error("--endpoints must be 1…8")

    node = Node(chain_id, args.endpoints, args.max_page_size, args.max_payload)
    runner = Runner(node, args.host, args.port, args.tls)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    sys.stdout.write("ready %d %s\n" % (node.endpoints[0].port, " ".join(e.url for e in node.endpoints)))
    sys.stdout.flush()
    try:
        while not stopped.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()


if __name__ == "__main__":
    main()
