#!/usr/bin/env python3
"""A stand-in for an IOTA Rebased fullnode's JSON-RPC, for tests and the demo (stdlib only).

It serves the four methods tanglemeter uses, in the shapes of shared/specs/iota-rpc.md:
iotax_queryTransactionBlocks (ToAddress filter, exclusive cursor, limit capped at 50, ascending or
descending), iotax_getBalance, iota_getLatestCheckpointSequenceNumber, iota_getChainIdentifier.

Command line:
    fake_node.py [--host 127.0.0.1] [--port 0] [--tls CERT KEY] [--chain mainnet|testnet|HEX8]
Prints `ready PORT URL` on stdout (flushed) once listening; `--port 0` picks a free port.
Runs until SIGTERM/SIGINT.

JSON-RPC (POST /, /json-rpc or /public; Content-Type application/json, else HTTP 415):
    always HTTP 200 `application/json; charset=utf-8`, the request's id echoed;
    -32700 unparsable body, -32600 not a request object or FromOrToAddress/FromAndToAddress filter,
    -32005 batch (JSON array), -32601 unknown method, -32602 bad address or unknown cursor.

Control interface: POST /_control with a JSON object {"cmd": NAME, ...}; the reply is a JSON object
({"ok": true, ...} or HTTP 400 {"ok": false, "error": TEXT}). Commands:
    pay        to=ADDR amount=NANOS [from=ADDR] [checkpointed=true] [status="success"|"failure"]
               [coin="0x2::iota::IOTA"] [partial=false] [count=1]
               adds `count` transactions sending `amount` of `coin` from `from` (default a fixed
               payer) to `to`. checkpointed=false: listed without checkpoint/timestampMs until
               `finalize`. status="failure": one gas-only balance change for the sender.
               partial=true: `errors` present and no balanceChanges. A sweep (the owner moving funds
               out) is `from`=the account, `to`=elsewhere: listed under ToAddress(account) with a
               negative amount for it. Replies {"digests": [...]}.
    finalize   [digest=D]  checkpoints one pending transaction, or all of them.
    fault      mode=M [count=N] [code=C message=TEXT]  the next N JSON-RPC requests (default: all
               until `fault mode=none`) fail with M: none, http500, http429, truncated (valid reply
               cut in half), garbage (not JSON), rpc_error (error object code C, default -32603),
               throttle (-32009 "Too many requests", id null), huge (64 MiB body, streamed), hang
               (never answers until the fault is cleared), drip (one byte every 0.5 s),
               wrong_chain (iota_getChainIdentifier answers another chain; others unaffected).
    indexer    on=true|false  indexer behaviour: null nextCursor on an empty page, long-form coin
               types, only checkpointed transactions listed.
    prune      count=N  forgets the N oldest transactions (their digests become unknown cursors).
    state      replies {"checkpoint", "transactions", "pending", "requests": {METHOD: N}, "fault"}.
    reset      forgets all transactions, faults, modes and counters.
"""

import argparse
import hashlib
import json
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


def base58(data):
    number = int.from_bytes(data, "big")
    out = ""
    while number:
        number, digit = divmod(number, 58)
        out = B58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def normalise_address(text):
    """The newer node's rule: 0x + 1..64 hex digits, any case, left-padded. None if invalid."""
    if not isinstance(text, str) or not text.startswith("0x"):
        return None
    digits = text[2:]
    if not 1 <= len(digits) <= 64 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        return None
    return "0x" + digits.lower().rjust(64, "0")


class RpcError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


class Node:
    """The chain as the node sees it: an ordered list of transactions, a checkpoint height, modes."""

    def __init__(self, chain_id):
        self.lock = threading.Lock()
        self.chain_id = chain_id
        self.fault_cleared = threading.Event()
        self.reset()

    def reset(self):
        self.txs = []            # in execution order, each a dict
        self.by_digest = {}
        self.checkpoint = 1000
        self.serial = 0
        self.indexer = False
        self.fault, self.fault_count, self.fault_code, self.fault_message = "none", None, -32603, "internal error"
        self.requests = {}
        self.fault_cleared.set()

    # --- control ---------------------------------------------------------------------------
    def next_checkpoint(self):
        self.checkpoint += 1
        return self.checkpoint, int(time.time() * 1000)

    def pay(self, to, amount, sender=PAYER, checkpointed=True, status="success", coin=IOTA_SHORT,
            partial=False, count=1):
        to_n, from_n = normalise_address(to), normalise_address(sender)
        if to_n is None or from_n is None:
            raise ValueError("bad address")
        if status not in ("success", "failure"):
            raise ValueError("status must be success or failure")
        amount = int(amount)
        digests = []
        for _ in range(int(count)):
            self.serial += 1
            digest = base58(hashlib.sha256(b"tx%d" % self.serial).digest())
            tx = {"digest": digest, "to": to_n, "from": from_n, "amount": amount, "coin": coin,
                  "status": status, "partial": bool(partial), "checkpoint": None, "timestampMs": None}
            if checkpointed:
                tx["checkpoint"], tx["timestampMs"] = self.next_checkpoint()
            self.txs.append(tx)
            self.by_digest[digest] = tx
            digests.append(digest)
        return digests

    def finalize(self, digest=None):
        done = []
        for tx in self.txs:
            if tx["checkpoint"] is None and digest in (None, tx["digest"]):
                tx["checkpoint"], tx["timestampMs"] = self.next_checkpoint()
                done.append(tx["digest"])
        if digest is not None and not done:
            raise ValueError("no pending transaction " + digest)
        return done

    def prune(self, count):
        for tx in self.txs[:count]:
            del self.by_digest[tx["digest"]]
        del self.txs[:count]

    def set_fault(self, mode, count=None, code=-32603, message="internal error"):
        modes = ("none", "http500", "http429", "truncated", "garbage", "rpc_error", "throttle", "huge",
                 "hang", "drip", "wrong_chain")
        if mode not in modes:
            raise ValueError("mode must be one of " + ", ".join(modes))
        self.fault, self.fault_count = mode, (int(count) if count is not None else None)
        self.fault_code, self.fault_message = int(code), str(message)
        if mode == "hang":
            self.fault_cleared.clear()
        else:
            self.fault_cleared.set()

    def take_fault(self, method):
        """The fault that applies to this request (consuming one of a counted fault)."""
        with self.lock:
            mode = self.fault
            if mode == "none" or (mode == "wrong_chain" and method != "iota_getChainIdentifier"):
                return "none"
            if self.fault_count is not None:
                self.fault_count -= 1
                if self.fault_count <= 0:
                    # A counted hang still holds its victims until an explicit `fault mode=none`.
                    self.fault, self.fault_count = "none", None
            return mode

    def state(self):
        return {"checkpoint": self.checkpoint, "transactions": len(self.txs),
                "pending": sum(1 for tx in self.txs if tx["checkpoint"] is None),
                "requests": dict(self.requests), "fault": self.fault, "indexer": self.indexer}

    # --- JSON-RPC methods ------------------------------------------------------------------
    def coin_text(self, coin):
        if self.indexer and coin.endswith("::iota::IOTA"):
            return IOTA_LONG
        return coin

    def balance_changes(self, tx):
        owner = lambda address: {"AddressOwner": address}
        if tx["status"] == "failure":
            return [{"owner": owner(tx["from"]), "coinType": self.coin_text(IOTA_SHORT), "amount": str(-NET_GAS)}]
        if tx["coin"] == IOTA_SHORT and tx["from"] == tx["to"]:
            return [{"owner": owner(tx["from"]), "coinType": self.coin_text(IOTA_SHORT), "amount": str(-NET_GAS)}]
        if tx["coin"] == IOTA_SHORT:
            return [{"owner": owner(tx["from"]), "coinType": self.coin_text(IOTA_SHORT),
                     "amount": str(-(tx["amount"] + NET_GAS))},
                    {"owner": owner(tx["to"]), "coinType": self.coin_text(IOTA_SHORT), "amount": str(tx["amount"])}]
        return [{"owner": owner(tx["from"]), "coinType": self.coin_text(IOTA_SHORT), "amount": str(-NET_GAS)},
                {"owner": owner(tx["from"]), "coinType": self.coin_text(tx["coin"]), "amount": str(-tx["amount"])},
                {"owner": owner(tx["to"]), "coinType": self.coin_text(tx["coin"]), "amount": str(tx["amount"])}]

    def render(self, tx, options):
        entry = {"digest": tx["digest"]}
        if not any(options.get(k) for k in ("showInput", "showRawInput", "showEffects", "showEvents",
                                            "showObjectChanges", "showBalanceChanges", "showRawEffects")):
            return entry
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
            listed = [i for i, tx in enumerate(self.txs)
                      if (tx["to"] == address or tx["from"] == address)
                      and not (self.indexer and tx["checkpoint"] is None)]
            if cursor is not None:
                tx = self.by_digest.get(cursor) if isinstance(cursor, str) else None
                if tx is None:
                    raise RpcError(-32602, "Could not find the referenced transaction [TransactionDigest(%s)]."
                                   % cursor)
                position = self.txs.index(tx)
                listed = [i for i in listed if (i < position if descending else i > position)]
            if descending:
                listed.reverse()
            page = [self.render(self.txs[i], options) for i in listed[:limit]]
            has_next = len(listed) > limit
        if page:
            next_cursor = page[-1]["digest"]
        else:
            next_cursor = None if self.indexer else cursor
        return {"data": page, "nextCursor": next_cursor, "hasNextPage": has_next}

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
                for change in self.balance_changes(tx):
                    coin_here = IOTA_SHORT if change["coinType"].endswith("::iota::IOTA") else change["coinType"]
                    if change["owner"]["AddressOwner"] == address and coin_here == wanted:
                        total += int(change["amount"])
                        count += 1
        return {"coinType": self.coin_text(wanted), "coinObjectCount": count if total > 0 else 0,
                "totalBalance": str(max(total, 0))}

    def call(self, method, params, fault):
        if method == "iotax_queryTransactionBlocks":
            return self.query(params)
        if method == "iotax_getBalance":
            return self.get_balance(params)
        if method == "iota_getLatestCheckpointSequenceNumber":
            return str(self.checkpoint)
        if method == "iota_getChainIdentifier":
            return "deadbeef" if fault == "wrong_chain" else self.chain_id
        raise RpcError(-32601, "Method not found")


def error_reply(code, message, request_id):
    return {"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": request_id}


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that drop connections or refuse our certificate are part of the tests: stay quiet.
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-iota-node/1"

    def log_message(self, *args):
        pass

    def send_bytes(self, status, body, content_type="application/json; charset=utf-8"):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status, value):
        self.send_bytes(status, json.dumps(value, separators=(",", ":")).encode())

    def do_GET(self):
        self.send_bytes(405, b"method not allowed\n", "text/plain")

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        node = self.server.node
        if self.path == "/_control":
            return self.control(node, body)
        if self.path not in ("/", "/json-rpc", "/public"):
            return self.send_bytes(404, b"not found\n", "text/plain")
        if (self.headers.get("Content-Type") or "").split(";")[0].strip().lower() != "application/json":
            return self.send_bytes(415, b"Expected request with `Content-Type: application/json`", "text/plain")
        try:
            request = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return self.send_json(200, error_reply(-32700, "Parse error", None))
        if isinstance(request, list):
            return self.send_json(200, error_reply(-32005, "Batched requests are not supported by this server", None))
        if not isinstance(request, dict) or request.get("jsonrpc") != "2.0" or not isinstance(request.get("method"), str):
            return self.send_json(200, error_reply(-32600, "Invalid request", request.get("id") if isinstance(request, dict) else None))
        method, request_id = request["method"], request.get("id")
        with node.lock:
            node.requests[method] = node.requests.get(method, 0) + 1
        fault = node.take_fault(method)
        if self.inject(node, fault, request_id):
            return
        try:
            reply = {"jsonrpc": "2.0", "result": node.call(method, request.get("params", []), fault), "id": request_id}
        except RpcError as error:
            reply = error_reply(error.code, error.message, request_id)
        encoded = json.dumps(reply, separators=(",", ":")).encode()
        if fault == "truncated":
            return self.send_bytes(200, encoded[:len(encoded) // 2])
        if fault == "drip":
            return self.drip(encoded)
        self.send_bytes(200, encoded)

    def inject(self, node, fault, request_id):
        """Sends the faulty answer for modes that replace the reply; True when the request is done."""
        if fault == "http500":
            self.send_bytes(500, b"<html>502 upstream error</html>", "text/html")
        elif fault == "http429":
            self.send_bytes(429, b"Too Many Requests", "text/plain")
        elif fault == "garbage":
            self.send_bytes(200, b"<html>\x00\xff not json")
        elif fault == "rpc_error":
            self.send_json(200, error_reply(node.fault_code, node.fault_message, request_id))
        elif fault == "throttle":
            self.send_json(200, error_reply(-32009, "Too many requests", None))
        elif fault == "huge":
            self.huge()
        elif fault == "hang":
            node.fault_cleared.wait(600)
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
            with node.lock:
                reply = self.run_control(node, name, command)
        except (ValueError, KeyError, TypeError) as error:
            return self.send_json(400, {"ok": False, "error": str(error)})
        self.send_json(200, dict(reply, ok=True))

    @staticmethod
    def run_control(node, name, args):
        if name == "pay":
            return {"digests": node.pay(args["to"], args["amount"], args.get("from", PAYER),
                                        args.get("checkpointed", True), args.get("status", "success"),
                                        args.get("coin", IOTA_SHORT), args.get("partial", False),
                                        args.get("count", 1))}
        if name == "finalize":
            return {"digests": node.finalize(args.get("digest"))}
        if name == "fault":
            node.set_fault(args["mode"], args.get("count"), args.get("code", -32603),
                           args.get("message", "internal error"))
            return {}
        if name == "indexer":
            node.indexer = bool(args["on"])
            return {}
        if name == "prune":
            node.prune(int(args["count"]))
            return {}
        if name == "state":
            return node.state()
        if name == "reset":
            node.reset()
            return {}
        raise ValueError("unknown command " + repr(name))


def main():
    parser = argparse.ArgumentParser(description="IOTA JSON-RPC node stand-in")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"))
    parser.add_argument("--chain", default="mainnet")
    args = parser.parse_args()
    chain_id = CHAINS.get(args.chain, args.chain)
    if len(chain_id) != 8 or any(c not in "0123456789abcdef" for c in chain_id):
        parser.error("--chain must be mainnet, testnet or 8 lowercase hex digits")

    server = Server((args.host, args.port), Handler)
    server.node = Node(chain_id)
    scheme = "http"
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls[0], args.tls[1])
        # The handshake happens in the handler thread, so a silent client cannot block accept().
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        scheme = "https"
    port = server.server_address[1]
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    sys.stdout.write("ready %d %s://%s:%d/\n" % (port, scheme, args.host, port))
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.05)   # quick to stop on SIGTERM
    except KeyboardInterrupt:
        pass
    finally:
        server.node.fault_cleared.set()   # release hanging handlers
        server.server_close()


if __name__ == "__main__":
    main()
