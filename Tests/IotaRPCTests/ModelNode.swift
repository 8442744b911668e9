import Ledger
@testable import IotaRPC

/// One transaction on the model chain: `amount` is the net IOTA change of `account` (0: it only
/// received objects; negative: its own outgoing one); `bad` makes the node describe it wrongly.
struct ModelTx {
    var digest: String
    var checkpoint: UInt64
    var amount: Int64
    var success = true
    var bad: String? = nil
    /// GraphQL: the account's change arrives split over two balance-change pages.
    var splitChanges = false
}

/// A node as IOTA's servers behave, small enough to read: GraphQL answers as of the checkpoint a
/// cursor was issued at (the cursor trap), only checkpointed transactions, `maxPageSize` pages;
/// JSON-RPC pages newest first with digest cursors. Replies are built as JSON text and go through
/// the real decoders.
final class ModelNode {
    var chain = "6364aad5"
    var txs: [ModelTx] = []
    var latest: UInt64 = 10
    var availableFirst: UInt64 = 0
    var maxPageSize = 50
    let payer = "0x" + String(repeating: "ab", count: 32)

    func add(_ tx: ModelTx) {
        txs.append(tx)
        latest = max(latest, tx.checkpoint)
    }

    // MARK: GraphQL

    func graphQL(_ body: [UInt8]) -> [UInt8] {
        guard let request = try? JSONReader.parse(body), let query = request["query"]?.stringValue,
              let variables = request["variables"] else { return utf8("{\"errors\":[{\"message\":\"bad request\"}]}") }
        let head = "\"chainIdentifier\":\"\(chain)\""
        if query.hasPrefix("{chainIdentifier checkpoint") {
            return utf8("{\"data\":{\(head),\"checkpoint\":{\"sequenceNumber\":\(latest)},\"serviceConfig\":"
                        + "{\"maxPageSize\":\(maxPageSize),\"maxQueryPayloadSize\":5000}}}")
        }
        let n = Int(variables["n"]?.int64Value ?? 0)
        if n > maxPageSize {
            return utf8("{\"data\":null,\"errors\":[{\"message\":\"Page size is too large: \(n) > \(maxPageSize)\","
                        + "\"extensions\":{\"code\":\"BAD_USER_INPUT\"}}]}")
        }
        if query.contains("transactionBlock(digest") {
            let digest = variables["d"]?.stringValue ?? ""
            guard let tx = txs.first(where: { $0.digest == digest }) else {
                return utf8("{\"data\":{\(head),\"transactionBlock\":null}}")
            }
            if query.contains("balanceChanges") {
                let rest = #"{"owner":{"address":"\#(account.text)"},"amount":"\#(tx.amount - tx.amount / 2)","coinType":{"repr":"0x2::iota::IOTA"}}"#
                return utf8("{\"data\":{\(head),\"transactionBlock\":{\"effects\":{\"balanceChanges\":"
                            + "{\"pageInfo\":{\"hasNextPage\":false,\"endCursor\":\"b2\"},\"nodes\":[\(rest)]}}}}}")
            }
            return utf8("{\"data\":{\(head),\"transactionBlock\":{\"effects\":{\"checkpoint\":{\"sequenceNumber\":\(tx.checkpoint)}}}}}")
        }
        // The scan: a cursor `viewedAt:index` is answered as of `viewedAt`.
        let after = variables["w"]?.int64Value.map { UInt64($0) }
        var viewedAt = latest
        var start = 0
        if let cursor = variables["c"]?.stringValue {
            let parts = cursor.split(separator: ":")
            viewedAt = UInt64(parts[0])!
            start = Int(parts[1])! + 1
        }
        let visible = txs.filter { $0.checkpoint <= viewedAt && (after == nil || $0.checkpoint > after!) }
            .sorted { $0.checkpoint < $1.checkpoint }
        let slice = visible.indices.filter { $0 >= start }.prefix(n)
        let nodes = slice.map { graphQLNode(visible[$0]) }.joined(separator: ",")
        let more = (slice.last ?? visible.count) + 1 < visible.count
        let end = slice.last.map { "\"\(viewedAt):\($0)\"" } ?? "null"
        return utf8("{\"data\":{\(head),\"checkpoint\":{\"sequenceNumber\":\(viewedAt)},"
                    + "\"availableRange\":{\"first\":{\"sequenceNumber\":\(availableFirst)}},"
                    + "\"transactionBlocks\":{\"pageInfo\":{\"hasNextPage\":\(more),\"endCursor\":\(end)},\"nodes\":[\(nodes)]}}}")
    }

    func graphQLNode(_ tx: ModelTx) -> String {
        var amount = "\"\(tx.amount)\""
        if let bad = tx.bad { amount = bad }
        let ours = tx.splitChanges ? "\"\(tx.amount / 2)\"" : amount
        let changes = #"{"owner":{"address":"\#(payer)"},"amount":"\#(-abs(tx.amount) - 1000)","coinType":{"repr":"0x2::iota::IOTA"}},"#
            + #"{"owner":{"address":"\#(account.text)"},"amount":\#(ours),"coinType":{"repr":"0x0000000000000000000000000000000000000000000000000000000000000002::iota::IOTA"}}"#
        return #"{"digest":"\#(tx.digest)","effects":{"status":"\#(tx.success ? "SUCCESS" : "FAILURE")","#
            + #""timestamp":"2026-11-30T09:56:01.123Z","checkpoint":{"sequenceNumber":\#(tx.checkpoint)},"#
            + #""balanceChanges":{"pageInfo":{"hasNextPage":\#(tx.splitChanges),"endCursor":"b1"},"nodes":[\#(changes)]}}}"#
    }

    // MARK: JSON-RPC

    func jsonRPC(_ body: [UInt8]) -> [UInt8] {
        guard let request = try? JSONReader.parse(body), let method = request["method"]?.stringValue,
              let id = request["id"]?.int64Value else { return utf8("{}") }
        func result(_ json: String) -> [UInt8] { utf8("{\"jsonrpc\":\"2.0\",\"result\":\(json),\"id\":\(id)}") }
        switch method {
        case "iota_getChainIdentifier": return result("\"\(chain)\"")
        case "iota_getLatestCheckpointSequenceNumber": return result("\"\(latest)\"")
        case "iota_getTransactionBlock":
            let digest = request["params"]?.arrayValue?.first?.stringValue ?? ""
            guard let tx = txs.first(where: { $0.digest == digest }) else {
                return utf8("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32602,\"message\":\"not found\"},\"id\":\(id)}")
            }
            return result("{\"digest\":\"\(digest)\",\"checkpoint\":\"\(tx.checkpoint)\"}")
        case "iotax_queryTransactionBlocks":
            let params = request["params"]?.arrayValue ?? []
            let cursor = params.count > 1 ? params[1].stringValue : nil
            let newestFirst = txs.sorted { $0.checkpoint > $1.checkpoint }
            var start = 0
            if let cursor, let index = newestFirst.firstIndex(where: { $0.digest == cursor }) { start = index + 1 }
            let slice = newestFirst[min(start, newestFirst.count)...].prefix(50)
            let entries = slice.map { tx -> String in
                let status = tx.success ? #"{"status":"success"}"# : #"{"status":"failure","error":"x"}"#
                let amount = tx.bad ?? "\"\(tx.amount)\""
                return #"{"digest":"\#(tx.digest)","effects":{"status":\#(status)},"checkpoint":"\#(tx.checkpoint)","#
                    + #""timestampMs":"1750000000000","balanceChanges":[{"owner":{"AddressOwner":"\#(account.text)"},"#
                    + #""coinType":"0x2::iota::IOTA","amount":\#(amount)}]}"#
            }.joined(separator: ",")
            let more = start + slice.count < newestFirst.count
            let next = slice.last.map { "\"\($0.digest)\"" } ?? "null"
            return result("{\"data\":[\(entries)],\"nextCursor\":\(next),\"hasNextPage\":\(more)}")
        default:
            return utf8("{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"Method not found\"},\"id\":\(id)}")
        }
    }
}
