/// CRC-16/MODBUS (Modbus over Serial Line V1.02 §2.5.1.2): reflected polynomial 0xA001, initial value
/// 0xFFFF, no final XOR. On the wire the low byte goes first; over a whole frame including its CRC
/// the checksum is 0, which is how receivers check it.
public enum ModbusCRC {
    /// The value a checksum starts from.
    public static let initial: UInt16 = 0xFFFF

    /// The checksum of `bytes`.
    public static func checksum<S: Sequence>(_ bytes: S) -> UInt16 where S.Element == UInt8 {
        var crc = initial
        for byte in bytes { crc = update(crc, byte) }
        return crc
    }

    /// Folds one more byte into a running checksum (lets a scanner test every prefix in one pass).
    @inline(__always)
    public static func update(_ crc: UInt16, _ byte: UInt8) -> UInt16 {
        var crc = crc ^ UInt16(byte)
        for _ in 0..<8 {
            crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1
        }
        return crc
    }

    /// Appends the checksum of `frame`, low byte first.
    public static func append(to frame: inout [UInt8]) {
        let crc = checksum(frame)
        frame.append(UInt8(truncatingIfNeeded: crc))
        frame.append(UInt8(truncatingIfNeeded: crc >> 8))
    }

    /// The checksum carried in the last two bytes of `frame[start..<end]` (low byte first),
    /// and the one computed over the bytes before it. The caller guarantees `end - start >= 2`.
    static func carriedAndComputed(_ frame: [UInt8], _ start: Int, _ end: Int) -> (carried: UInt16, computed: UInt16) {
        let carried = UInt16(frame[end - 2]) | UInt16(frame[end - 1]) << 8
        return (carried, checksum(frame[start..<(end - 2)]))
    }
}
