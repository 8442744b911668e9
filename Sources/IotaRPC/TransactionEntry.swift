import Ledger

/// What one `iotax_queryTransactionBlocks` entry means for one account.
public enum TransactionEntry: Equatable, Sendable {
    /// A final, successful transaction that left a positive net IOTA amount at the account's address.
    case payment(Payment)
    /// Not checkpointed yet on this node: re-poll it; the cursor must not move past it.
    case notFinal(digest: TransactionDigest)
    /// The node says its data for this entry is partial (`errors` present, or `balanceChanges`
    /// missing). Not zero: it blocks the cursor like `.notFinal` and is read again (spec §6).
    case incomplete(digest: TransactionDigest, reason: String)
    /// Final, and neither credit nor debit for the account.
    case ignored(digest: TransactionDigest, reason: IgnoreReason)

    public var digest: TransactionDigest {
        switch self {
        case .payment(let payment): return TransactionDigest(unchecked: payment.digest)
        case .notFinal(let digest), .incomplete(let digest, _), .ignored(let digest, _): return digest
        }
    }

    /// Whether the cursor may move past this entry.
    public var isSettled: Bool {
        switch self {
        case .payment, .ignored: return true
        case .notFinal, .incomplete: return false
        }
    }
}

/// Why a final transaction is not a payment to the account.
public enum IgnoreReason: Equatable, Sendable {
    /// `effects.status` is failure: only gas moved, never credited.
    case failed(error: String)
    /// The account's own outgoing transaction (e.g. the owner sweeping the funds): the net IOTA
    /// change at the address is negative. Neither a credit nor a debit of the account.
    case outgoing
    /// Only other coin types reached the address.
    case foreignCoin
    /// No IOTA change at the address (objects or NFTs sent to it, or amounts owned otherwise).
    case noChange

    public var message: String {
        switch self {
        case .failed(let error): return "failed transaction: \(error)"
        case .outgoing: return "outgoing transaction of the address"
        case .foreignCoin: return "only foreign coin types"
        case .noChange: return "no IOTA change for the address"
        }
    }
}

extension TransactionDigest {
    /// For digests that were checked when they were decoded (a `Payment`'s).
    init(unchecked text: String) { self.text = text }
}
