import ModbusRTU

/// What `tanglemeter --scan` asks each address and how it reads the answers (pure; the Daemon
/// sends). Per address: `presence` (every supported model answers it); if something answered,
/// `sdmEnergy` (an SDM answers with its import counter; a PZEM has no register 0x0048); for an
/// SDM, `sdm630Only` (line-to-line voltage: an SDM630 shows a voltage there on any powered
/// installation, an SDM120 has no such register — it refuses, or answers zero); for a PZEM, its
/// usual read, for the energy counter.
public enum MeterScan {
    /// Input registers 0x0000…0x0001: the PZEM's voltage and current, the SDM's voltage float.
    public static func presence(slave: UInt8) -> ModbusRequest {
        .readInputRegisters(slave: slave, start: 0x0000, count: 2)
    }

    public static func sdmEnergy(slave: UInt8) -> ModbusRequest {
        .readInputRegisters(slave: slave, start: EastronSDM.importEnergyRegister, count: 2)
    }

    public static func sdm630Only(slave: UInt8) -> ModbusRequest {
        .readInputRegisters(slave: slave, start: EastronSDM.lineToLineVoltageRegister, count: 2)
    }

    /// The import counter in Wh from the reply to `sdmEnergy`.
    public static func sdmEnergyWattHours(_ registers: [UInt16]) throws(MeterError) -> UInt32 {
        guard registers.count == 2 else { throw .wrongRegisterCount(expected: 2, got: registers.count) }
        return try EastronSDM.measure(registers, 0, .energy)
    }

    /// Whether the reply to `sdm630Only` shows a line-to-line voltage: a finite float of at least 1 V.
    public static func showsLineToLineVoltage(_ registers: [UInt16]) -> Bool {
        guard registers.count == 2, let decivolts = try? EastronSDM.measure(registers, 0, .voltage) else { return false }
        return decivolts >= 10
    }
}
