import Testing
@testable import ModbusRTU

@Suite struct ModbusRequestTests {
    @Test func encodesTheSpecFrames() {
        #expect(ModbusRequest.readInputRegisters(slave: 1, start: 0, count: 10).encode() == hex("01 04 00 00 00 0A 70 0D"))
        #expect(ModbusRequest.readInputRegisters(slave: 2, start: 0, count: 10).encode() == hex("02 04 00 00 00 0A 70 3E"))
        #expect(ModbusRequest.readInputRegisters(slave: 0xF8, start: 0, count: 10).encode() == hex("F8 04 00 00 00 0A 64 64"))
        #expect(ModbusRequest.readHoldingRegisters(slave: 1, start: 1, count: 2).encode() == hex("01 03 00 01 00 02 95 CB"))
        #expect(ModbusRequest.writeSingleRegister(slave: 1, register: 1, value: 2300).encode() == hex("01 06 00 01 08 FC DF 8B"))
        #expect(ModbusRequest.writeSingleRegister(slave: 0xF8, register: 2, value: 2).encode() == hex("F8 06 00 02 00 02 BD A2"))
        #expect(ModbusRequest.resetEnergy(slave: 1).encode() == hex("01 42 80 11"))
        #expect(ModbusRequest.resetEnergy(slave: 0xF8).encode() == hex("F8 42 C2 41"))
    }

    @Test func slaveFunctionAndReplyLength() {
        let read = ModbusRequest.readInputRegisters(slave: 7, start: 0, count: 10)
        #expect(read.slave == 7 && read.function == 0x04 && read.replyLength == 25)
        #expect(ModbusRequest.writeSingleRegister(slave: 3, register: 1, value: 1).replyLength == 8)
        #expect(ModbusRequest.resetEnergy(slave: 3).replyLength == 4)
        // The generic rule by function code agrees (what the decoder uses on the first bytes).
        #expect(ModbusFunction.replyLength(0x04, dataBytes: 20) == 25 && ModbusFunction.replyLength(0x06, dataBytes: 0) == 8)
        #expect(ModbusFunction.replyLength(0x42, dataBytes: 0) == 4 && ModbusFunction.replyLength(0x10, dataBytes: 0) == nil)
    }

    @Test func responsesEncodeToTheSpecFrames() {
        let words: [UInt16] = [0x08FD, 0x3039, 0x0000, 0x6BCE, 0x0000, 0xD687, 0x0012, 0x01F4, 0x0061, 0x0000]
        #expect(ModbusResponse.registers(words).encode(slave: 1, function: 4)
            == hex("01 04 14 08 FD 30 39 00 00 6B CE 00 00 D6 87 00 12 01 F4 00 61 00 00 E9 9D"))
        #expect(ModbusResponse.writeEcho(register: 2, value: 1).encode(slave: 0xF8, function: 6) == hex("F8 06 00 02 00 01 FD A3"))
        #expect(ModbusResponse.resetDone.encode(answering: .resetEnergy(slave: 1), from: 1) == hex("01 42 80 11"))
        #expect(ModbusResponse.exception(function: 0x42, code: .slaveDeviceFailure).encode(slave: 1, function: 0x42) == hex("01 C2 04 70 A3"))
        #expect(ModbusResponse.exception(function: 4, code: .illegalDataAddress).encode(slave: 1, function: 4) == hex("01 84 02 C2 C1"))
        #expect(ModbusResponse.exception(function: 4, code: .illegalFunction).encode(slave: 1, function: 4) == hex("01 84 01 82 C0"))
    }

    @Test func exceptionCodesRoundTrip() {
        for code in UInt8.min...UInt8.max {
            #expect(ModbusExceptionCode(code: code).code == code)
        }
        #expect(ModbusExceptionCode(code: 2) == .illegalDataAddress)
        #expect(ModbusExceptionCode(code: 0x42) == .other(0x42))
        #expect(ModbusExceptionCode(code: 0x42).message == "exception code 66")
    }

    @Test func frameTimingFollowsTheSpecTable() {
        let t9600 = FrameTiming.forBaud(9600, bitsPerCharacter: 10)
        #expect(t9600 == FrameTiming(characterMicros: 1042, t15Micros: 1563, t35Micros: 3646))
        let t9600x11 = FrameTiming.forBaud(9600, bitsPerCharacter: 11)
        #expect(t9600x11.t15Micros == 1719 && t9600x11.t35Micros == 4011)
        #expect(FrameTiming.forBaud(2400, bitsPerCharacter: 10) == FrameTiming(characterMicros: 4167, t15Micros: 6250, t35Micros: 14584))
        #expect(FrameTiming.forBaud(19200, bitsPerCharacter: 10).t35Micros == 1823)
        // Above 19200 the spec fixes the gaps.
        let fast = FrameTiming.forBaud(38400, bitsPerCharacter: 10)
        #expect(fast.t15Micros == 750 && fast.t35Micros == 1750 && fast.characterMicros == 261)
        #expect(t9600.wireMicros(bytes: 25) == 26050)
        // Nonsense does not trap.
        #expect(FrameTiming.forBaud(0, bitsPerCharacter: 0).characterMicros == 1_000_000)
        #expect(FrameTiming.forBaud(-5, bitsPerCharacter: Int.max).t35Micros > 0)
    }
}
