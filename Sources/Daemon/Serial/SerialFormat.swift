import CSystem
import Config

/// The termios side of `Config.SerialFormat`: the c_cflag bits that set a line to it.
extension SerialFormat {
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
