/// `serial.format`: the character framing on the line — data bits, parity and stop bits, written
/// `8N1`, `8N2`, `8E1`, `7O1` … (DESIGN §3.2). The PZEM-004T uses 8N1, the PZEM-017 8N2.
public struct SerialFormat: Equatable, Sendable {
    public var dataBits: Int        // 5…8
    public var parity: Parity
    public var stopBits: Int        // 1 or 2

    public init(dataBits: Int, parity: Parity, stopBits: Int) {
        self.dataBits = dataBits
        self.parity = parity
        self.stopBits = stopBits
    }

    /// The format of the PZEM-004T v3 and the configuration default.
    public static let eightNoneOne = SerialFormat(dataBits: 8, parity: .none, stopBits: 1)

    /// Parses `8N1`-style text: data bits 5…8, parity `N`/`E`/`O`, stop bits 1 or 2; nil otherwise.
    public init?(text: Substring) {
        let bytes = Array(text.utf8)
        guard bytes.count == 3, bytes[0] >= UInt8(ascii: "5"), bytes[0] <= UInt8(ascii: "8"),
              bytes[2] == UInt8(ascii: "1") || bytes[2] == UInt8(ascii: "2") else { return nil }
        switch bytes[1] {
        case UInt8(ascii: "N"): parity = .none
        case UInt8(ascii: "E"): parity = .even
        case UInt8(ascii: "O"): parity = .odd
        default: return nil
        }
        dataBits = Int(bytes[0] - UInt8(ascii: "0"))
        stopBits = Int(bytes[2] - UInt8(ascii: "0"))
    }

    /// `8N1`
    public var text: String { "\(dataBits)\(parity.letter)\(stopBits)" }

    /// Bits one character occupies on the wire: start bit, data, parity, stop bits.
    /// 10 for 8N1, 11 for 8E1 and 8N2: the unit of Modbus's t1.5/t3.5.
    public var bitsPerCharacter: Int {
        1 + dataBits + (parity == .none ? 0 : 1) + stopBits
    }
}

/// The parity bit added to each character.
public enum Parity: Equatable, Sendable {
    case none, even, odd

    public var letter: String {
        switch self { case .none: return "N"; case .even: return "E"; case .odd: return "O" }
    }
}
