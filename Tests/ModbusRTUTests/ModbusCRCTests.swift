import Testing
@testable import ModbusRTU

@Suite struct ModbusCRCTests {
    @Test func checkValueOfTheCatalogue() {
        // CRC-16/MODBUS check value for ASCII "123456789" (meters.md §2).
        #expect(ModbusCRC.checksum(Array("123456789".utf8)) == 0x4B37)
    }

    @Test func specVectorIsSentLowByteFirst() {
        #expect(ModbusCRC.checksum(hex("01 04 00 00 00 0A")) == 0x0D70)
        var frame = hex("01 04 00 00 00 0A")
        ModbusCRC.append(to: &frame)
        #expect(frame == hex("01 04 00 00 00 0A 70 0D"))
    }

    @Test(arguments: [
        "01 04 00 00 00 0A 70 0D", "02 04 00 00 00 0A 70 3E", "F8 04 00 00 00 0A 64 64",
        "01 04 14 08 D1 00 6C 00 00 00 F4 00 00 00 26 00 00 01 F4 00 64 00 00 51 34",
        "01 04 14 08 98 03 E8 00 00 08 98 00 00 00 00 00 00 01 F4 00 64 00 00 63 CE",
        "01 04 14 08 FD 30 39 00 00 6B CE 00 00 D6 87 00 12 01 F4 00 61 00 00 E9 9D",
        "01 03 00 01 00 02 95 CB", "01 06 00 01 08 FC DF 8B", "F8 06 00 02 00 01 FD A3",
        "F8 06 00 02 00 02 BD A2", "01 42 80 11", "F8 42 C2 41", "01 C2 04 70 A3",
        "F8 41 37 21 B7 78", "F8 C1 04 A0 62", "01 84 02 C2 C1", "01 84 01 82 C0",
    ])
    func everySpecFrameChecksToZero(frame: String) {
        // Receiver shortcut: the CRC over a whole frame including its CRC is 0.
        #expect(ModbusCRC.checksum(hex(frame)) == 0)
    }

    @Test func incrementalUpdateEqualsOneShot() {
        let bytes = hex("01 04 14 08 FD 30 39 00 00 6B CE")
        var crc = ModbusCRC.initial
        for byte in bytes { crc = ModbusCRC.update(crc, byte) }
        #expect(crc == ModbusCRC.checksum(bytes))
        #expect(ModbusCRC.checksum([UInt8]()) == 0xFFFF)
    }
}
