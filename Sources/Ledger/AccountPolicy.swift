/// What the configuration says about one account (DESIGN §3.2 meter keys, plus the global
/// `meter.fault_timeout`): the rules `Account` bills and decides the relay by. Replaced whole on reload.
public struct AccountPolicy: Equatable, Sendable {
    /// The configured tariff. When it differs from the billing tariff (`AccountState.tariff`),
    /// `Account.tariffChangeEvents` journals the change.
    public var tariff: Tariff
    /// `max_power`: nil means no limit.
    public var maxPower: Deciwatts? = nil
    /// `max_power.grace`, in ms.
    public var maxPowerGraceMs: Int64 = 5_000
    /// `low_credit`: below this much energy at the tariff, the LED warns.
    public var lowCredit: WattHours = WattHours(100)
    /// `friendly_hours`: nil means none.
    public var friendlyHours: FriendlyHours? = nil
    /// `emergency_credit`: zero means none.
    public var emergencyCredit: Nanos = .zero
    /// `meter.fault_timeout`, in ms.
    public var meterFaultTimeoutMs: Int64 = 10_000
    /// The most the meter can measure (a property of the meter model, not a config key): a counter
    /// rising faster than this is a fault, not consumption.
    public var physicalMaxPower: Deciwatts = .pzem004tMaximum
    /// How long before its time stamp a reading's counter may have been sampled: readings are
    /// stamped when the reply is handled, at most the Modbus response timeout after the request.
    /// Two stamps can thus be closer than the two samples by this much, and the jump limit
    /// allows the maximum power for this much longer — else a reply handled late followed by
    /// one handled promptly makes normal consumption look like a jump, and it goes unbilled.
    public var readingLatencyMs: Int64 = 0

    public init(tariff: Tariff) { self.tariff = tariff }
}
