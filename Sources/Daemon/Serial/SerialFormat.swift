import CSystem

/// Character framing on the line: data bits, parity and stop bits, written as `8N1`, `8N2`, `8E1`,
/// `7E1`… (DESIGN §3.2 `serial.format`). The PZEM-004T uses 8N1, the PZEM-017 8N2.
public struct SerialFormat: Equatable, Sendable {
    /// Parity bit added to each character.
    public enum Parity: Equatable, Sendable {
        case none, even, odd
    }

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

    /// The termios c_cflag bits for this format (CSIZE, PARENB, PARODD, CSTOPB).
    var controlFlags: tcflag_t {
        var flags: tcflag_t
        switch dataBits {
        case 5: flags = tcflag_t(CS5)
        case 6: flags = tcflag_t(CS6)
        case 7: flags = tcflag_t(CS7)
        default: flags = tcflag_t(CS8)
        }
        switch parity {
        case .none: break
        case .even: flags |= tcflag_t(PARENB)
        case .odd: flags |= tcflag_t(PARENB) | tcflag_t(PARODD)
        }
        if stopBits == 2 { flags |= tcflag_t(CSTOPB) }
        return flags
    }

    /// The c_cflag bits that `controlFlags` decides; everything else in c_cflag is left alone.
    static var controlMask: tcflag_t {
        tcflag_t(CSIZE) | tcflag_t(PARENB) | tcflag_t(PARODD) | tcflag_t(CSTOPB)
    }
}

/// The baud rates the port accepts and their termios constants. Rates outside DESIGN §3.2's
/// 1200…115200 or without a B-constant (e.g. 14400) are refused rather than rounded.
let baudTable: [(baud: Int, speed: speed_t)] = [
    (1200, speed_t(B1200)), (1800, speed_t(B1800)), (2400, speed_t(B2400)), (4800, speed_t(B4800)),
    (9600, speed_t(B9600)), (19200, speed_t(B19200)), (38400, speed_t(B38400)),
    (57600, speed_t(B57600)), (115200, speed_t(B115200)),
]

/// The termios speed constant for `baud`, or `.unsupportedBaud`.
func speedConstant(forBaud baud: Int) throws(SerialError) -> speed_t {
    for entry in baudTable where entry.baud == baud { return entry.speed }
    throw .unsupportedBaud(baud)
}
