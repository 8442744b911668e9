import Ledger

/// JSON-RPC 2.0 request bodies, byte for byte, one request per POST (the node refuses batches with
/// -32005). Send with `Content-Type: application/json`; the node answers 415 without it.
public enum RPCRequest {
    /// The node's page size cap (`QUERY_MAX_RESULT_LIMIT`); larger limits are silently capped.
    public static let maxPageLimit = 50

    /// `iotax_queryTransactionBlocks` for transactions that left objects owned by `address`
    /// (`ToAddress`, which also lists the address's own outgoing transactions), with effects and
    /// balance changes. `cursor` is exclusive (results start after it); nil starts at the beginning
    /// (or the head when `descending`). `limit` is clamped to 1…50.
    public static func queryTransactionBlocks(id: Int64, address: IotaAddress, cursor: TransactionDigest?,
                                              limit: Int = maxPageLimit, descending: Bool = false) -> [UInt8] {
        var params: [UInt8] = []
        JSONText.append("[{\"filter\":{\"ToAddress\":", to: &params)
        JSONText.appendString(address.text, to: &params)
        JSONText.append("},\"options\":{\"showEffects\":true,\"showBalanceChanges\":true,\"showInput\":false}},", to: &params)
        if let cursor { JSONText.appendString(cursor.text, to: &params) } else { JSONText.append("null", to: &params) }
        JSONText.append(",\(min(max(limit, 1), maxPageLimit)),\(descending ? "true" : "false")]", to: &params)
        return body(id: id, method: "iotax_queryTransactionBlocks", params: params)
    }

    /// `iota_getLatestCheckpointSequenceNumber`: the node's height, for the staleness check.
    public static func latestCheckpoint(id: Int64) -> [UInt8] {
        body(id: id, method: "iota_getLatestCheckpointSequenceNumber", params: Array("[]".utf8))
    }

    /// `iota_getChainIdentifier`: which network the node serves.
    public static func chainIdentifier(id: Int64) -> [UInt8] {
        body(id: id, method: "iota_getChainIdentifier", params: Array("[]".utf8))
    }

    static func body(id: Int64, method: String, params: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + params.count)
        JSONText.append("{\"jsonrpc\":\"2.0\",\"id\":\(id),\"method\":", to: &out)
        JSONText.appendString(method, to: &out)
        JSONText.append(",\"params\":", to: &out)
        out.append(contentsOf: params)
        out.append(UInt8(ascii: "}"))
        return out
    }
}

