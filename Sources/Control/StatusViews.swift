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
    /// A three-phase meter's lines L1…L3 (empty for single phase); the fields above are totals.
    public var phases: [MeterPhaseView]

    public init(voltageDecivolts: Int64, currentMilliamps: Int64, powerDeciwatts: Int64, energyWh: Int64,
                frequencyDecihertz: Int64, powerFactorHundredths: Int64, alarm: Bool, ageMs: Int64,
                phases: [MeterPhaseView] = []) {
        self.phases = phases
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

/// One line of a three-phase meter.
public struct MeterPhaseView: Equatable, Sendable {
    public var voltageDecivolts: Int64
    public var currentMilliamps: Int64
    public var powerDeciwatts: Int64

    public init(voltageDecivolts: Int64, currentMilliamps: Int64, powerDeciwatts: Int64) {
        self.voltageDecivolts = voltageDecivolts
        self.currentMilliamps = currentMilliamps
        self.powerDeciwatts = powerDeciwatts
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
    /// Seconds until the balance reaches zero at the last 24 h's average power; nil: `unknown`.
    public var creditLeftSeconds: Int64?
    /// The configured `model` (`meter METER` shows it).
    public var model: String

    public init(name: String, relayOn: Bool, reason: RelayReason, credited: Nanos, charged: Nanos, billed: WattHours,
                meterOK: Bool, payments: Int64, reading: MeterReadingView?, counters: MeterCountersView,
                creditLeftSeconds: Int64? = nil, model: String = "pzem004t") {
        self.creditLeftSeconds = creditLeftSeconds
        self.model = model
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

/// The journal's state as `status` shows it. `damaged`: it does not describe a valid state;
/// relays are held open until an operator acts. `full` (no space, quota or file size limit) and
/// `failing` (another write error, e.g. EIO): it is sound, but the last write failed, so nothing
/// is acknowledged until a write succeeds again; relays follow the credit rules.
public enum JournalHealth: String, Equatable, Sendable {
    case ok, damaged, full, failing
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
    /// The GPIO backend in use: `sim`, or `libgpiod-X.Y.Z`.
    public var gpio: String
    /// Whether a hardware watchdog (`watchdog.device`) is being petted.
    public var watchdog: Bool

    public init(meters: [MeterStatusView], node: NodeHealth, journal: JournalHealth, uptimeSeconds: Int64,
                gpio: String = "sim", watchdog: Bool = false) {
        self.meters = meters
        self.node = node
        self.journal = journal
        self.uptimeSeconds = uptimeSeconds
        self.gpio = gpio
        self.watchdog = watchdog
    }

    /// Whether the money figures mean anything: not when the journal's replay stopped at damage.
    public var moneyKnown: Bool { journal != .damaged }
}
