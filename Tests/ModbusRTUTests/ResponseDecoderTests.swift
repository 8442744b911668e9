import Testing
@testable import ModbusRTU

private let readTen = ModbusRequest.readInputRegisters(slave: 1, start: 0, count: 10)
private let simulatorReply = hex("01 04 14 08 FD 30 39 00 00 6B CE 00 00 D6 87 00 12 01 F4 00 61 00 00 E9 9D")
private let simulatorWords: [UInt16] = [0x08FD, 0x3039, 0x0000, 0x6BCE, 0x0000, 0xD687, 0x0012, 0x01F4, 0x0061, 0x0000]

private func decodeAll(_ request: ModbusRequest, _ bytes: [UInt8]) -> (DecodeStep, ResponseDecoder) {
    var decoder = ResponseDecoder(expecting: request)
    return (decoder.feed(bytes), decoder)
}

@Suite struct ResponseDecoderTests {
    @Test func decodesTheSpecReplies() {
        #expect(decodeAll(readTen, simulatorReply).0 == .frame(.registers(simulatorWords)))
        let tasmota = hex("01 04 14 08 D1 00 6C 00 00 00 F4 00 00 00 26 00 00 01 F4 00 64 00 00 51 34")
        #expect(decodeAll(readTen, tasmota).0 == .frame(.registers([2257, 108, 0, 244, 0, 38, 0, 500, 100, 0])))
        let holding = ModbusRequest.readHoldingRegisters(slave: 1, start: 1, count: 2)
        let holdingReply = ModbusResponse.registers([2300, 1]).encode(slave: 1, function: 3)
        #expect(decodeAll(holding, holdingReply).0 == .frame(.registers([2300, 1])))
        #expect(decodeAll(.writeSingleRegister(slave: 1, register: 1, value: 2300), hex("01 06 00 01 08 FC DF 8B")).0
            == .frame(.writeEcho(register: 1, value: 2300)))
        #expect(decodeAll(.resetEnergy(slave: 1), hex("01 42 80 11")).0 == .frame(.resetDone))
        #expect(decodeAll(.resetEnergy(slave: 1), hex("01 C2 04 70 A3")).0
            == .frame(.exception(function: 0x42, code: .slaveDeviceFailure)))
        #expect(decodeAll(readTen, hex("01 84 02 C2 C1")).0 == .frame(.exception(function: 4, code: .illegalDataAddress)))
        #expect(decodeAll(readTen, hex("01 84 01 82 C0")).0 == .frame(.exception(function: 4, code: .illegalFunction)))
    }

    @Test func generalAddressAcceptsEitherReplyAddress() {
        let anyMeter = ModbusRequest.readInputRegisters(slave: 0xF8, start: 0, count: 10)
        #expect(decodeAll(anyMeter, simulatorReply).0 == .frame(.registers(simulatorWords)))
        let fromF8 = ModbusResponse.registers(simulatorWords).encode(slave: 0xF8, function: 4)
        #expect(decodeAll(anyMeter, fromF8).0 == .frame(.registers(simulatorWords)))
        #expect(decodeAll(.writeSingleRegister(slave: 0xF8, register: 2, value: 1), hex("F8 06 00 02 00 01 FD A3")).0
            == .frame(.writeEcho(register: 2, value: 1)))
    }

    @Test func decodesByteByByteAndInEveryTwoWaySplit() {
        var decoder = ResponseDecoder(expecting: readTen)
        for (index, byte) in simulatorReply.enumerated() {
            let step = decoder.feed([byte])
            #expect(step == (index == simulatorReply.count - 1 ? .frame(.registers(simulatorWords)) : .needMore))
        }
        for split in 0...simulatorReply.count {
            var decoder = ResponseDecoder(expecting: readTen)
            _ = decoder.feed(simulatorReply[..<split])
            #expect(decoder.feed(simulatorReply[split...]) == .frame(.registers(simulatorWords)))
            #expect(decoder.garbageSkipped == 0)
        }
    }

    @Test func skipsGarbageAndCountsIt() {
        var decoder = ResponseDecoder(expecting: readTen)
        // Garbage that itself looks like the start of a reply (01 04 14) must not hide the real one.
        #expect(decoder.feed(hex("00 FF 01 04 14 01")) == .needMore)
        #expect(decoder.feed(simulatorReply) == .frame(.registers(simulatorWords)))
        #expect(decoder.garbageSkipped == 6)
        #expect(decoder.trailingBytes == 0)
        #expect(decoder.feed([0x55]) == .frame(.registers(simulatorWords)))
        #expect(decoder.trailingBytes == 1 && decoder.bytesReceived == 32)
    }

    @Test func badCRCIsReportedWithBothValuesWhenTheLineFallsSilent() {
        var corrupted = simulatorReply
        corrupted[24] ^= 0x01
        var decoder = ResponseDecoder(expecting: readTen)
        #expect(decoder.feed(corrupted) == .needMore)
        #expect(decoder.failure() == .badCRC(expected: 0x9DE9, got: 0x9CE9))
        var payload = simulatorReply
        payload[5] ^= 0x80
        var second = ResponseDecoder(expecting: readTen)
        _ = second.feed(payload)
        guard case .badCRC(let expected, let got) = second.failure() else { Issue.record("not a CRC error"); return }
        #expect(got == 0x9DE9 && expected != got)
    }

    @Test func wrongSlaveFailsAtOnce() {
        let fromTwo = ModbusResponse.registers(simulatorWords).encode(slave: 2, function: 4)
        var decoder = ResponseDecoder(expecting: readTen)
        #expect(decoder.feed(fromTwo) == .failed(.wrongSlave(expected: 1, got: 2)))
        #expect(decoder.failure() == .wrongSlave(expected: 1, got: 2))
    }

    @Test func wrongFunctionFailsAtOnce() {
        let holding = ModbusResponse.registers(simulatorWords).encode(slave: 1, function: 3)
        #expect(decodeAll(readTen, holding).0 == .failed(.wrongFunction(expected: 4, got: 3)))
        #expect(decodeAll(readTen, hex("01 83 02 C0 F1")).0 == .failed(.wrongFunction(expected: 4, got: 3)))
        #expect(decodeAll(.resetEnergy(slave: 1), hex("01 84 02 C2 C1")).0 == .failed(.wrongFunction(expected: 0x42, got: 4)))
    }

    @Test func byteCountMismatchFailsAtOnce() {
        let nine = ModbusResponse.registers(Array(simulatorWords.prefix(9))).encode(slave: 1, function: 4)
        #expect(decodeAll(readTen, nine).0 == .failed(.byteCountMismatch(expected: 20, got: 18)))
        // A partial one: the byte count is already known to be wrong.
        var decoder = ResponseDecoder(expecting: readTen)
        #expect(decoder.feed(nine.prefix(10)) == .needMore)
        #expect(decoder.failure() == .byteCountMismatch(expected: 20, got: 18))
    }

    @Test func writeEchoMismatchFails() {
        let request = ModbusRequest.writeSingleRegister(slave: 1, register: 1, value: 2300)
        let echo = ModbusResponse.writeEcho(register: 1, value: 2299).encode(slave: 1, function: 6)
        #expect(decodeAll(request, echo).0 == .failed(.echoMismatch(register: 1, value: 2299)))
    }

    @Test func silenceDiagnoses() {
        #expect(ResponseDecoder(expecting: readTen).failure() == .timeout)
        #expect(decodeAll(readTen, Array(simulatorReply.prefix(12))).1.failure() == .truncated(expected: 25, got: 12))
        #expect(decodeAll(readTen, [0x01]).1.failure() == .truncated(expected: 4, got: 1))
        #expect(decodeAll(readTen, [0x01, 0x04]).1.failure() == .truncated(expected: 5, got: 2))
        #expect(decodeAll(readTen, hex("55 AA 55")).1.failure() == .garbage(count: 3))
        // Garbage, then the start of a reply: the reply is what is diagnosed.
        #expect(decodeAll(readTen, hex("55 AA") + simulatorReply.prefix(7)).1.failure() == .truncated(expected: 25, got: 7))
    }

    @Test func errorMessagesAreReadable() {
        #expect(ModbusError.badCRC(expected: 0x9DE9, got: 0x9CE9).message == "bad CRC: computed 0x9DE9, frame carries 0x9CE9")
        #expect(ModbusError.wrongSlave(expected: 1, got: 2).message == "reply from slave 2, expected 1")
        #expect(ModbusError.wrongFunction(expected: 4, got: 3).message == "reply to function 0x03, expected 0x04")
        #expect(ModbusError.timeout.message == "no reply (timeout)")
        #expect(ModbusError.truncated(expected: 25, got: 3).message == "truncated frame: 3 of 25 bytes")
    }
}
