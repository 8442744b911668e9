import Ledger

/// The last reading of a meter, in the meter's own fixed-point units (a PZEM-004T's registers).
public struct MeterReadingView: Equatable, Sendable {
    public var voltageDecivolts: Int64
    public var currentMilliamps: Int64
    public var powerDeciwatts: Int64
    /// The meter's cumulative counter.
    public var energyWh: Int64
    public var frequencyDecihertz: Int64
    public var powerFactorHundredths: Int64
    public var alarm: Bool
    /// How long ago it was read.
    public var ageMs: Int64

    public init(voltageDecivolts: Int64, currentMilliamps: Int64, powerDeciwatts: Int64, energyWh: Int64,
                frequencyDecihertz: Int64, powerFactorHundredths: Int64, alarm: Bool, ageMs: Int64) {
        self.voltageDecivolts = voltageDecivolts
        self.currentMilliamps = currentMilliamps
        self.powerDeciwatts = powerDeciwatts
        self.energyWh = energyWh
        self.frequencyDecihertz = frequencyDecihertz
        self.powerFactorHundredths = powerFactorHundredths
        self.alarm = alarm
        self.ageMs = ageMs
    }
}

/// Bus counters of one meter since the daemon started.
public struct MeterCountersView: Equatable, Sendable {
    public var reads: Int64
    public var timeouts: Int64
    public var crcErrors: Int64
    public var exceptions: Int64

    public init(reads: Int64 = 0, timeouts: Int64 = 0, crcErrors: Int64 = 0, exceptions: Int64 = 0) {
        self.reads = reads
        self.timeouts = timeouts
        self.crcErrors = crcErrors
        self.exceptions = exceptions
    }
}

/// What the daemon knows about one circuit, filled from its state for `status`, `meter`, `watch`
/// and `metrics`. Plain values: the formatting here decides nothing.
public struct MeterStatusView: Equatable, Sendable {
    public var name: String
    public var relayOn: Bool
    /// Why the relay is as it is (`M.reason`).
    public var reason: RelayReason
    public var credited: Nanos
    public var charged: Nanos
    public var billed: WattHours
    public var meterOK: Bool
    public var payments: Int64
    /// nil until the meter has answered once.
    public var reading: MeterReadingView?
    public var counters: MeterCountersView

    public init(name: String, relayOn: Bool, reason: RelayReason, credited: Nanos, charged: Nanos, billed: WattHours,
                meterOK: Bool, payments: Int64, reading: MeterReadingView?, counters: MeterCountersView) {
        self.name = name
        self.relayOn = relayOn
        self.reason = reason
        self.credited = credited
        self.charged = charged
        self.billed = billed
        self.meterOK = meterOK
        self.payments = payments
        self.reading = reading
        self.counters = counters
    }

    /// credited − charged, exactly (Int128: no overflow for any pair of Int64 amounts). Computed
    /// here rather than passed in, so `balance_nanos == credited_nanos - charged_nanos` always holds.
    public var balanceNanos: Int128 { Int128(credited.value) - Int128(charged.value) }
}

/// The node's state as `status` shows it: `off` when no `iota.node` is configured.
public enum NodeHealth: String, Equatable, Sendable {
    case ok, fault, off
}

/// The journal's state as `status` shows it.
public enum JournalHealth: String, Equatable, Sendable {
    case ok, damaged
}

/// Everything `status` and `metrics` report.
public struct DaemonStatusView: Equatable, Sendable {
    public var meters: [MeterStatusView]
    public var node: NodeHealth
    /// The endpoint in use (`node.url`), while payments are on.
    public var nodeURL: String? = nil
    /// Payment counters for `metrics`: switches to another `iota.node` URL after a failure,
    /// transactions given up as unusable, addresses with history the node no longer has.
    public var nodeFailovers: Int64 = 0
    public var paymentsSkipped: Int64 = 0
    public var paymentHistoryGaps: Int64 = 0
    public var journal: JournalHealth
    public var uptimeSeconds: Int64

    public init(meters: [MeterStatusView], node: NodeHealth, journal: JournalHealth, uptimeSeconds: Int64) {
        self.meters = meters
        self.node = node
        self.journal = journal
        self.uptimeSeconds = uptimeSeconds
    }
}
