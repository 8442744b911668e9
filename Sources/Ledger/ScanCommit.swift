/// What one payment scan journals for an account, decided here so the daemon only writes it.
extension Account {
    /// The events of a scan's commit: every payment this account can take that no account has
    /// credited yet — `creditedBy` names the meter that holds a digest, if any, so a digest is
    /// credited at most once in the whole journal even when two meters' addresses were swapped —
    /// then the watermark, when it moved or changed address, behind a checkpoint of the in-memory
    /// reading when there is anything to journal. Refused payments come back with why
    /// (credited to another meter; an amount the account's totals cannot hold), each costing
    /// itself alone.
    public func scanEvents(payments: [Payment], address: String, watermark: UInt64?,
                           creditedBy: (TransactionDigest) -> String?) -> (events: [AccountEvent], refused: [(Payment, String)]) {
        var events: [AccountEvent] = []
        var refused: [(Payment, String)] = []
        var next = self
        for payment in payments where !next.hasCredited(digest: payment.digest) {
            if let other = creditedBy(payment.digest) {
                refused.append((payment, "already credited to meter \(other)"))
                continue
            }
            do {
                try next.apply(.paymentCredited(payment))
                events.append(.paymentCredited(payment))
            } catch {
                refused.append((payment, error.message))
            }
        }
        if state.watermarkAddress != address || state.watermark != watermark {
            events.append(.paymentWatermark(address: address, checkpoint: watermark))
        }
        // A checkpoint of the in-memory reading in front (`withCheckpoint`), so replay re-arms
        // emergency credit by the same balance the running account sees.
        if !events.isEmpty, let checkpoint = checkpointEvent() { events.insert(checkpoint, at: 0) }
        return (events, refused)
    }
}
