import ModbusRTU

/// The supported meter models (`model` in a `[meter NAME]` section, DESIGN §3.2): how one poll
/// reads each, what its readings may plausibly show, and what it can do over Modbus.
public enum MeterModel: String, Equatable, Sendable, CaseIterable {
    case pzem004t, sdm120, sdm630

    /// The reads of one poll, in order; a reading needs every one of them answered.
    public func readRequests(slave: UInt8) -> [ModbusRequest] {
        switch self {
        case .pzem004t: [PZEM004T.readRequest(slave: slave)]
        case .sdm120: EastronSDM.readRequests(slave: slave, threePhase: false)
        case .sdm630: EastronSDM.readRequests(slave: slave, threePhase: true)
        }
    }

    /// The registers of every read of `readRequests`, in order, as a `Reading`.
    public func decode(blocks: [[UInt16]]) throws(MeterError) -> Reading {
        switch self {
        case .pzem004t:
            guard blocks.count == 1 else { throw .unexpectedResponse }
            return try PZEM004T.decode(registers: blocks[0])
        case .sdm120, .sdm630: return try EastronSDM.decode(blocks, threePhase: self == .sdm630)
        }
    }

    /// How many reads one poll makes (`readRequests(slave:).count`).
    public var readsPerPoll: Int { self == .pzem004t ? 1 : 2 }

    /// The registers of one reply, or the meter's refusal as an error.
    public static func registers(of response: ModbusResponse) throws(MeterError) -> [UInt16] {
        switch response {
        case .registers(let registers): return registers
        case .exception(_, let code): throw .exception(code)
        case .writeEcho, .resetDone: throw .unexpectedResponse
        }
    }

    /// Whether the meter's energy counter can be reset over Modbus (the SDMs need their button
    /// and a password on the display).
    public var canResetEnergy: Bool { self == .pzem004t }

    /// The largest total power the model measures, in 0.1 W: a counter rising faster is a fault.
    public var maxPowerDeciwatts: UInt32 {
        switch self {
        case .pzem004t: PZEM004T.maxPowerDeciwatts
        case .sdm120: 230_000                       // SDM230: 100 A × 230 V
        case .sdm630: 3 * EastronSDM.phaseLimits.power
        }
    }

    /// The first value of `reading` beyond what the model can measure, or nil if all are plausible.
    public func plausibility(_ reading: Reading) -> MeterError? {
        if self == .pzem004t { return PZEM004T.plausibility(reading) }
        let lines: UInt32 = self == .sdm630 ? 3 : 1
        let limits = EastronSDM.phaseLimits
        func check(_ quantity: Quantity, _ value: UInt32, _ limit: UInt32) -> MeterError? {
            value > limit ? .implausible(quantity, value: value, limit: limit) : nil
        }
        for phase in reading.phases {
            if let problem = check(.voltage, UInt32(phase.voltageDecivolts), limits.voltage)
                ?? check(.current, phase.currentMilliamps, limits.current)
                ?? check(.power, phase.powerDeciwatts, limits.power) { return problem }
        }
        return check(.voltage, reading.value(.voltage), limits.voltage)
            ?? check(.current, reading.currentMilliamps, lines * limits.current)
            ?? check(.power, reading.powerDeciwatts, lines * limits.power)
            ?? check(.powerFactor, reading.value(.powerFactor), 100)
    }

    /// The most one reading's counter can exceed the energy really used since the previous one,
    /// from the counter's resolution alone: 1 Wh for the PZEM's whole-Wh register; for a float32
    /// kWh counter near `wattHours`, its step (2^-23 of the binade's base, 1.95 Wh above
    /// 16 384 kWh, 7.8 Wh above 65 536 kWh …) rounded up, plus 1 Wh for rounding to whole Wh.
    public func counterResolutionWattHours(near wattHours: UInt32) -> UInt32 {
        guard self != .pzem004t else { return 1 }
        var binade = 0                               // largest k with 2^k kWh ≤ the counter
        while binade < 31 && (UInt64(1000) << UInt64(binade + 1)) <= UInt64(wattHours) { binade += 1 }
        let step: UInt64 = binade >= 23 ? 1000 << UInt64(binade - 23)
            : (1000 + (1 << UInt64(23 - binade)) - 1) >> UInt64(23 - binade)
        return UInt32(clamping: step + 1)
    }
}
