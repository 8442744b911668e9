import OS

/// Character framing on the line: data bits, parity and stop bits, written as `8N1`, `8N2`, `8E1`,
/// `7E1`… (DESIGN §3.2 `serial.format`). The PZEM-004T uses 8N1, the PZEM-017 8N2.
public struct SerialFormat: Equatable, Sendable {
    /// Parity bit added to each character.
    public typealias Parity = SerialParity

    public var dataBits: Int
    public var parity: Parity
    public var stopBits: Int

    public init(dataBits: Int, parity: Parity, stopBits: Int) {
        self.dataBits = dataBits
        self.parity = parity
        self.stopBits = stopBits
    }

    /// The format of the PZEM-004T v3 and the configuration default.
    public static let eightNoneOne = SerialFormat(dataBits: 8, parity: .none, stopBits: 1)

    /// Parses `8N1`-style text (parity letter in either case).
    public static func parse(_ text: String) throws(SerialError) -> SerialFormat {
        let bytes = Array(text.utf8)
        guard bytes.count == 3 else { throw .badFormat(text) }
        let data = Int(bytes[0]) - 0x30
        let stop = Int(bytes[2]) - 0x30
        guard (5...8).contains(data), (1...2).contains(stop) else { throw .badFormat(text) }
        let parity: Parity
        switch bytes[1] {
        case UInt8(ascii: "N"), UInt8(ascii: "n"): parity = .none
        case UInt8(ascii: "E"), UInt8(ascii: "e"): parity = .even
        case UInt8(ascii: "O"), UInt8(ascii: "o"): parity = .odd
        default: throw .badFormat(text)
        }
        return SerialFormat(dataBits: data, parity: parity, stopBits: stop)
    }

    /// `8N1`
    public var text: String {
        let letter: String
        switch parity {
        case .none: letter = "N"
        case .even: letter = "E"
        case .odd: letter = "O"
        }
        return "\(dataBits)\(letter)\(stopBits)"
    }

    /// Bits one character occupies on the wire: start bit, data, parity, stop bits.
    /// 10 for 8N1, 11 for 8E1 and 8N2: the unit of Modbus's t1.5/t3.5.
    public var bitsPerCharacter: Int {
        1 + dataBits + (parity == .none ? 0 : 1) + stopBits
    }
}
