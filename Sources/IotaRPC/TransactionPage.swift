import Ledger

/// One page of `iotax_queryTransactionBlocks` for one account, each entry already classified.
public struct TransactionPage: Equatable, Sendable {
    /// In the node's order (ascending queries: oldest first).
    public var entries: [TransactionEntry]
    /// The node's `nextCursor`; nil when it wrote null (the indexer on an empty page). Informational:
    /// `PaymentScan` derives our cursor from the entries themselves.
    public var nextCursor: TransactionDigest?
    public var hasNextPage: Bool

    public init(entries: [TransactionEntry], nextCursor: TransactionDigest?, hasNextPage: Bool) {
        self.entries = entries
        self.nextCursor = nextCursor
        self.hasNextPage = hasNextPage
    }

    /// Decodes the reply to `RPCRequest.queryTransactionBlocks(id:address:cursor:…)`. `cursor` is
    /// the one sent, so that -32602 becomes `.unknownCursor`.
    public static func decode(_ body: [UInt8], id: Int64, account: IotaAddress,
                              cursor: TransactionDigest?) throws(IotaRPCError) -> TransactionPage {
        let result = ReplyFields(try RPCEnvelope.result(body, id: id, cursor: cursor), path: "result")
        _ = try result.object()
        var entries: [TransactionEntry] = []
        for item in try result.require("data").array() {
            entries.append(try classify(item, account: account))
        }
        return TransactionPage(entries: entries,
                               nextCursor: try result.optional("nextCursor")?.digest(),
                               hasNextPage: try result.require("hasNextPage").bool())
    }

    /// The payment rule of spec §6: success, checkpointed, and a positive net `0x2::iota::IOTA`
    /// change owned (`AddressOwner`) by the account.
    static func classify(_ item: ReplyFields, account: IotaAddress) throws(IotaRPCError) -> TransactionEntry {
        let entry = try item.object()
        let digest = try entry.require("digest").digest()
        guard let checkpointField = entry.optional("checkpoint") else { return .notFinal(digest: digest) }
        let checkpoint = UInt64(try checkpointField.unsignedString(max: Int128(UInt64.max)))
        let timestampMs = Int64(try entry.require("timestampMs").unsignedString(max: Int128(Int64.max)))

        let status = try entry.require("effects").require("status")
        switch try status.require("status").string() {
        case "success": break
        case "failure":
            let error = try status.optional("error")?.string() ?? "no error text"
            return .ignored(digest: digest, reason: .failed(error: IotaAddress.excerpt(error)))
        default:
            throw try status.require("status").fail("expected \"success\" or \"failure\"")
        }

        if let errors = entry.optional("errors"), let first = try errors.array().first {
            return .incomplete(digest: digest, reason: IotaAddress.excerpt(try first.string()))
        }
        guard let changes = entry.optional("balanceChanges") else {
            return .incomplete(digest: digest, reason: "balanceChanges missing")
        }

        var net: Int128 = 0
        var foreignCoin = false
        for change in try changes.array() {
            _ = try change.object()
            let amount = try change.require("amount").integerString()
            let coinType = try change.require("coinType").string()
            guard try isOwned(by: account, change.require("owner")) else { continue }
            guard CoinType.isIOTA(coinType) else { foreignCoin = true; continue }
            let (sum, overflow) = net.addingReportingOverflow(amount)
            if overflow { throw change.fail("net amount overflows i128") }
            net = sum
        }
        if net > 0 {
            guard net <= Int128(Int64.max) else {
                throw entry.fail("net amount exceeds the Int64 nanos range (more than the total supply)")
            }
            return .payment(Payment(digest: digest.text, amount: Nanos(Int64(net)),
                                    checkpoint: checkpoint, timestampMs: timestampMs))
        }
        if net < 0 { return .ignored(digest: digest, reason: .outgoing) }
        return .ignored(digest: digest, reason: foreignCoin ? .foreignCoin : .noChange)
    }

    /// Owner is `{"AddressOwner": addr}`, `{"ObjectOwner": addr}`, `{"Shared": {…}}` or the bare
    /// string `"Immutable"`; only an `AddressOwner` equal to the account counts. Unknown owner
    /// shapes of a newer node are someone else's, not a reason to refuse the page.
    static func isOwned(by account: IotaAddress, _ owner: ReplyFields) throws(IotaRPCError) -> Bool {
        switch owner.value {
        case .string: return false
        case .object:
            guard let address = owner.optional("AddressOwner") else { return false }
            let text = try address.string()
            do {
                return try IotaAddress(normalising: text) == account
            } catch {
                throw address.fail(error.message)
            }
        default:
            throw owner.fail("expected an object or a string, got \(owner.value.kindName)")
        }
    }
}
