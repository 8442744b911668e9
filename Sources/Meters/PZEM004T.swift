import ModbusRTU

/// Peacefair PZEM-004T v3.0 (also PZEM-014/016): register map, requests, and the checks that
/// catch corrupt frames which still pass their CRC. See shared/specs/meters.md §1.
public enum PZEM004T {
    /// The ten input registers 0x0000…0x0009, read in one request so every word pair comes from
    /// one snapshot (meters.md quirk 2).
    public static let firstRegister: UInt16 = 0x0000
    public static let registerCount: UInt16 = 10

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
}
