import Ledger

/// What to do with one decoded page: which payments to credit, where the persisted cursor moves,
/// and whether to fetch the next page at once. Pure: the daemon journals `payments` (skipping
/// digests already credited) before it journals `cursor`.
public struct PaymentScan: Equatable, Sendable {
    /// Every final payment on the page, in page order. Those after an unsettled entry are included:
    /// they are final, and the credited-digest set makes reading them again harmless.
    public var payments: [Payment]
    /// The new cursor: the digest of the last entry before the first unsettled one (`.notFinal`,
    /// `.incomplete`), so everything up to it is handled; the old cursor if nothing moved.
    public var cursor: TransactionDigest?
    /// The first entry that stopped the cursor, if any: poll again later from `cursor`.
    public var blockedBy: TransactionDigest?
    /// The node has more entries and the cursor advanced to the end of this page: query again now.
    public var fetchNextPage: Bool

    public init(page: TransactionPage, cursor old: TransactionDigest?) {
        var cursor = old
        var blockedBy: TransactionDigest? = nil
        var payments: [Payment] = []
        for entry in page.entries {
            if case .payment(let payment) = entry { payments.append(payment) }
            if blockedBy != nil { continue }
            if entry.isSettled { cursor = entry.digest } else { blockedBy = entry.digest }
        }
        self.payments = payments
        self.cursor = cursor
        self.blockedBy = blockedBy
        // Requiring progress keeps a node that always claims hasNextPage from looping us forever.
        self.fetchNextPage = page.hasNextPage && blockedBy == nil && !page.entries.isEmpty && cursor != old
    }

    /// The newest transaction in a descending, limit-1 query: the first-start baseline
    /// (`paymentBaseline(cursor:)`); nil when the address has no transactions yet.
    public static func baseline(of page: TransactionPage) -> TransactionDigest? {
        page.entries.first?.digest
    }
}
