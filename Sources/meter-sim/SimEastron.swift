import ModbusRTU

/// The meter models meter-sim serves (DESIGN §3.7).
enum SimModel: String {
    case pzem004t, sdm120, sdm630
}

/// An Eastron SDM120 or SDM630 (meters.md §3): input registers only, every value an IEEE-754
/// float32 over two registers, high word first. Kept apart from the daemon's Meters module on
/// purpose, and built with Swift's own Float (no money here), so the daemon's integer decoder is
/// checked against an independent encoder — and both against mbpoll and minimalmodbus.
extension SimMeter {
    /// Exception policy, as the SDM manuals and meters.md §3 describe it: FC 04 only (anything
    /// else: 01 illegal function); an odd start or count: 02 / 03 (the SDMs read whole floats);
    /// more than 50 registers, or registers outside the model's map: 02 illegal data address.
    mutating func answerAsEastron(_ request: ModbusRequest) -> ModbusResponse {
        guard case .readInputRegisters(_, let start, let count) = request else {
            return .exception(function: request.function, code: .illegalFunction)
        }
        guard count >= 2 && count % 2 == 0 else { return .exception(function: request.function, code: .illegalDataValue) }
        guard start % 2 == 0 && count <= 50 else { return .exception(function: request.function, code: .illegalDataAddress) }
        for bank in eastronBanks where Int(start) >= bank.first && Int(start) + Int(count) <= bank.first + bank.values.count {
            return .registers(Array(bank.values[(Int(start) - bank.first)...].prefix(Int(count))))
        }
        return .exception(function: request.function, code: .illegalDataAddress)
    }

    /// The register banks of the model: 0x0000… (per line and totals, import/export energy) and
    /// 0x0156… (total energy); the SDM630 also has the line-to-line voltages at 0x00C8.
    /// Registers the model does not define inside a bank read as zero [U: unconfirmed on a real
    /// meter; ESPHome's sdm_meter reads ranges across such gaps].
    var eastronBanks: [(first: Int, values: [UInt16])] {
        let threePhase = model == .sdm630
        let volts = Float(voltageDecivolts) / 10
        let watts = Float(powerDeciwatts) / 10
        let pf = Float(powerFactorHundredths) / 100
        let lines: Float = threePhase ? 3 : 1
        let lineWatts = watts / lines
        let amps = volts > 0 && pf > 0 ? lineWatts / (volts * pf) : 0
        let kWh = Float(Double(energyWattHours) / 1000)
        var main = [UInt16](repeating: 0, count: threePhase ? 0xD0 : 0x50)
        func put(_ register: Int, _ value: Float) {
            main[register] = UInt16(truncatingIfNeeded: value.bitPattern >> 16)
            main[register + 1] = UInt16(truncatingIfNeeded: value.bitPattern)
        }
        for line in 0..<(threePhase ? 3 : 1) {
            put(0x00 + 2 * line, volts)
            put(0x06 + 2 * line, amps)
            put(0x0C + 2 * line, lineWatts)
            put(0x12 + 2 * line, volts * amps)          // apparent VA
            put(0x18 + 2 * line, 0)                     // reactive VAr
            put(0x1E + 2 * line, pf)
        }
        if threePhase {
            put(0x2A, volts)                            // average line to neutral volts
            put(0x2E, amps)                             // average line current
            put(0x30, 3 * amps)                         // sum of line currents
            put(0x34, watts)                            // total system power
            put(0x38, 3 * volts * amps)                 // total system VA
            put(0x3E, pf)                               // total system power factor
            let lineToLine = volts * 1.7320508
            for line in 0..<3 { put(0xC8 + 2 * line, lineToLine) }
            put(0xCE, lineToLine)                       // average line to line volts
        }
        put(0x46, Float(frequencyDecihertz) / 10)
        put(0x48, kWh)                                  // import active energy, kWh
        put(0x4A, 0)                                    // export active energy
        let total = [UInt16(truncatingIfNeeded: kWh.bitPattern >> 16), UInt16(truncatingIfNeeded: kWh.bitPattern), 0, 0]
        return [(0, main), (0x156, total)]
    }
}
