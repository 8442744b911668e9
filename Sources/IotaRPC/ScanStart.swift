import Ledger

/// Where one account's next scan starts, read from its journaled state (DESIGN §2 "Payments").
public enum ScanStart: Equatable, Sendable {
    /// No watermark for this address: first start, or the meter's `iota.address` changed (a
    /// watermark belongs to the address it was scanned for, never to the meter).
    case fresh
    /// Every transaction to the address in a checkpoint ≤ W has been seen; nil: none yet, scan
    /// from the oldest the node has.
    case watermark(UInt64?)
    public init(state: AccountState, address: IotaAddress) {
        if let bound = state.watermarkAddress {
            self = bound == address.text ? .watermark(state.watermark) : .fresh
            return
        }
        guard state.paymentBaselineDone else { self = .fresh; return }
        // An old baseline without a cursor: the address had no transaction then, all count.
        guard let cursor = state.paymentCursor else { self = .watermark(nil); return }
        // Everything up to the cursor was handled, and transactions after it in its own checkpoint
        // may not have been: W is one below its checkpoint, and the credited-digest set keeps the
        // re-read from crediting anything twice. The journal knows that checkpoint when the cursor
        // is a credited payment; else one below the newest payment credited is as safe (the cursor
        // never passed an unhandled entry, so nothing after it is older). An old account that was
        // never paid starts as at a first start.
        var newest: UInt64? = nil
        for payment in state.recentPayments where payment.checkpoint > 0 {
            if payment.digest == cursor { self = .watermark(payment.checkpoint - 1); return }
            newest = max(newest ?? 0, payment.checkpoint)
        }
        self = newest.map { .watermark($0 - 1) } ?? .fresh
    }
}

/// One account as the poller sees it.
public struct PollAccount: Equatable, Sendable {
    public var meter: String
    public var address: IotaAddress
    public var start: ScanStart

    public init(meter: String, address: IotaAddress, start: ScanStart) {
        self.meter = meter
        self.address = address
        self.start = start
    }
}
