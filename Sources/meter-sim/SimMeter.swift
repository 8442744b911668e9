import ModbusRTU

/// One simulated PZEM-004T v3: its registers, and how it answers each request (meters.md §1,
/// with the spec's suggested exception policy). Pure: the loop passes elapsed time in.
/// meter-sim keeps its own copy of the register layout on purpose (DESIGN: it shares nothing with
/// the daemon beyond ModbusRTU), so a mistake in Meters cannot hide behind the same mistake here.
struct SimMeter {
    var address: UInt8
    var model = SimModel.pzem004t
    var powerDeciwatts: UInt32
    var voltageDecivolts: UInt16
    var frequencyDecihertz: UInt16 = 500
    var powerFactorHundredths: UInt16 = 100
    /// Holding register 1: alarm when power reaches this many W.
    var alarmThresholdWatts: UInt16 = 23_000
    /// A silent meter answers nothing, like one whose mains is off (its optocouplers unpowered).
    var silent = false
    private(set) var energyWattHours: UInt32
    /// The counter's largest value, and what it does past it: wrap to 0 or stay there. A real
    /// meter's behaviour at its limit is unknown (meters.md, Energy counter), so tests choose.
    var energyMax: UInt32 = .max
    var saturates = false
    /// Energy below one Wh, exactly: deciwatt-microseconds times speed-thousandths.
    private var energyFraction: UInt128 = 0

    /// deciwatt-µs per Wh (10 × 3600 × 10^6), times the 1000 of speed-thousandths.
    private static let fractionPerWattHour: UInt128 = 36_000_000_000 * 1000

    init(address: UInt8, powerDeciwatts: UInt32, voltageDecivolts: UInt16, energyWattHours: UInt32) {
        self.address = address
        self.powerDeciwatts = powerDeciwatts
        self.voltageDecivolts = voltageDecivolts
        self.energyWattHours = energyWattHours
    }

    /// Accrues energy for `elapsedMicros` of simulated-at-`speedThousandths` time. Nothing is
    /// rounded away: the remainder below one Wh is kept. The counter wraps at 2^32 Wh (its
    /// register width) unless `energyMax` and `saturates` say otherwise.
    mutating func advance(elapsedMicros: Int64, speedThousandths: UInt64) {
        guard elapsedMicros > 0 else { return }
        energyFraction += UInt128(powerDeciwatts) * UInt128(elapsedMicros) * UInt128(speedThousandths)
        let whole = energyFraction / Self.fractionPerWattHour
        energyFraction %= Self.fractionPerWattHour
        let total = UInt128(energyWattHours) + whole
        let limit = UInt128(energyMax)
        if total <= limit {
            energyWattHours = UInt32(total)
        } else if saturates {
            energyWattHours = energyMax
        } else {
            energyWattHours = UInt32(total % (limit + 1))
        }
    }

    /// Sets the counter (the `energy` command, the reset function).
    mutating func setEnergy(_ wattHours: UInt32) {
        energyWattHours = wattHours
        energyFraction = 0
    }

    /// Current follows from P = U·I·PF: mA = 0.1 W × 1000 × 100 / (0.1 V × PF hundredths).
    var currentMilliamps: UInt32 {
        let denominator = UInt64(voltageDecivolts) * UInt64(powerFactorHundredths)
        guard denominator > 0 else { return 0 }
        return UInt32(clamping: UInt64(powerDeciwatts) * 100_000 / denominator)
    }

    /// The ten input registers 0x0000…0x0009; 32-bit values low word first.
    var inputRegisters: [UInt16] {
        let current = currentMilliamps
        let alarm = UInt64(powerDeciwatts) >= UInt64(alarmThresholdWatts) * 10
        return [voltageDecivolts,
                UInt16(truncatingIfNeeded: current), UInt16(truncatingIfNeeded: current >> 16),
                UInt16(truncatingIfNeeded: powerDeciwatts), UInt16(truncatingIfNeeded: powerDeciwatts >> 16),
                UInt16(truncatingIfNeeded: energyWattHours), UInt16(truncatingIfNeeded: energyWattHours >> 16),
                frequencyDecihertz, powerFactorHundredths, alarm ? 0xFFFF : 0x0000]
    }

    /// The answer to a request addressed to this meter (writes and resets take effect).
    mutating func answer(_ request: ModbusRequest) -> ModbusResponse {
        if model != .pzem004t { return answerAsEastron(request) }
        switch request {
        case .readInputRegisters(_, let start, let count):
            return read(inputRegisters, first: 0, start: start, count: count, function: request.function)
        case .readHoldingRegisters(_, let start, let count):
            return read([alarmThresholdWatts, UInt16(address)], first: 1, start: start, count: count,
                        function: request.function)
        case .writeSingleRegister(_, let register, let value):
            switch register {
            case 1:
                alarmThresholdWatts = value
            case 2:
                guard value >= 1 && value <= 247 else {
                    return .exception(function: request.function, code: .illegalDataValue)
                }
                address = UInt8(value)
            default:
                return .exception(function: request.function, code: .illegalDataAddress)
            }
            return .writeEcho(register: register, value: value)
        case .resetEnergy:
            setEnergy(0)
            return .resetDone
        }
    }

    /// Registers `first…` of a bank: 03 for a count of 0 or above 125, 02 outside the bank.
    func read(_ bank: [UInt16], first: Int, start: UInt16, count: UInt16, function: UInt8) -> ModbusResponse {
        guard count >= 1 && count <= ModbusFunction.maxReadCount else {
            return .exception(function: function, code: .illegalDataValue)
        }
        let from = Int(start) - first
        guard from >= 0 && from + Int(count) <= bank.count else {
            return .exception(function: function, code: .illegalDataAddress)
        }
        return .registers(Array(bank[from..<(from + Int(count))]))
    }
}
