/// Everything that changes an account, as a value. The daemon decides an event, journals it
/// (durably, for credits) and only then applies it; recovery applies the journaled events again.
/// `Account.apply(_:)` is therefore the only mutator of money state, and replay is exact.
public enum AccountEvent: Equatable, Sendable {
    /// A payment found on the node: credited at most once per digest, ever.
    case paymentCredited(Payment)
    /// A manual credit by an admin (cash to the landlord …), with a free-text note.
    case manualCredit(amount: Nanos, note: String, atMs: WallClockMs)
    /// Billing caught up with the meter's cumulative counter (a consumption checkpoint). Counter
    /// events carry the reading's boot stamp (nil in records from before boot stamps), which bounds
    /// the next step by the time really elapsed (`ReadingTime.elapsedMs`).
    case counterCheckpoint(counter: WattHours, atMs: WallClockMs, boot: BootStamp? = nil)
    /// The counter went backwards (meter reset or replaced): billing re-baselines at `to`.
    case counterRebaselined(from: WattHours, to: WattHours, atMs: WallClockMs, boot: BootStamp? = nil)
    /// The counter jumped further than the circuit could draw: not billed, recorded as a fault.
    case counterJumpRejected(from: WattHours, to: WattHours, atMs: WallClockMs, boot: BootStamp? = nil)
    /// The tariff changed (configuration reload): billing from here on uses the new price.
    case tariffChanged(pricePerKWh: Nanos, atMs: WallClockMs)
    /// Emergency credit was granted automatically as credit ran out.
    case emergencyGranted(amount: Nanos, atMs: WallClockMs)
    /// An admin's relay override (`relay METER on|off|auto`).
    case relayOverride(RelayOverride, atMs: WallClockMs)
    /// Payment progress: every transaction to `address` in a checkpoint ≤ `checkpoint` has been
    /// seen (nil: none yet, scan from the oldest). Journaled with the credits of the scan that
    /// moved it, in one append. Bound to the address: a meter given another one starts afresh.
    case paymentWatermark(address: String, checkpoint: UInt64?)
    /// Read from journals of the release before watermarks, never written: the JSON-RPC cursor
    /// (all transactions up to `digest` handled), converted to a watermark at the next scan.
    case paymentCursor(digest: TransactionDigest)
    /// Read from old journals, never written: the first-start baseline cursor (nil: none existed).
    case paymentBaseline(cursor: TransactionDigest?)
}

/// A payment credited from the node, as journaled; in `recentPayments` also an admin's manual
/// credit, under `TransactionDigest.manualCredit`.
public struct Payment: Equatable, Sendable {
    public var digest: TransactionDigest
    public var amount: Nanos
    public var checkpoint: UInt64
    public var timestampMs: WallClockMs

    public init(digest: TransactionDigest, amount: Nanos, checkpoint: UInt64, timestampMs: WallClockMs) {
        self.digest = digest
        self.amount = amount
        self.checkpoint = checkpoint
        self.timestampMs = timestampMs
    }
}

/// An admin's manual relay control.
public enum RelayOverride: UInt8, Equatable, Sendable {
    case auto = 0
    case on = 1
    case off = 2

    /// The word of the `relay` command (Embedded Swift cannot print an enum by interpolation).
    public var name: String {
        switch self {
        case .auto: return "auto"
        case .on: return "on"
        case .off: return "off"
        }
    }
}
