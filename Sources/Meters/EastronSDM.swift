import ModbusRTU

/// Eastron SDM120/SDM230 (single phase) and SDM630 (three phase): input registers (FC 04), every
/// value an IEEE-754 float32 over two registers, high word first (meters.md §3).
///
/// The values billing and the relay need lie 0x48 registers apart (voltage at 0x0000, import
/// energy at 0x0048), more than the 40 registers meters.md allows per request, so a poll is two
/// reads: the per-line block from 0x0000 and the block ending with the import counter. Both
/// request an even count from an even start, as the SDMs require.
public enum EastronSDM {
    /// Import active energy, kWh: the register billing uses.
    public static let importEnergyRegister: UInt16 = 0x0048
    /// SDM630 only: line-to-line voltage L1-L2. `--scan` tells the two models apart by it.
    public static let lineToLineVoltageRegister: UInt16 = 0x00C8
    /// The most registers one request reads (meters.md §3: some SDMs refuse more than 50).
    public static let maxRegistersPerRead: UInt16 = 40

    /// SDM120: 0x0000…0x001F (voltage 0x00, current 0x06, power 0x0C, PF 0x1E), then
    /// 0x0046…0x0049 (frequency, import energy).
    static let sdm120Blocks: [(start: UInt16, count: UInt16)] = [(0x0000, 32), (0x0046, 4)]
    /// SDM630: 0x0000…0x0023 (voltages, currents, powers of L1–L3, up to the PFs), then
    /// 0x0034…0x0049 (total power 0x34, total PF 0x3E, frequency 0x46, import energy 0x48).
    static let sdm630Blocks: [(start: UInt16, count: UInt16)] = [(0x0000, 36), (0x0034, 22)]

    /// The reads of one poll of an SDM120 or SDM630 (`threePhase`).
    static func readRequests(slave: UInt8, threePhase: Bool) -> [ModbusRequest] {
        (threePhase ? sdm630Blocks : sdm120Blocks).map {
            .readInputRegisters(slave: slave, start: $0.start, count: $0.count)
        }
    }

    /// The registers of both reads of an SDM120 or SDM630 (`threePhase`) poll as a `Reading`; for
    /// the SDM630 each line in `phases`, and on top the lines' mean voltage, summed current, and the
    /// meter's total power and power factor.
    static func decode(_ blocks: [[UInt16]], threePhase: Bool) throws(MeterError) -> Reading {
        try check(blocks, threePhase ? sdm630Blocks : sdm120Blocks)
        let (a, b) = (blocks[0], blocks[1])
        let lines = threePhase ? 3 : 1
        var phases: [PhaseReading] = []
        var voltageSum: UInt32 = 0
        var currentSum: UInt32 = 0
        for line in 0..<lines {
            let phase = PhaseReading(voltageDecivolts: try measure16(a, 0x00 + 2 * line, .voltage),
                                     currentMilliamps: try measure(a, 0x06 + 2 * line, .current),
                                     powerDeciwatts: try measure(a, 0x0C + 2 * line, .power))
            voltageSum += UInt32(phase.voltageDecivolts)                  // ≤ 3 × 65535
            let (sum, overflow) = currentSum.addingReportingOverflow(phase.currentMilliamps)
            if overflow { throw .implausible(.current, value: .max, limit: phaseLimits.current) }
            currentSum = sum
            phases.append(phase)
        }
        // SDM120 second block: 0x46 frequency, 0x48 energy. SDM630: 0x34 total power, 0x3E total
        // PF, 0x46 frequency, 0x48 energy. The SDM120's PF is in the first block, at 0x1E.
        return Reading(voltageDecivolts: UInt16(voltageSum / UInt32(lines)), currentMilliamps: currentSum,
                       powerDeciwatts: threePhase ? try measure(b, 0x00, .power) : phases[0].powerDeciwatts,
                       energyWattHours: try measure(b, threePhase ? 0x14 : 0x02, .energy),
                       frequencyDecihertz: try measure16(b, threePhase ? 0x12 : 0x00, .frequency),
                       powerFactorHundredths: try measure16(threePhase ? b : a, threePhase ? 0x0A : 0x1E, .powerFactor),
                       alarm: false, phases: threePhase ? phases : [])
    }

    /// Limits of one line of either model (SDM230 and SDM630 direct-connected: 100 A; 300 V is
    /// above their 276 V L-N range).
    static let phaseLimits = (voltage: UInt32(3_000), current: UInt32(100_000), power: UInt32(230_000))

    /// The value of the float at `offset` in the quantity's fixed-point unit. Power may be negative
    /// (the SDM signs export): counted as 0 W drawn, since only import energy is billed. The power
    /// factor's sign tells leading from lagging: its magnitude is kept. Anything else negative,
    /// NaN, infinite, or beyond 32 bits is a fault.
    static func measure(_ registers: [UInt16], _ offset: Int, _ quantity: Quantity) throws(MeterError) -> UInt32 {
        let bits = UInt32(registers[offset]) << 16 | UInt32(registers[offset + 1])
        guard case .finite(let negative, let magnitude) = Float32Value(bits: bits, decimals: quantity.decimals + quantity.sdmScale),
              magnitude <= UInt64(UInt32.max) else { throw .badFloat(quantity, bits: bits) }
        if negative && magnitude > 0 {
            switch quantity {
            case .power: return 0
            case .powerFactor: break
            default: throw .badFloat(quantity, bits: bits)
            }
        }
        return UInt32(magnitude)
    }

    /// `measure` for a 16-bit field of `Reading`; a larger value is a fault.
    static func measure16(_ registers: [UInt16], _ offset: Int, _ quantity: Quantity) throws(MeterError) -> UInt16 {
        let value = try measure(registers, offset, quantity)
        guard let narrow = UInt16(exactly: value) else {
            throw .implausible(quantity, value: value, limit: UInt32(UInt16.max))
        }
        return narrow
    }

    private static func check(_ blocks: [[UInt16]], _ layout: [(start: UInt16, count: UInt16)]) throws(MeterError) {
        guard blocks.count == layout.count else { throw .unexpectedResponse }
        for (block, expected) in zip(blocks, layout) where block.count != Int(expected.count) {
            throw .wrongRegisterCount(expected: Int(expected.count), got: block.count)
        }
    }
}

extension Quantity {
    /// Powers of ten between the SDM's unit and the display unit: energy comes in kWh, shown in Wh.
    var sdmScale: Int { self == .energy ? 3 : 0 }
}
