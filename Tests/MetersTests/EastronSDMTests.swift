import Testing
import ModbusRTU
@testable import Meters

private func hex(_ text: String) -> [UInt8] { text.split(separator: " ").map { UInt8($0, radix: 16)! } }

/// A block of `count` registers with the given floats at their offsets (high word first).
private func block(_ count: Int, _ values: [Int: Float]) -> [UInt16] {
    var registers = [UInt16](repeating: 0, count: count)
    for (offset, value) in values {
        registers[offset] = UInt16(value.bitPattern >> 16)
        registers[offset + 1] = UInt16(value.bitPattern & 0xFFFF)
    }
    return registers
}

private func sdm120(volts: Float = 230.1, amps: Float = 5.5, watts: Float = 1200.4, pf: Float = 0.95,
                    hertz: Float = 49.9, kWh: Float = 1234.5) -> [[UInt16]] {
    [block(32, [0x00: volts, 0x06: amps, 0x0C: watts, 0x1E: pf]), block(4, [0x00: hertz, 0x02: kWh])]
}

@Suite struct EastronSDMTests {
    @Test func requestsAreEvenAndWithinFortyRegisters() {
        #expect(MeterModel.sdm120.readRequests(slave: 1).map { $0.encode() }
                == [hex("01 04 00 00 00 20 F1 D2"), hex("01 04 00 46 00 04 10 1C")])
        #expect(MeterModel.sdm630.readRequests(slave: 1).map { $0.encode() }
                == [hex("01 04 00 00 00 24 F0 11"), hex("01 04 00 34 00 16 30 0A")])
        #expect(MeterModel.pzem004t.readRequests(slave: 1).map { $0.encode() } == [hex("01 04 00 00 00 0A 70 0D")])
        for model in [MeterModel.sdm120, .sdm630] {
            for case .readInputRegisters(_, let start, let count) in model.readRequests(slave: 1) {
                #expect(start % 2 == 0 && count % 2 == 0 && count <= EastronSDM.maxRegistersPerRead)
            }
        }
        // The scan's probes are the spec's frames.
        #expect(MeterScan.presence(slave: 1).encode() == hex("01 04 00 00 00 02 71 CB"))
        #expect(MeterScan.sdmEnergy(slave: 1).encode() == hex("01 04 00 48 00 02 F1 DD"))
        #expect(MeterScan.sdm630Only(slave: 1).encode() == hex("01 04 00 C8 00 02 F0 35"))
    }

    @Test func theSpecsReplyFramesDecode() throws {
        for (frame, expected) in [("01 04 04 43 66 19 9A 85 E4", UInt32(2301)), ("01 04 04 43 66 33 34 1B 38", 2302)] {
            var decoder = ResponseDecoder(expecting: MeterScan.presence(slave: 1))
            guard case .frame(let response) = decoder.feed(hex(frame)) else { Issue.record("no frame"); continue }
            #expect(try EastronSDM.measure(try MeterModel.registers(of: response), 0, .voltage) == expected)
        }
        var decoder = ResponseDecoder(expecting: MeterScan.sdmEnergy(slave: 1))
        guard case .frame(let response) = decoder.feed(hex("01 04 04 44 9A 50 00 F3 5B")) else { Issue.record("no frame"); return }
        #expect(try MeterScan.sdmEnergyWattHours(try MeterModel.registers(of: response)) == 1_234_500)
    }

    @Test func sdm120MapsIntoTheSameReading() throws {
        let r = try MeterModel.sdm120.decode(blocks: sdm120())
        #expect(r == Reading(voltageDecivolts: 2301, currentMilliamps: 5500, powerDeciwatts: 12004, energyWattHours: 1_234_500,
                             frequencyDecihertz: 499, powerFactorHundredths: 95, alarm: false))
        #expect(MeterModel.sdm120.plausibility(r) == nil)
    }

    @Test func sdm630HasPhasesAndTotals() throws {
        let a = block(36, [0x00: 230.0, 0x02: 231.0, 0x04: 229.0, 0x06: 10.0, 0x08: 5.25, 0x0A: 0,
                           0x0C: 2300.0, 0x0E: 1212.7, 0x10: -50.0])
        let b = block(22, [0x00: 3512.7, 0x0A: -0.9, 0x12: 50.0, 0x14: 65_536.5])
        let r = try MeterModel.sdm630.decode(blocks: [a, b])
        #expect(r.voltageDecivolts == 2300 && r.currentMilliamps == 15_250 && r.powerDeciwatts == 35_127)
        #expect(r.energyWattHours == 65_536_500 && r.frequencyDecihertz == 500 && r.powerFactorHundredths == 90)
        #expect(r.phases == [PhaseReading(voltageDecivolts: 2300, currentMilliamps: 10_000, powerDeciwatts: 23_000),
                             PhaseReading(voltageDecivolts: 2310, currentMilliamps: 5250, powerDeciwatts: 12_127),
                             PhaseReading(voltageDecivolts: 2290, currentMilliamps: 0, powerDeciwatts: 0)])   // export: 0 drawn
        #expect(MeterModel.sdm630.plausibility(r) == nil)
        var hot = r
        hot.phases[1].currentMilliamps = 120_000
        #expect(MeterModel.sdm630.plausibility(hot) == .implausible(.current, value: 120_000, limit: 100_000))
    }

    @Test func notANumberNegativeOrHugeAreMeterErrors() {
        let nan = Float.nan.bitPattern
        #expect(throws: MeterError.badFloat(.energy, bits: nan)) { try MeterModel.sdm120.decode(blocks: sdm120(kWh: .nan)) }
        #expect(throws: MeterError.badFloat(.energy, bits: Float(-1).bitPattern)) {
            try MeterModel.sdm120.decode(blocks: sdm120(kWh: -1))
        }
        #expect(throws: MeterError.badFloat(.energy, bits: Float(5e6).bitPattern)) {   // 5 000 000 kWh > 2^32 Wh
            try MeterModel.sdm120.decode(blocks: sdm120(kWh: 5e6))
        }
        #expect(throws: MeterError.badFloat(.voltage, bits: Float.infinity.bitPattern)) {
            try MeterModel.sdm120.decode(blocks: sdm120(volts: .infinity))
        }
        #expect(throws: MeterError.implausible(.voltage, value: 70_000, limit: 65_535)) {
            try MeterModel.sdm120.decode(blocks: sdm120(volts: 7000))
        }
        #expect(throws: MeterError.wrongRegisterCount(expected: 4, got: 2)) {
            try MeterModel.sdm120.decode(blocks: [sdm120()[0], [0, 0]])
        }
        #expect(throws: MeterError.wrongRegisterCount(expected: 36, got: 32)) { try MeterModel.sdm630.decode(blocks: sdm120()) }
        #expect(throws: MeterError.unexpectedResponse) { try MeterModel.sdm630.decode(blocks: [block(36, [:])]) }
        #expect(MeterError.badFloat(.energy, bits: nan).message == "meter sent energy as float 0x7FC00000, not a value it can measure")
        // Export shows as negative power: no energy drawn, not a fault.
        #expect((try? MeterModel.sdm120.decode(blocks: sdm120(watts: -196.3)))?.powerDeciwatts == 0)
    }

    @Test func onlyThePZEMResetsOverModbus() {
        #expect(MeterModel.pzem004t.canResetEnergy && !MeterModel.sdm120.canResetEnergy && !MeterModel.sdm630.canResetEnergy)
        #expect(MeterModel.sdm630.maxPowerDeciwatts == 690_000)
    }

    @Test func counterResolutionFollowsTheFloatStep() {
        #expect(MeterModel.pzem004t.counterResolutionWattHours(near: 100_000_000) == 1)
        #expect(MeterModel.sdm120.counterResolutionWattHours(near: 1_000_000) == 2)          // 1 000 kWh: 0.06 Wh step
        #expect(MeterModel.sdm120.counterResolutionWattHours(near: 16_383_999) == 2)         // 0.98 Wh step
        #expect(MeterModel.sdm120.counterResolutionWattHours(near: 16_384_000) == 3)         // 1.95 Wh step
        #expect(MeterModel.sdm120.counterResolutionWattHours(near: 100_000_000) == 9)        // 7.8 Wh step
        #expect(MeterModel.sdm630.counterResolutionWattHours(near: 4_000_000_000) == 251)    // 250 Wh step
        // Every float step in a binade fits in its resolution.
        for kWh: Float in [9_000, 20_000, 70_000, 600_000] {
            let low = try! EastronSDM.measure([UInt16(kWh.bitPattern >> 16), UInt16(kWh.bitPattern & 0xFFFF)], 0, .energy)
            let next = kWh.nextUp
            let high = try! EastronSDM.measure([UInt16(next.bitPattern >> 16), UInt16(next.bitPattern & 0xFFFF)], 0, .energy)
            #expect(high - low <= MeterModel.sdm120.counterResolutionWattHours(near: low))
        }
    }
}
