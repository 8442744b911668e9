import Testing
import ModbusRTU
@testable import Meters

private func hex(_ text: String) -> [UInt8] { text.split(separator: " ").map { UInt8($0, radix: 16)! } }

/// Decodes a whole reply frame as the daemon will: ModbusRTU first, then the register map.
private func reading(fromFrame text: String) throws -> Reading {
    var decoder = ResponseDecoder(expecting: PZEM004T.readRequest(slave: 1))
    guard case .frame(let response) = decoder.feed(hex(text)) else { throw MeterError.unexpectedResponse }
    return try PZEM004T.decode(response: response)
}

private func registers(_ r: Reading) -> [UInt16] {
    [r.voltageDecivolts, UInt16(truncatingIfNeeded: r.currentMilliamps), UInt16(truncatingIfNeeded: r.currentMilliamps >> 16),
     UInt16(truncatingIfNeeded: r.powerDeciwatts), UInt16(truncatingIfNeeded: r.powerDeciwatts >> 16),
     UInt16(truncatingIfNeeded: r.energyWattHours), UInt16(truncatingIfNeeded: r.energyWattHours >> 16),
     r.frequencyDecihertz, r.powerFactorHundredths, r.alarm ? 0xFFFF : 0]
}

@Suite struct PZEM004TTests {
    @Test func requestsAreTheSpecFrames() {
        #expect(PZEM004T.readRequest(slave: 1).encode() == hex("01 04 00 00 00 0A 70 0D"))
        #expect(PZEM004T.readRequest(slave: 0xF8).encode() == hex("F8 04 00 00 00 0A 64 64"))
        #expect(PZEM004T.resetEnergyRequest(slave: 1).encode() == hex("01 42 80 11"))
    }

    @Test func decodesTheSimulatorSample() throws {
        let r = try reading(fromFrame: "01 04 14 08 FD 30 39 00 00 6B CE 00 00 D6 87 00 12 01 F4 00 61 00 00 E9 9D")
        #expect(r == Reading(voltageDecivolts: 2301, currentMilliamps: 12345, powerDeciwatts: 27598,
                             energyWattHours: 1_234_567, frequencyDecihertz: 500, powerFactorHundredths: 97, alarm: false))
        #expect(r.text(.voltage) == "230.1" && r.text(.current) == "12.345" && r.text(.power) == "2759.8")
        #expect(r.text(.energy) == "1234567" && r.text(.frequency) == "50.0" && r.text(.powerFactor) == "0.97")
        #expect(PZEM004T.plausibility(r) == nil)
    }

    @Test func decodesTheManualAndTasmotaSamples() throws {
        let manual = try reading(fromFrame: "01 04 14 08 98 03 E8 00 00 08 98 00 00 00 00 00 00 01 F4 00 64 00 00 63 CE")
        #expect(manual == Reading(voltageDecivolts: 2200, currentMilliamps: 1000, powerDeciwatts: 2200,
                                  energyWattHours: 0, frequencyDecihertz: 500, powerFactorHundredths: 100, alarm: false))
        let tasmota = try reading(fromFrame: "01 04 14 08 D1 00 6C 00 00 00 F4 00 00 00 26 00 00 01 F4 00 64 00 00 51 34")
        #expect(tasmota.text(.voltage) == "225.7" && tasmota.text(.current) == "0.108" && tasmota.text(.power) == "24.4")
        #expect(tasmota.energyWattHours == 38 && tasmota.text(.powerFactor) == "1.00")
    }

    @Test func highWordsShiftBySixteenNotEight() throws {
        // The prototype combined the words with `<< 8`: 65536 Wh would have read as 256 Wh.
        let r = try PZEM004T.decode(registers: [0, 0, 1, 0, 1, 0, 1, 0, 0, 0])
        #expect(r.currentMilliamps == 65_536 && r.powerDeciwatts == 65_536 && r.energyWattHours == 65_536)
        let split = try PZEM004T.decode(registers: [0, 0x5678, 0x1234, 0x5678, 0x1234, 0x5678, 0x1234, 0, 0, 0])
        #expect(split.energyWattHours == 0x1234_5678 && split.currentMilliamps == 0x1234_5678)
    }

    @Test func everyRegisterAtItsLimits() throws {
        let low = try PZEM004T.decode(registers: [UInt16](repeating: 0, count: 10))
        #expect(low == Reading(voltageDecivolts: 0, currentMilliamps: 0, powerDeciwatts: 0, energyWattHours: 0,
                               frequencyDecihertz: 0, powerFactorHundredths: 0, alarm: false))
        let high = try PZEM004T.decode(registers: [UInt16](repeating: 0xFFFF, count: 10))
        #expect(high == Reading(voltageDecivolts: 0xFFFF, currentMilliamps: 0xFFFF_FFFF, powerDeciwatts: 0xFFFF_FFFF,
                                energyWattHours: 0xFFFF_FFFF, frequencyDecihertz: 0xFFFF, powerFactorHundredths: 0xFFFF,
                                alarm: true))
        #expect(high.text(.energy) == "4294967295" && high.text(.current) == "4294967.295")
        // Round trip through registers for a spread of values.
        let sample = Reading(voltageDecivolts: 2999, currentMilliamps: 99_999, powerDeciwatts: 229_999,
                             energyWattHours: 9_999_990, frequencyDecihertz: 650, powerFactorHundredths: 100, alarm: true)
        #expect(try PZEM004T.decode(registers: registers(sample)) == sample)
    }

    @Test func wrongRegisterCountIsAnError() {
        for count in [0, 9, 11, 125] {
            #expect(throws: MeterError.wrongRegisterCount(expected: 10, got: count)) {
                try PZEM004T.decode(registers: [UInt16](repeating: 1, count: count))
            }
        }
        #expect(throws: MeterError.exception(.illegalDataAddress)) {
            try PZEM004T.decode(response: .exception(function: 4, code: .illegalDataAddress))
        }
        #expect(throws: MeterError.unexpectedResponse) { try PZEM004T.decode(response: .resetDone) }
    }

    @Test func plausibilityCatchesCorruptFramesThatPassedTheirCRC() {
        let ok = Reading(voltageDecivolts: 3000, currentMilliamps: 100_000, powerDeciwatts: 230_000,
                         energyWattHours: 0xFFFF_FFFF, frequencyDecihertz: 0, powerFactorHundredths: 100, alarm: true)
        #expect(PZEM004T.plausibility(ok) == nil)
        var bad = ok; bad.voltageDecivolts = 3001
        #expect(PZEM004T.plausibility(bad) == .implausible(.voltage, value: 3001, limit: 3000))
        #expect(PZEM004T.plausibility(bad)?.message == "implausible voltage 300.1 V (limit 300.0 V)")
        bad = ok; bad.currentMilliamps = 100_001
        #expect(PZEM004T.plausibility(bad) == .implausible(.current, value: 100_001, limit: 100_000))
        bad = ok; bad.powerDeciwatts = 230_001
        #expect(PZEM004T.plausibility(bad) == .implausible(.power, value: 230_001, limit: 230_000))
        bad = ok; bad.powerFactorHundredths = 101
        #expect(PZEM004T.plausibility(bad) == .implausible(.powerFactor, value: 101, limit: 100))
    }
}
