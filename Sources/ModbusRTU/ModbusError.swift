/// Everything that can go wrong between sending a request and holding a decoded reply.
/// Rendered to text once, by `message`, where it is logged or replied.
public enum ModbusError: Error, Equatable, Sendable {
    /// Nothing arrived before the response timeout (the bus decides when that is).
    case timeout
    /// A frame of the expected shape whose checksum does not match: `expected` is what the
    /// bytes compute to, `got` what the frame carried.
    case badCRC(expected: UInt16, got: UInt16)
    /// A valid frame from another slave than the one asked.
    case wrongSlave(expected: UInt8, got: UInt8)
    /// A valid frame answering another function than the one asked (high bit stripped).
    case wrongFunction(expected: UInt8, got: UInt8)
    /// A read reply whose byte count is not twice the registers asked for.
    case byteCountMismatch(expected: Int, got: Int)
    /// A write reply that does not echo the register and value written.
    case echoMismatch(register: UInt16, value: UInt16)
    /// The line fell silent after `got` bytes of a frame that needs `expected`.
    case truncated(expected: Int, got: Int)
    /// Bytes that do not start any frame this side understands.
    case garbage(count: Int)

    /// One line of text for logs and the control socket.
    public var message: String {
        switch self {
        case .timeout: "no reply (timeout)"
        case .badCRC(let expected, let got): "bad CRC: computed \(hex16(expected)), frame carries \(hex16(got))"
        case .wrongSlave(let expected, let got): "reply from slave \(got), expected \(expected)"
        case .wrongFunction(let expected, let got): "reply to function \(hex8(got)), expected \(hex8(expected))"
        case .byteCountMismatch(let expected, let got): "reply byte count \(got), expected \(expected)"
        case .echoMismatch(let register, let value):
            "write echo mismatch: register \(hex16(register)) value \(value)"
        case .truncated(let expected, let got): "truncated frame: \(got) of \(expected) bytes"
        case .garbage(let count): "\(count) bytes of garbage, no frame"
        }
    }
}

/// `0x1A2B`-style text (no String(format:) in Embedded Swift).
func hex16(_ value: UInt16) -> String {
    "0x" + hexDigits(UInt8(truncatingIfNeeded: value >> 8)) + hexDigits(UInt8(truncatingIfNeeded: value))
}

/// `0x1A`-style text.
func hex8(_ value: UInt8) -> String { "0x" + hexDigits(value) }

private func hexDigits(_ byte: UInt8) -> String {
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "A", "B", "C", "D", "E", "F"]
    return String(digits[Int(byte >> 4)]) + String(digits[Int(byte & 0x0F)])
}
