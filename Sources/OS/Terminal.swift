import CSystem

/// termios: serial devices set up for Modbus RTU, and the simulator's pseudo-terminal.
public enum Terminal {
    /// The baud rates a serial line may be set to (DESIGN §3.2: 1200…115200 with a B-constant;
    /// 14400 has none and is refused rather than rounded).
    public static let supportedBauds = [1200, 1800, 2400, 4800, 9600, 19200, 38400, 57600, 115200]

    /// The termios speed constant for `baud`, nil for a rate not in `supportedBauds`.
    static func speed(forBaud baud: Int) -> speed_t? {
        switch baud {
        case 1200: return speed_t(B1200)
        case 1800: return speed_t(B1800)
        case 2400: return speed_t(B2400)
        case 4800: return speed_t(B4800)
        case 9600: return speed_t(B9600)
        case 19200: return speed_t(B19200)
        case 38400: return speed_t(B38400)
        case 57600: return speed_t(B57600)
        case 115200: return speed_t(B115200)
        default: return nil
        }
    }

    /// Opens `device` for Modbus RTU: non-blocking, exclusive, raw 8-bit clean mode, no flow
    /// control, at `baud` with the given character format; the input and output queues flushed.
    ///
    /// The format comes as termios's own primitives — a parity bit or not (PARENB), odd or even
    /// (PARODD) — not as a parity type: the one type for the concept is Config's `Parity`, which
    /// this module may not import (OS imports only CSystem), and `SerialPort` translates it here.
    public static func openSerial(_ device: String, baud: Int, dataBits: Int, parityBit: Bool, oddParity: Bool,
                                  stopBits: Int) throws(SystemError) -> FileDescriptor {
        guard let speed = speed(forBaud: baud) else { throw SystemError("set the baud rate of", device, errno: .EINVAL) }
        let fd = try FileDescriptor.open(device, .readWrite, .noControllingTerminal | .nonBlocking)
        do {
            try configure(fd, device, speed: speed,
                          flags: controlFlags(dataBits: dataBits, parityBit: parityBit, oddParity: oddParity, stopBits: stopBits),
                          parity: parityBit)
        } catch {
            fd.close()
            throw error
        }
        return fd
    }

    /// Exclusive use, raw mode, no flow control, speed and format; then reads the settings back,
    /// because tcsetattr succeeds when *any* of the changes took.
    private static func configure(_ fd: FileDescriptor, _ device: String, speed: speed_t, flags: tcflag_t,
                                  parity: Bool) throws(SystemError) {
        let raw = fd.rawValue
        // A second daemon (or a stray `minicom`) on the same bus would interleave requests.
        _ = try check("ioctl(TIOCEXCL)", device, retryingOnInterrupt { tm_ioctl_exclusive(raw) })
        var settings = termios()
        _ = try check("tcgetattr", device, retryingOnInterrupt { tcgetattr(raw, &settings) })
        // No echo, no line editing, no CR/NL mapping, no XON/XOFF: Modbus frames carry any byte.
        cfmakeraw(&settings)
        settings.c_iflag &= ~(tcflag_t(IXON) | tcflag_t(IXOFF) | tcflag_t(IXANY))
        if parity { settings.c_iflag |= tcflag_t(INPCK) }
        settings.c_cflag &= ~(controlMask | tcflag_t(CRTSCTS))
        // CLOCAL: an RS485/TTL adapter has no modem lines; without it open or read could wait for carrier.
        settings.c_cflag |= flags | tcflag_t(CLOCAL) | tcflag_t(CREAD)
        // VMIN=0 VTIME=0: read returns at once; the poll loop does all the waiting.
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        _ = try check("cfsetispeed", device, retryingOnInterrupt { cfsetispeed(&settings, speed) })
        _ = try check("cfsetospeed", device, retryingOnInterrupt { cfsetospeed(&settings, speed) })
        _ = try check("tcsetattr", device, retryingOnInterrupt { tcsetattr(raw, TCSANOW, &settings) })

        // The speed is checked; the format bits are not, because drivers that cannot do parity
        // (ptys force CS8 without parity) keep their own, and a wrong format then shows as CRC
        // errors in the bus counters rather than as a port that will not open.
        var applied = termios()
        _ = try check("tcgetattr", device, retryingOnInterrupt { tcgetattr(raw, &applied) })
        if cfgetospeed(&applied) != speed || cfgetispeed(&applied) != speed {
            throw SystemError("tcsetattr (baud rate not applied)", device, errno: .EINVAL)
        }
        _ = try check("tcflush", device, retryingOnInterrupt { tcflush(raw, TCIOFLUSH) })
    }

    /// tcflush(TCIFLUSH): drops whatever the driver has buffered for reading.
    public static func flushInput(_ fd: FileDescriptor, _ device: String) throws(SystemError) {
        _ = try check("tcflush", device, retryingOnInterrupt { tcflush(fd.rawValue, TCIFLUSH) })
    }

    /// The termios c_cflag bits for a character format (CSIZE, PARENB, PARODD, CSTOPB).
    static func controlFlags(dataBits: Int, parityBit: Bool, oddParity: Bool, stopBits: Int) -> tcflag_t {
        var flags: tcflag_t
        switch dataBits {
        case 5: flags = tcflag_t(CS5)
        case 6: flags = tcflag_t(CS6)
        case 7: flags = tcflag_t(CS7)
        default: flags = tcflag_t(CS8)
        }
        if parityBit { flags |= oddParity ? tcflag_t(PARENB) | tcflag_t(PARODD) : tcflag_t(PARENB) }
        if stopBits == 2 { flags |= tcflag_t(CSTOPB) }
        return flags
    }

    /// The c_cflag bits that `controlFlags` decides; everything else in c_cflag is left alone.
    static var controlMask: tcflag_t {
        tcflag_t(CSIZE) | tcflag_t(PARENB) | tcflag_t(PARODD) | tcflag_t(CSTOPB)
    }

    /// A new pseudo-terminal: the master (non-blocking) and the terminal end, both close-on-exec
    /// and raw (no echo, no CR/LF translation, no signals from bytes like 0x03: a binary line),
    /// and the terminal end's device path.
    public static func openPseudoTerminal() throws(SystemError)
        -> (master: FileDescriptor, terminal: FileDescriptor, path: String) {
        var master: Int32 = -1
        var terminal: Int32 = -1
        guard openpty(&master, &terminal, nil, nil, nil) == 0 else { throw SystemError("openpty", errno: .current) }
        var settings = termios()
        if tcgetattr(terminal, &settings) == 0 {
            cfmakeraw(&settings)
            _ = tcsetattr(terminal, TCSANOW, &settings)
        }
        let masterFD = FileDescriptor(rawValue: master), terminalFD = FileDescriptor(rawValue: terminal)
        _ = try? masterFD.setNonBlocking()
        _ = try? masterFD.setCloseOnExec()
        _ = try? terminalFD.setCloseOnExec()
        guard let name = ttyname(terminal) else {
            let error = SystemError("ttyname", errno: .current)
            masterFD.close()
            terminalFD.close()
            throw error
        }
        return (masterFD, terminalFD, String(cString: name))
    }
}
