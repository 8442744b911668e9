import Testing
@testable import ModbusRTU

@Suite struct RequestDecoderTests {
    @Test func decodesTheSpecRequests() {
        var decoder = RequestDecoder()
        decoder.append(hex("01 04 00 00 00 0A 70 0D") + hex("01 03 00 01 00 02 95 CB") + hex("01 06 00 01 08 FC DF 8B")
            + hex("F8 42 C2 41") + hex("F8 06 00 02 00 02 BD A2"))
        #expect(decoder.next() == .request(.readInputRegisters(slave: 1, start: 0, count: 10)))
        #expect(decoder.next() == .request(.readHoldingRegisters(slave: 1, start: 1, count: 2)))
        #expect(decoder.next() == .request(.writeSingleRegister(slave: 1, register: 1, value: 2300)))
        #expect(decoder.next() == .request(.resetEnergy(slave: 0xF8)))
        #expect(decoder.next() == .request(.writeSingleRegister(slave: 0xF8, register: 2, value: 2)))
        #expect(decoder.next() == .needMore)
        #expect(decoder.pendingCount == 0)
    }

    @Test func waitsForTheRestOfAFrame() {
        var decoder = RequestDecoder()
        let frame = hex("02 04 00 00 00 0A 70 3E")
        for byte in frame.dropLast() {
            decoder.append([byte])
            #expect(decoder.next() == .needMore)
        }
        decoder.append([frame.last!])
        #expect(decoder.next() == .request(.readInputRegisters(slave: 2, start: 0, count: 10)))
    }

    @Test func badCRCDiscardsTheFrame() {
        var decoder = RequestDecoder()
        decoder.append(hex("01 04 00 00 00 0A 70 0E"))
        #expect(decoder.next() == .failed(.badCRC(expected: 0x0D70, got: 0x0E70)))
        #expect(decoder.pendingCount == 0)
        #expect(decoder.next() == .needMore)
    }

    @Test func unknownAndUnimplementedFunctionsAreFramed() {
        var decoder = RequestDecoder()
        // Calibration (0x41) and write multiple (0x10) have known lengths; 0x2B is found by CRC.
        var custom: [UInt8] = [0x01, 0x2B, 0x0E, 0x01, 0x00]
        ModbusCRC.append(to: &custom)
        var writeMultiple: [UInt8] = [0x01, 0x10, 0x00, 0x01, 0x00, 0x01, 0x02, 0x00, 0x07]
        ModbusCRC.append(to: &writeMultiple)
        decoder.append(hex("F8 41 37 21 B7 78") + custom + writeMultiple)
        #expect(decoder.next() == .unsupported(slave: 0xF8, function: 0x41))
        #expect(decoder.next() == .unsupported(slave: 1, function: 0x2B))
        #expect(decoder.next() == .unsupported(slave: 1, function: 0x10))
        #expect(decoder.next() == .needMore)
    }

    @Test func garbageWithUnknownFunctionIsDroppedOnSilenceOrWhenTooLong() {
        var decoder = RequestDecoder()
        decoder.append(hex("55 AA 55"))
        #expect(decoder.next() == .needMore)
        #expect(decoder.discardPending() == 3)
        decoder.append([UInt8](repeating: 0x55, count: 256))
        #expect(decoder.next() == .failed(.garbage(count: 256)))
        #expect(decoder.pendingCount == 0)
    }
}
