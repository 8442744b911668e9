import Ledger

/// One page of `iotax_queryTransactionBlocks` for one account, each entry already judged.
public struct TransactionPage: Equatable, Sendable {
    /// In the node's order.
    public var entries: [ScannedTransaction]
    /// The node's `nextCursor`; nil when it wrote null (the indexer on an empty page).
    public var nextCursor: TransactionDigest?
    public var hasNextPage: Bool

    public init(entries: [ScannedTransaction], nextCursor: TransactionDigest?, hasNextPage: Bool) {
        self.entries = entries
        self.nextCursor = nextCursor
        self.hasNextPage = hasNextPage
    }

    /// Decodes the reply to `RPCRequest.queryTransactionBlocks`. The envelope and the page's own
    /// fields must be right (else the reply is a node fault); each entry is judged on its own.
    public static func decode(_ body: [UInt8], id: Int64, account: IotaAddress) throws(IotaRPCError) -> TransactionPage {
        let result = ReplyFields(try RPCEnvelope.result(body, id: id), path: "result")
        _ = try result.object()
        var entries: [ScannedTransaction] = []
        for item in try result.require("data").array() { entries.append(classify(item, account: account)) }
        return TransactionPage(entries: entries,
                               nextCursor: try result.optional("nextCursor")?.digest(),
                               hasNextPage: try result.require("hasNextPage").bool())
    }

    /// The payment rule of spec §6: success, checkpointed, and a positive net IOTA change owned
    /// (`AddressOwner`) by the account.
    @inline(never)
    static func classify(_ item: ReplyFields, account: IotaAddress) -> ScannedTransaction {
        let digest: TransactionDigest
        do { digest = try item.require("digest").digest() } catch { return unusable(nil, nil, error.message) }
        var checkpoint: UInt64? = nil
        do throws(IotaRPCError) {
            let entry = item
            guard let checkpointField = entry.optional("checkpoint") else {
                return ScannedTransaction(digest: digest, checkpoint: nil, verdict: .notFinal)
            }
            checkpoint = UInt64(try checkpointField.unsignedString(max: Int128(UInt64.max)))
            let final = checkpoint ?? 0
            let timestampMs = Int64(try entry.require("timestampMs").unsignedString(max: Int128(Int64.max)))
            let status = try entry.require("effects").require("status").require("status")
            switch try status.string() {
            case "success": break
            case "failure": return ScannedTransaction(digest: digest, checkpoint: final, verdict: .ignored)
            default: throw status.fail("expected \"success\" or \"failure\"")
            }
            if let errors = entry.optional("errors"), let first = try errors.array().first {
                return unusable(digest, final, "the node's data is partial: " + IotaAddress.excerpt(try first.string()))
            }
            guard let changes = entry.optional("balanceChanges") else {
                return unusable(digest, final, "balanceChanges missing")
            }
            var tally = BalanceTally(account: account)
            for change in try changes.array() {
                _ = try change.object()
                // Only an `AddressOwner` can be the account; `{"ObjectOwner":…}`, `{"Shared":…}`,
                // `"Immutable"` and shapes of a newer node are someone else's.
                guard let owner = change.optional("owner")?.optional("AddressOwner") else { continue }
                try tally.add(owner: owner, coinType: change.require("coinType"), amount: change.require("amount"))
            }
            return ScannedTransaction(digest: digest, checkpoint: final,
                                      verdict: tally.verdict(digest: digest, checkpoint: final, timestampMs: timestampMs))
        } catch {
            return unusable(digest, checkpoint, error.message)
        }
    }

    static func unusable(_ digest: TransactionDigest?, _ checkpoint: UInt64?, _ reason: String) -> ScannedTransaction {
        ScannedTransaction(digest: digest, checkpoint: checkpoint, verdict: .unusable(reason: reason))
    }
}
