import Ledger

/// What one transaction of a node's page means for one account, in either API. Decoding never
/// throws for one entry: a transaction the node cannot fully describe, or one with a malformed
/// field, becomes `.unusable` and costs that entry alone, never the page (issue 16).
public struct ScannedTransaction: Equatable, Sendable {
    /// nil when the entry's own digest is unreadable.
    public var digest: TransactionDigest?
    /// The checkpoint it is final in; nil when not checkpointed yet (JSON-RPC) or unreadable.
    public var checkpoint: UInt64?
    public var verdict: Verdict

    public enum Verdict: Equatable, Sendable {
        /// A final, successful transaction that left a positive net IOTA amount at the address.
        case payment(Payment)
        /// Final, and neither credit nor debit (failed, outgoing, foreign coin, no IOTA change).
        case ignored
        /// Not checkpointed yet on this node: a later scan sees it.
        case notFinal
        /// Partial data (`errors`, balance changes missing) or a malformed field.
        case unusable(reason: String)
        /// GraphQL: its `balanceChanges` continue on another page, from `cursor`.
        case moreChanges(cursor: String, tally: BalanceTally, timestampMs: Int64)
    }

    public init(digest: TransactionDigest?, checkpoint: UInt64?, verdict: Verdict) {
        self.digest = digest
        self.checkpoint = checkpoint
        self.verdict = verdict
    }

    /// `digest: reason` for the log, or `?` when the digest itself was unreadable.
    var label: String { digest?.text ?? "(unreadable digest)" }
}

/// The net IOTA change owned by one address over a transaction's balance changes (spec §6): only
/// the account's own entries are read further than their owner, so a bad amount of someone else's
/// costs nothing; an owner that is not an address, or an amount that is not a strict decimal
/// string within the total supply, makes the transaction unusable.
public struct BalanceTally: Equatable, Sendable {
    public let account: IotaAddress
    public private(set) var net: Int128 = 0
    public private(set) var foreignCoin = false

    public init(account: IotaAddress) { self.account = account }

    mutating func add(owner: ReplyFields, coinType: ReplyFields, amount: ReplyFields) throws(IotaRPCError) {
        let text = try owner.string()
        let address: IotaAddress
        do { address = try IotaAddress(normalising: text) } catch { throw owner.fail(error.message) }
        guard address == account else { return }
        guard CoinType.isIOTA(try coinType.string()) else { foreignCoin = true; return }
        let value = try amount.integerString()
        let limit = Int128(IotaSupply.maxNanos)
        guard value >= -limit, value <= limit else { throw amount.fail("beyond the total IOTA supply") }
        net += value   // bounded addends: a page cannot hold enough of them to overflow Int128
    }

    /// The verdict once every balance change is in.
    func verdict(digest: TransactionDigest, checkpoint: UInt64, timestampMs: Int64) -> ScannedTransaction.Verdict {
        if net <= 0 { return .ignored }
        guard net <= Int128(IotaSupply.maxNanos) else { return .unusable(reason: "net amount beyond the total IOTA supply") }
        return .payment(Payment(digest: digest, amount: Nanos(Int64(net)), checkpoint: checkpoint,
                                timestampMs: WallClockMs(timestampMs)))
    }
}
