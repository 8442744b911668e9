/// One account while the daemon runs: the persistent `AccountState`, changed only by `apply`, plus
/// what the running daemon knows besides (the newest meter reading, billed in memory ahead of the
/// journal; power; fault and overload timers) and the money figures derived from both.
///
/// The daemon's protocol, per event: get the events (`observe`, `checkpointEvent`, `withCheckpoint`,
/// `tariffChangeEvents`, `emergencyEvent` …), check them with `applying` (nothing changes on a throw),
/// journal them (fsync for credits), then `apply` them, in order, at once.
public struct Account: Sendable {
    /// Exactly what replaying the journal rebuilds.
    public private(set) var state: AccountState
    /// The configuration's rules for this account; replaced on reload.
    public var policy: AccountPolicy
    /// When this process started, for the `starting` and never-answered meter-fault rules.
    public let startedAtMs: WallClockMs

    /// The newest accepted reading of the meter's counter, at or ahead of `state.counter`: billed in
    /// memory now, journaled by the next `checkpointEvent`. nil when billing stands at `state.counter`.
    var latest: CounterReading?
    /// When the meter last answered; nil until it has answered once since start.
    public internal(set) var lastReadMs: WallClockMs?
    /// The power of the last reading.
    public internal(set) var power: Deciwatts?
    /// Since when every reading has been above `policy.maxPower` (nil: the last one was not).
    var overPowerSinceMs: WallClockMs?
    /// The overload trip: latched until an admin's `relay` command (any `relayOverride` event) or a restart.
    public internal(set) var overloadTripped = false

    /// Journaled billing over time, for `creditLeftSeconds` (rebuilt by replay, not persisted).
    public var usage = UsageHistory()

    /// Energy billed, including the in-memory reading.
    public private(set) var billed: WattHours = .zero
    /// Money charged for `billed`: `chargedBeforeSegment + tariff.charge(billed − segmentStart)`.
    public private(set) var charged: Nanos = .zero
    /// Always `credited − charged`.
    public private(set) var balance: Nanos = .zero

    /// Wraps a fresh (`AccountState(tariff:)`) or recovered state. Throws if its figures do not fit.
    public init(state: AccountState, policy: AccountPolicy, startedAtMs: WallClockMs) throws(LedgerError) {
        self.state = state
        self.policy = policy
        self.startedAtMs = startedAtMs
        try refreshFigures()
    }

    public var credited: Nanos { state.credited }
    /// The meter counter billing stands at, including the in-memory reading.
    public var counter: WattHours? { latest?.counter ?? state.counter }
    public var paymentCount: Int64 { state.paymentCount }

    /// Whether this payment digest has been credited already (then there is nothing to journal).
    public func hasCredited(digest: TransactionDigest) -> Bool { state.creditedDigests.contains(digest) }

    /// Balance below `low_credit` worth of energy at the tariff (an unrepresentably large threshold
    /// counts as low).
    public var isLowCredit: Bool {
        guard let threshold = try? state.tariff.charge(for: policy.lowCredit) else { return true }
        return balance < threshold
    }

    /// Applies `event` to the persistent state: the only way it changes. Atomic: on a throw the
    /// account is unchanged. A payment whose digest was credited before changes nothing.
    public mutating func apply(_ event: AccountEvent) throws(LedgerError) {
        var next = self
        try next.state.apply(event)
        switch event {
        case .counterCheckpoint(_, let atMs, _):
            next.usage.record(atMs: atMs, billed: next.state.billed)
            if let reading = next.latest, let counter = next.state.counter, reading.counter < counter { next.latest = nil }
        case .counterRebaselined, .counterJumpRejected:
            next.latest = nil   // the meter counts on a new baseline; the event's `to` is the reference
        case .relayOverride:
            next.overloadTripped = false
            next.overPowerSinceMs = nil
        default:
            break
        }
        try next.refreshFigures()
        self = next
    }

    /// The account after `events`, for checking them before they are journaled.
    public func applying(_ events: [AccountEvent]) throws(LedgerError) -> Account {
        var next = self
        for event in events { try next.apply(event) }
        return next
    }

    /// `event` preceded by a checkpoint of the in-memory reading, if any: journal these together, so
    /// that replay sees the same billed energy the running account saw when the event applied (a
    /// tariff change closes its segment there; a credit re-arms emergency credit by the real balance).
    public func withCheckpoint(_ event: AccountEvent) -> [AccountEvent] {
        guard let checkpoint = checkpointEvent() else { return [event] }
        return [checkpoint, event]
    }

    /// The events that move billing to the configured tariff, or none when it is already in force.
    public func tariffChangeEvents(atMs: WallClockMs) -> [AccountEvent] {
        guard policy.tariff != state.tariff else { return [] }
        return withCheckpoint(.tariffChanged(pricePerKWh: policy.tariff.pricePerKWh, atMs: atMs))
    }

    /// The emergency grant, when it is due: configured, armed (not used since the balance was last
    /// positive), the account has been topped up at least once, and the balance is at or below zero.
    /// Journal it (through `withCheckpoint`) before deciding the relay.
    public func emergencyEvent(atMs: WallClockMs) -> AccountEvent? {
        guard policy.emergencyCredit.value > 0, state.emergencyArmed,
              state.credited.value > 0, balance.value <= 0 else { return nil }
        return .emergencyGranted(amount: policy.emergencyCredit, atMs: atMs)
    }

    /// The emergency grant due now, with the checkpoint that must be journaled in front of it
    /// (`withCheckpoint`); none when it is not due. Journal them before `decide`, so the decision
    /// sees the grant.
    public func emergencyGrantEvents(atMs: WallClockMs) -> [AccountEvent] {
        guard let grant = emergencyEvent(atMs: atMs) else { return [] }
        return withCheckpoint(grant)
    }

    /// Seconds until the balance reaches zero at the last 24 h's average power (`M.credit_left_s`);
    /// nil for `unknown`.
    public func creditLeftSeconds(nowMs: WallClockMs) -> Int64? {
        usage.creditLeftSeconds(balance: balance, pricePerKWh: state.tariff.pricePerKWh, billedNow: billed, nowMs: nowMs)
    }

    /// Recomputes the derived figures; throws when they would not fit in Int64.
    mutating func refreshFigures() throws(LedgerError) {
        var total = state.billed
        if let reading = latest, let counter = state.counter {
            total = try total.adding(WattHours(reading.counter.value - counter.value))
        }
        let charged = try state.charged(billed: total)
        balance = try state.credited.subtracting(charged)
        self.charged = charged
        billed = total
    }
}

/// A meter counter value and when it was read.
struct CounterReading: Equatable, Sendable {
    var counter: WattHours
    var time: ReadingTime
}
