/// The persistent state of one account: what a journal snapshot stores and what replaying the
/// journal's events rebuilds. Everything else an `Account` knows (live power, fault timers) is
/// derived at run time and never persisted.
public struct AccountState: Equatable, Sendable {
    /// Sum of all credits (payments, manual credits).
    public var credited: Nanos = .zero
    /// Energy billed so far, over all tariff segments.
    public var billed: WattHours = .zero
    /// The meter counter billing has caught up to; nil until the meter has answered once.
    public var counter: WattHours? = nil
    /// When `counter` was read (the `atMs` of the last counter event); bounds the first delta after a
    /// restart by what the circuit could draw meanwhile. nil: unknown (then that delta is not bounded).
    public var counterAtMs: WallClockMs? = nil
    /// The boot stamp of that reading (nil: none journaled), which measures elapsed time where the
    /// wall clock cannot be trusted.
    public var counterBoot: BootStamp? = nil
    /// Current tariff, and where its segment began: charged = chargedBeforeSegment
    /// + tariff.charge(billed - segmentStart).
    public var tariff: Tariff
    public var segmentStart: WattHours = .zero
    public var chargedBeforeSegment: Nanos = .zero
    /// Emergency credit: granted once when credit runs out, re-armed by the next top-up.
    public var emergencyGranted: Nanos = .zero
    public var emergencyArmed: Bool = true
    public var relayOverride: RelayOverride = .auto
    /// Every payment digest ever credited: the exactly-once guarantee.
    public var creditedDigests = CreditedDigests()
    /// The newest payments (newest last), bounded, for the `payments` command.
    public var recentPayments: [Payment] = []
    public var paymentCount: Int64 = 0
    /// The address `watermark` belongs to; nil until the first scan of a watermark release.
    public var watermarkAddress: String? = nil
    /// Every transaction to `watermarkAddress` in a checkpoint ≤ this has been seen (nil: none yet).
    public var watermark: UInt64? = nil
    /// An old journal's cursor and baseline flag (the release before watermarks), kept until the
    /// first watermark replaces them.
    public var paymentCursor: TransactionDigest? = nil
    public var paymentBaselineDone: Bool = false
    /// Fault counters, for status and metrics.
    public var counterRebaselines: Int64 = 0
    public var counterJumpsRejected: Int64 = 0

    public init(tariff: Tariff) { self.tariff = tariff }
}
