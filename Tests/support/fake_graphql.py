"""The GraphQL side of the node stand-in: IOTA's `iota-graphql-rpc` as a payment watcher sees it
(shared/specs/iota-graphql.md, the schema excerpt and the recorded replies in iota-samples/).

What it answers as the real server does:
- only the fields asked for, under their aliases, in the order asked; unknown fields are errors;
- only checkpointed transactions; `transactionBlocks` oldest first (`first`/`after`) or newest
  last (`last`/`before`), filters recvAddress, sentAddress/signAddress, affectedAddress,
  afterCheckpoint, beforeCheckpoint, atCheckpoint, transactionIds; more than one "complex"
  filter without `scanLimit` is the sample's error;
- cursors are base64 JSON `{"c": viewed_at, "t": tx_sequence, "i": scan_limited}` (transactions)
  and `{"i": index, "c": viewed_at}` (balance changes); a query passing a cursor is answered AS
  OF checkpoint c: nothing that landed later shows (the cursor trap); a cursor below the
  available range is "Requested data is outside the available range";
- `first`/`last` above serviceConfig.maxPageSize: "Connection's page size of N exceeds max of M";
  a request body above maxQueryPayloadSize: "Query part too large: N bytes. …";
- every error is `{"message", "locations", "path", "extensions": {"code"}}` with `data` null or
  partial (a null bubbles up to the nearest nullable field), as in graphql-e2e-error-*.json.
"""

import base64
import json
import time

from graphql_parse import Enum, Field, FragmentSpread, GraphQLSyntaxError, InlineFragment, Variable, parse

IOTA_LONG = "0x" + "0" * 63 + "2::iota::IOTA"
COMPLEX_FILTERS = ("function", "kind", "recvAddress", "inputObject", "changedObject", "transactionIds",
                   "affectedAddress", "wrappedOrDeletedObject")
FILTER_FIELDS = COMPLEX_FILTERS + ("afterCheckpoint", "atCheckpoint", "beforeCheckpoint", "sentAddress",
                                   "signAddress")


class GraphQLError(Exception):
    def __init__(self, message, code="BAD_USER_INPUT", field=None):
        super().__init__(message)
        self.message, self.code, self.field = message, code, field


class Bubble(Exception):
    """A non-null field resolved to null: its parent becomes null (GraphQL's null propagation)."""


def rfc3339(ms):
    seconds, millis = divmod(int(ms), 1000)
    text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return text + (".%03dZ" % millis if millis else "Z")


def encode_cursor(value):
    return base64.b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text, keys):
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
        value = json.loads(raw)
        if not isinstance(value, dict) or any(not isinstance(value.get(k), (int, bool)) for k in keys):
            raise ValueError
        return value
    except (ValueError, TypeError, UnicodeDecodeError):
        raise GraphQLError("Failed to parse cursor: %s" % text) from None


def long_coin(coin):
    """coinType.repr: the address of the type always in full (0x + 64 hex digits)."""
    address, sep, rest = coin.partition("::")
    if not sep or not address.startswith("0x"):
        return coin
    return "0x" + address[2:].lower().rjust(64, "0") + "::" + rest


def normalise_address(text):
    if not isinstance(text, str) or not text.startswith("0x"):
        return None
    digits = text[2:]
    if not 1 <= len(digits) <= 64 or any(c not in "0123456789abcdefABCDEF" for c in digits):
        return None
    return "0x" + digits.lower().rjust(64, "0")


class Context:
    def __init__(self, node, wrong_chain):
        self.node = node
        self.viewed_at = node.checkpoint      # the request's watermark: the latest checkpoint
        self.wrong_chain = wrong_chain
        self.errors = []
        self.fragments = {}
        self.variables = {}


# --- connections ----------------------------------------------------------------------------------

def page_size(ctx, args, field):
    limits = ctx.node.limits
    first, last = args.get("first"), args.get("last")
    if first is not None and last is not None:
        raise GraphQLError("'first' and 'last' must not be used together")
    for count in (first, last):
        if count is not None and count > limits["maxPageSize"]:
            raise GraphQLError("Connection's page size of %d exceeds max of %d" % (count, limits["maxPageSize"]))
        if count is not None and count < 0:
            raise GraphQLError("Connection's page size must be non-negative")
    if first is None and last is None:
        first = limits["defaultPageSize"]
    return first, last


def paginate(items, first, last, after_key, before_key, key):
    """items sorted by key; returns (page, has_previous, has_next)."""
    if after_key is not None:
        items = [item for item in items if key(item) > after_key]
    if before_key is not None:
        items = [item for item in items if key(item) < before_key]
    if last is not None:
        page = items[-last:] if last else []
        return page, len(items) > len(page), before_key is not None
    page = items[:first]
    return page, after_key is not None, len(items) > len(page)


def connection(page, cursor_of, has_previous, has_next):
    edges = [{"node": item, "cursor": cursor_of(item)} for item in page]
    return {"edges": edges, "nodes": page,
            "pageInfo": {"hasPreviousPage": has_previous, "hasNextPage": has_next,
                         "startCursor": edges[0]["cursor"] if edges else None,
                         "endCursor": edges[-1]["cursor"] if edges else None}}


def transaction_blocks(ctx, args, pinned_filter=None):
    node = ctx.node
    first, last = page_size(ctx, args, "transactionBlocks")
    filt = dict(args.get("filter") or {})
    if pinned_filter:
        filt.update(pinned_filter)
    for name in filt:
        if name not in FILTER_FIELDS:
            raise GraphQLError('Invalid value for argument "filter", unknown field "%s" of type '
                               '"TransactionBlockFilter"' % name)
    if sum(1 for name in COMPLEX_FILTERS if filt.get(name) is not None) > 1 and args.get("scanLimit") is None:
        raise GraphQLError("A scan limit must be specified for the given filter combination")
    viewed_at = ctx.viewed_at
    keys = {}
    for name in ("after", "before"):
        if args.get(name) is not None:
            cursor = decode_cursor(args[name], ("c", "t"))
            keys[name] = cursor["t"]
            viewed_at = cursor["c"]
    if not node.first_available <= viewed_at <= node.checkpoint:
        raise GraphQLError("Requested data is outside the available range")
    addresses = {}
    for name in ("recvAddress", "sentAddress", "signAddress", "affectedAddress"):
        if filt.get(name) is not None:
            addresses[name] = normalise_address(filt[name])
            if addresses[name] is None:
                raise GraphQLError('Invalid value for argument "filter.%s", expected type "IotaAddress"' % name)

    def wanted(tx):
        cp = tx["checkpoint"]
        if cp is None or cp > viewed_at or cp < node.first_available:
            return False
        if filt.get("afterCheckpoint") is not None and not cp > filt["afterCheckpoint"]:
            return False
        if filt.get("beforeCheckpoint") is not None and not cp < filt["beforeCheckpoint"]:
            return False
        if filt.get("atCheckpoint") is not None and cp != filt["atCheckpoint"]:
            return False
        if filt.get("transactionIds") is not None and tx["digest"] not in filt["transactionIds"]:
            return False
        if filt.get("function") is not None or filt.get("kind") is not None:
            return False      # no Move calls here: plain transfers only
        receivers = {tx["from"]} | ({tx["to"]} if tx["status"] == "success" else set())
        for name, address in addresses.items():
            if name == "recvAddress" and address not in receivers:
                return False
            if name in ("sentAddress", "signAddress") and address != tx["from"]:
                return False
            if name == "affectedAddress" and address not in receivers | {tx["from"]}:
                return False
        return True

    items = [(tx, tx["seq"]) for tx in node.ordered_checkpointed() if wanted(tx)]
    for tx in node.ordered_checkpointed():        # a node that lists a digest twice: again at the end
        if tx.get("twice") and wanted(tx):
            items.append((tx, node.last_seq() + 1))
    page, has_previous, has_next = paginate(items, first, last, keys.get("after"), keys.get("before"),
                                            key=lambda item: item[1])
    scan_limited = args.get("scanLimit") is not None
    result = connection(page, lambda item: encode_cursor({"c": viewed_at, "t": item[1], "i": scan_limited}),
                        has_previous, has_next)
    result["nodes"] = [("tx", tx, viewed_at) for tx, _ in page]
    for edge, item in zip(result["edges"], result["nodes"]):
        edge["node"] = item
    return result


def balance_changes(ctx, tx, viewed_at, args):
    first, last = page_size(ctx, args, "balanceChanges")
    if tx.get("partial"):
        raise GraphQLError("Internal error occurred while processing request: Failed to fetch balance changes "
                           "for transaction " + tx["digest"], code="INTERNAL_SERVER_ERROR")
    keys = {}
    for name in ("after", "before"):
        if args.get(name) is not None:
            keys[name] = decode_cursor(args[name], ("i", "c"))["i"]
    changes = list(enumerate(ctx.node.changes(tx)))
    page, has_previous, has_next = paginate(changes, first, last, keys.get("after"), keys.get("before"),
                                            key=lambda item: item[0])
    result = connection(page, lambda item: encode_cursor({"i": item[0], "c": viewed_at}), has_previous, has_next)
    nodes = [{"owner": {"address": change["owner"]}, "amount": change["amount"],
              "coinType": {"repr": long_coin(change["coin"])}} for _, change in page]
    result["nodes"] = nodes
    for edge, item in zip(result["edges"], nodes):
        edge["node"] = item
    return result


# --- the schema: per type, field -> (type, resolver(ctx, parent, args)) --------------------------

def checkpoint_object(ctx, sequence):
    node = ctx.node
    if sequence is None or not node.first_available <= sequence <= node.checkpoint:
        return None
    return {"sequenceNumber": sequence, "timestamp": rfc3339(node.checkpoint_time(sequence)),
            "digest": node.checkpoint_digest(sequence),
            "networkTotalTransactions": node.transactions_up_to(sequence)}


def query_checkpoint(ctx, _, args):
    wanted = args.get("id") or {}
    sequence = wanted.get("sequenceNumber")
    if sequence is None and wanted.get("digest") is not None:
        sequence = ctx.node.checkpoint_by_digest(wanted["digest"])
        if sequence is None:
            return None
    if sequence is not None and sequence > ctx.viewed_at:
        return None
    return checkpoint_object(ctx, ctx.viewed_at if sequence is None else sequence)


def query_transaction_block(ctx, _, args):
    tx = ctx.node.by_digest.get(args.get("digest"))
    if tx is None or tx["checkpoint"] is None or tx["checkpoint"] < ctx.node.first_available:
        return None
    return ("tx", tx, ctx.viewed_at)


def query_address(ctx, _, args):
    address = normalise_address(args.get("address"))
    if address is None:
        raise GraphQLError('Invalid value for argument "address", expected type "IotaAddress"')
    return {"address": address}


def address_transaction_blocks(ctx, parent, args):
    relation = args.get("relation") or "SENT"
    name = {"SENT": "sentAddress", "RECV": "recvAddress", "AFFECTED": "affectedAddress"}.get(relation)
    if name is None:
        raise GraphQLError('Invalid value for argument "relation"')
    return transaction_blocks(ctx, args, {name: parent["address"]})


def chain_identifier(ctx, _, args):
    return "deadbeef" if ctx.wrong_chain else ctx.node.chain_id


def effects_checkpoint(ctx, parent, args):
    return checkpoint_object(ctx, parent[1]["checkpoint"])


def effects_status(ctx, parent, args):
    return Enum("SUCCESS" if parent[1]["status"] == "success" else "FAILURE")


def effects_errors(ctx, parent, args):
    return None if parent[1]["status"] == "success" else "InsufficientCoinBalance in command 0"


def tx_effects(ctx, parent, args):
    return ("effects", parent[1], parent[2])


def service_config(ctx, _, args):
    limits = dict(ctx.node.limits)
    limits.update({"availableVersions": ["2026.11"], "maxScanLimit": 100000000, "maxOutputNodes": 100000,
                   "mutationTimeoutMs": 74000, "maxQueryDepth": 20, "maxQueryNodes": 300})
    return limits


def plain(key):
    return lambda ctx, parent, args: parent.get(key)


SCHEMA = {
    "Query": {
        "chainIdentifier": ("String!", chain_identifier),
        "checkpoint": ("Checkpoint", query_checkpoint),
        "availableRange": ("AvailableRange!", lambda ctx, _, a: {
            "first": checkpoint_object(ctx, ctx.node.first_available),
            "last": checkpoint_object(ctx, ctx.viewed_at)}),
        "serviceConfig": ("ServiceConfig!", service_config),
        "transactionBlocks": ("TransactionBlockConnection!", lambda ctx, _, a: transaction_blocks(ctx, a)),
        "transactionBlock": ("TransactionBlock", query_transaction_block),
        "address": ("Address", query_address),
    },
    "AvailableRange": {"first": ("Checkpoint", plain("first")), "last": ("Checkpoint", plain("last"))},
    "Checkpoint": {name: (kind, plain(name)) for name, kind in (
        ("sequenceNumber", "UInt53!"), ("timestamp", "DateTime!"), ("digest", "String!"),
        ("networkTotalTransactions", "UInt53"))},
    "ServiceConfig": {name: ("Int!", plain(name)) for name in (
        "defaultPageSize", "maxPageSize", "maxQueryPayloadSize", "requestTimeoutMs", "maxScanLimit",
        "maxOutputNodes", "mutationTimeoutMs", "maxQueryDepth", "maxQueryNodes")},
    "Address": {"address": ("IotaAddress!", plain("address")),
                "transactionBlocks": ("TransactionBlockConnection!", address_transaction_blocks)},
    "Owner": {"address": ("IotaAddress!", plain("address"))},
    "PageInfo": {name: (kind, plain(name)) for name, kind in (
        ("hasPreviousPage", "Boolean!"), ("hasNextPage", "Boolean!"), ("startCursor", "String"),
        ("endCursor", "String"))},
    "TransactionBlockConnection": {
        "pageInfo": ("PageInfo!", plain("pageInfo")), "nodes": ("[TransactionBlock!]!", plain("nodes")),
        "edges": ("[TransactionBlockEdge!]!", plain("edges"))},
    "TransactionBlockEdge": {"node": ("TransactionBlock!", plain("node")), "cursor": ("String!", plain("cursor"))},
    "TransactionBlock": {
        "digest": ("String", lambda ctx, p, a: p[1]["digest"]),
        "sender": ("Address", lambda ctx, p, a: {"address": p[1]["from"]}),
        "effects": ("TransactionBlockEffects", tx_effects)},
    "TransactionBlockEffects": {
        "status": ("ExecutionStatus", effects_status),
        "errors": ("String", effects_errors),
        "timestamp": ("DateTime", lambda ctx, p, a: rfc3339(ctx.node.checkpoint_time(p[1]["checkpoint"]))),
        "checkpoint": ("Checkpoint", effects_checkpoint),
        "lamportVersion": ("UInt53!", lambda ctx, p, a: 1071),
        "transactionBlock": ("TransactionBlock", lambda ctx, p, a: ("tx", p[1], p[2])),
        "balanceChanges": ("BalanceChangeConnection!", lambda ctx, p, a: balance_changes(ctx, p[1], p[2], a))},
    "BalanceChangeConnection": {
        "pageInfo": ("PageInfo!", plain("pageInfo")), "nodes": ("[BalanceChange!]!", plain("nodes")),
        "edges": ("[BalanceChangeEdge!]!", plain("edges"))},
    "BalanceChangeEdge": {"node": ("BalanceChange!", plain("node")), "cursor": ("String!", plain("cursor"))},
    "BalanceChange": {"owner": ("Owner", plain("owner")), "amount": ("BigInt", plain("amount")),
                      "coinType": ("MoveType", plain("coinType"))},
    "MoveType": {"repr": ("String!", plain("repr"))},
}


# --- execution ------------------------------------------------------------------------------------

def substitute(value, variables):
    if isinstance(value, Variable):
        return variables.get(value.name)
    if isinstance(value, list):
        return [substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, variables) for k, v in value.items()}
    return value


def collect(ctx, selections, type_name):
    """The fields of a selection set with fragments spread, in order."""
    fields = []
    for selection in selections:
        if isinstance(selection, Field):
            fields.append(selection)
        elif isinstance(selection, FragmentSpread):
            if selection.name not in ctx.fragments:
                raise GraphQLError("Unknown fragment \"%s\"." % selection.name, field=selection)
            fields += collect(ctx, ctx.fragments[selection.name], type_name)
        elif isinstance(selection, InlineFragment):
            if selection.type_condition in (None, type_name):
                fields += collect(ctx, selection.selections, type_name)
    return fields


def validate(ctx, selections, type_name):
    """Unknown fields are refused before anything runs, as the real server's validation does."""
    for field in collect(ctx, selections, type_name):
        if field.name == "__typename":
            continue
        if field.name not in SCHEMA[type_name]:
            raise GraphQLError('Unknown field "%s" on type "%s".' % (field.name, type_name), field=field)
        kind = SCHEMA[type_name][field.name][0].strip("[]!")
        if kind in SCHEMA:
            if not field.selections:
                raise GraphQLError('Field "%s" of type "%s" must have a selection of subfields'
                                   % (field.name, SCHEMA[type_name][field.name][0]), field=field)
            validate(ctx, field.selections, kind)
        elif field.selections:
            raise GraphQLError('Field "%s" must not have a selection since type "%s" has no subfields'
                               % (field.name, kind), field=field)


def execute_object(ctx, selections, type_name, parent, path):
    out = {}
    for field in collect(ctx, selections, type_name):
        if field.name == "__typename":
            out[field.key] = type_name
            continue
        kind, resolver = SCHEMA[type_name][field.name]
        here = path + [field.key]
        try:
            value = resolver(ctx, parent, substitute(field.arguments, ctx.variables))
            out[field.key] = complete(ctx, kind, field, value, here)
        except GraphQLError as error:
            ctx.errors.append(error_entry(error.message, error.code, field, here))
            out[field.key] = None
            if kind.endswith("!"):
                raise Bubble() from None
        except Bubble:
            out[field.key] = None
            if kind.endswith("!"):
                raise
    return out


def complete(ctx, kind, field, value, path):
    if value is None:
        if kind.endswith("!"):
            raise Bubble()
        return None
    base = kind[:-1] if kind.endswith("!") else kind
    if base.startswith("["):
        inner = base[1:-1]
        items = []
        for index, item in enumerate(value):
            try:
                items.append(complete(ctx, inner, field, item, path + [index]))
            except Bubble:
                if inner.endswith("!"):
                    raise
                items.append(None)
        return items
    if base in SCHEMA:
        try:
            return execute_object(ctx, field.selections, base, value, path)
        except Bubble:
            if kind.endswith("!"):
                raise
            return None
    return value


def error_entry(message, code, field=None, path=None):
    entry = {"message": message}
    if field is not None:
        entry["locations"] = [{"line": field.line, "column": field.column}]
    if path:
        entry["path"] = path
    entry["extensions"] = {"code": code}
    return entry


def coerce_variables(operation, supplied):
    values = {}
    for name, (type_text, default) in operation.variables.items():
        value = supplied.get(name, default) if isinstance(supplied, dict) else default
        if value is None and type_text.endswith("!"):
            raise GraphQLError('Variable "$%s" of required type "%s" was not provided.' % (name, type_text))
        base = type_text.rstrip("!")
        if value is not None:
            if base in ("Int", "UInt53") and (not isinstance(value, int) or isinstance(value, bool) or value < 0
                                               and base == "UInt53"):
                raise GraphQLError('Invalid value for argument "%s", expected type "%s"' % (name, base))
            if base == "IotaAddress" and normalise_address(value) is None:
                raise GraphQLError('Invalid value for argument "%s", expected type "IotaAddress"' % name)
            if base == "String" and not isinstance(value, str):
                raise GraphQLError('Invalid value for argument "%s", expected type "String"' % name)
        values[name] = value
    return values


def execute(node, body, wrong_chain=False):
    """One GraphQL request body (bytes) -> (HTTP status, reply object) and the top-level field
    names it asked for (for the request counters)."""
    limit = node.limits["maxQueryPayloadSize"]
    if len(body) > limit:
        message = ("Query part too large: %d bytes. Requests are limited to 128000 bytes or fewer on "
                   "transaction payloads (all inputs to executeTransactionBlock or dryRunTransactionBlock) and "
                   "the rest of the request (the query part) must be %d bytes or fewer." % (len(body), limit))
        return 200, {"data": None, "errors": [error_entry(message, "BAD_USER_INPUT")]}, ["(too large)"]
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return 400, None, []
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        return 400, None, []
    ctx = Context(node, wrong_chain)
    try:
        document = parse(request["query"])
    except GraphQLSyntaxError as error:
        return 200, {"data": None, "errors": [{"message": error.message,
                                               "locations": [{"line": error.line, "column": error.column}]}]}, []
    wanted = request.get("operationName")
    operations = [op for op in document.operations if wanted is None or op.name == wanted]
    if len(operations) != 1:
        return 200, {"data": None, "errors": [{"message": "Operation is ambiguous or missing"}]}, []
    operation = operations[0]
    ctx.fragments = document.fragments
    fields = [f.name for f in operation.selections if isinstance(f, Field)]
    if operation.kind != "query":
        return 200, {"data": None, "errors": [error_entry("Only queries are served here", "BAD_REQUEST")]}, fields
    try:
        ctx.variables = coerce_variables(operation, request.get("variables") or {})
        validate(ctx, operation.selections, "Query")
    except GraphQLError as error:
        return 200, {"data": None, "errors": [error_entry(error.message, error.code, error.field)]}, fields
    try:
        data = execute_object(ctx, operation.selections, "Query", None, [])
    except Bubble:
        data = None
    reply = {"data": data}
    if ctx.errors:
        reply["errors"] = ctx.errors
    return 200, reply, fields
