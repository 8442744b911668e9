import ModbusRTU

/// Peacefair PZEM-004T v3.0 (also PZEM-014/016): register map, requests, and the checks that
/// catch corrupt frames which still pass their CRC. See shared/specs/meters.md §1.
public enum PZEM004T {
    /// The ten input registers 0x0000…0x0009, read in one request so every word pair comes from
    /// one snapshot (meters.md quirk 2).
    public static let firstRegister: UInt16 = 0x0000
    public static let registerCount: UInt16 = 10
    /// Holding register with the power-alarm threshold, 1 W per LSB.
    public static let alarmThresholdRegister: UInt16 = 0x0001
    /// Holding register with the Modbus slave address, 1…247.
    public static let addressRegister: UInt16 = 0x0002
    /// The "general" address any single PZEM answers.
    public static let generalAddress: UInt8 = 0xF8

    /// Limits from meters.md quirk 3 (the 100 A CT version, the largest): 300 V, 100 A, 23 kW.
    /// The power factor is at most 1.00 by definition.
    public static let limits: [(Quantity, UInt32)] = [
        (.voltage, 3_000), (.current, 100_000), (.power, 230_000), (.powerFactor, 100),
    ]
    /// The largest power the meter can measure, in 0.1 W.
    public static let maxPowerDeciwatts: UInt32 = 230_000

    /// Reads all ten input registers of the meter at `slave`.
    public static func readRequest(slave: UInt8) -> ModbusRequest {
        .readInputRegisters(slave: slave, start: firstRegister, count: registerCount)
    }

    /// Resets the meter's energy counter (custom function 0x42). Wait ≥ 200 ms before reading
    /// again to see 0 (meters.md, Energy counter).
    public static func resetEnergyRequest(slave: UInt8) -> ModbusRequest {
        .resetEnergy(slave: slave)
    }

    /// Reads the alarm threshold and the address together: a reply carries no start address,
    /// so reading both is the only way to know which is which.
    public static func readSettingsRequest(slave: UInt8) -> ModbusRequest {
        .readHoldingRegisters(slave: slave, start: alarmThresholdRegister, count: 2)
    }

    /// Gives the meter at `slave` a new address (send to 0xF8 with one meter on the bus).
    public static func setAddressRequest(slave: UInt8, newAddress: UInt8) -> ModbusRequest {
        .writeSingleRegister(slave: slave, register: addressRegister, value: UInt16(newAddress))
    }

    /// The registers of a read reply as a `Reading`. 32-bit values are low word first:
    /// value = reg[n] | reg[n+1] << 16 (the prototype's `<< 8` lost everything above 16 bits).
    public static func decode(registers: [UInt16]) throws(MeterError) -> Reading {
        guard registers.count == Int(registerCount) else {
            throw .wrongRegisterCount(expected: Int(registerCount), got: registers.count)
        }
        func pair(_ low: Int) -> UInt32 { UInt32(registers[low]) | UInt32(registers[low + 1]) << 16 }
        return Reading(
            voltageDecivolts: registers[0],
            currentMilliamps: pair(1),
            powerDeciwatts: pair(3),
            energyWattHours: pair(5),
            frequencyDecihertz: registers[7],
            powerFactorHundredths: registers[8],
            alarm: registers[9] != 0)   // 0xFFFF alarm, 0x0000 none; anything else is not "none"
    }

    /// A decoded reply to `readRequest` as a `Reading`.
    public static func decode(response: ModbusResponse) throws(MeterError) -> Reading {
        switch response {
        case .registers(let registers): return try decode(registers: registers)
        case .exception(_, let code): throw .exception(code)
        case .writeEcho, .resetDone: throw .unexpectedResponse
        }
    }

    /// The first value of `reading` beyond what a PZEM-004T can measure, or nil if all are plausible.
    public static func plausibility(_ reading: Reading) -> MeterError? {
        for (quantity, limit) in limits where reading.value(quantity) > limit {
            return .implausible(quantity, value: reading.value(quantity), limit: limit)
        }
        return nil
    }

    /// Checks a rise of the energy counter against the most the meter can measure in
    /// `elapsedMillis`: 0 ≤ ΔE ≤ Pmax·Δt + 1 Wh (the +1 covers the counter's own rounding).
    /// A decrease is not judged here: it is a reset or replacement, which the ledger re-baselines.
    public static func energyJump(from previous: UInt32, to current: UInt32, elapsedMillis: UInt64) -> MeterError? {
        guard current > previous else { return nil }
        // deciwatts × ms / (10 × 3_600_000) = Wh; the product fits easily in 128 bits.
        let product = UInt128(maxPowerDeciwatts) * UInt128(elapsedMillis)
        let maxIncrease = UInt64(clamping: product / 36_000_000 + 1)
        let increase = UInt64(current - previous)
        return increase > maxIncrease
            ? .energyJump(fromWattHours: previous, toWattHours: current, maxIncreaseWattHours: maxIncrease)
            : nil
    }
}
