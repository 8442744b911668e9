import CSystem
import Config

/// A serial device opened for Modbus RTU: raw 8-bit clean mode, exclusive, non-blocking, no flow
/// control, at a fixed baud rate and character format. A device that vanishes (USB adapter pulled,
/// pty master closed) turns into `SerialError.hangUp`, closes the fd, and can be `reopen()`ed later.
public struct SerialPort: SerialLink {
    public let device: String
    public let baud: Int
    public let format: SerialFormat
    /// The open descriptor (for the poll set), nil after a hang-up or `close()`.
    public private(set) var descriptor: FileDescriptor?

    /// Validates the settings and opens `device`.
    public init(device: String, baud: Int, format: SerialFormat) throws(SerialError) {
        self.device = device
        self.baud = baud
        self.format = format
        self.descriptor = nil
        descriptor = try Self.open(device, speed: try speedConstant(forBaud: baud), format: format)
    }

    /// The settings, validated, with the device not opened yet: the bus opens it at its first
    /// request, so a device missing at start-up is a meter fault (relay open, retried every poll),
    /// not a reason for the daemon to refuse to start.
    public static func closed(device: String, baud: Int, format: SerialFormat) -> SerialPort {
        SerialPort(device: device, baud: baud, format: format, descriptor: nil)
    }

    private init(device: String, baud: Int, format: SerialFormat, descriptor: FileDescriptor?) {
        self.device = device
        self.baud = baud
        self.format = format
        self.descriptor = descriptor
    }

    public var isOpen: Bool { descriptor != nil }

    /// Opens the device again with the same settings (after a hang-up); closes any open fd first.
    public mutating func reopen() throws(SerialError) {
        close()
        descriptor = try Self.open(device, speed: try speedConstant(forBaud: baud), format: format)
    }

    public mutating func close() {
        descriptor?.close()
        descriptor = nil
    }

    /// tcflush(TCIFLUSH): drops whatever the driver has buffered, so a late reply to an earlier
    /// request cannot be taken for the answer to the next one (meters.md §1 Quirks 5).
    public mutating func flushInput() throws(SerialError) {
        let fd = try openDescriptor()
        do {
            _ = try retryingOnInterrupt("tcflush", device) { tcflush(fd.rawValue, TCIFLUSH) }
        } catch {
            throw hangUpOr(error)
        }
    }

    public mutating func write(_ bytes: [UInt8]) throws(SerialError) -> Int {
        let fd = try openDescriptor()
        do {
            return try fd.write(bytes)
        } catch {
            throw hangUpOr(SystemError(error.operation, device, errno: error.errno))
        }
    }

    public mutating func read(upTo count: Int) throws(SerialError) -> [UInt8] {
        let fd = try openDescriptor()
        let bytes: [UInt8]?
        do {
            bytes = try fd.read(upTo: count)
        } catch {
            throw hangUpOr(SystemError(error.operation, device, errno: error.errno))
        }
        guard let bytes, bytes.isEmpty else { return bytes ?? [] }
        // With VMIN=0 VTIME=0 an idle line also reads 0 bytes, so only POLLHUP tells a hung-up
        // terminal (pty master closed, USB adapter unplugged) from a quiet one.
        var entry = pollfd(fd: fd.rawValue, events: Int16(POLLIN), revents: 0)
        if poll(&entry, 1, 0) > 0 && Int32(entry.revents) & (Int32(POLLHUP) | Int32(POLLERR) | Int32(POLLNVAL)) != 0 {
            close()
            throw .hangUp(device: device)
        }
        return []
    }

    private func openDescriptor() throws(SerialError) -> FileDescriptor {
        guard let descriptor else { throw .notOpen(device: device) }
        return descriptor
    }

    /// EIO and ENXIO mean the device itself is gone: close it so the owner reopens it later.
    private mutating func hangUpOr(_ error: SystemError) -> SerialError {
        if error.errno == EIO || error.errno == ENXIO || error.errno == ENODEV {
            close()
            return .hangUp(device: device)
        }
        return .system(error)
    }

    private static func open(_ device: String, speed: speed_t, format: SerialFormat) throws(SerialError) -> FileDescriptor {
        let flags = O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC
        let raw: Int32
        do {
            raw = try retryingOnInterrupt("open", device) { tm_open(device, flags, 0) }
        } catch {
            throw .system(error)
        }
        let fd = FileDescriptor(rawValue: raw)
        do {
            try configure(fd, device, speed: speed, format: format)
        } catch {
            fd.close()
            throw .system(error)
        }
        return fd
    }

    /// Exclusive use, raw mode, no flow control, speed and format; then reads the settings back,
    /// because tcsetattr succeeds when *any* of the changes took.
    private static func configure(_ fd: FileDescriptor, _ device: String, speed: speed_t, format: SerialFormat) throws(SystemError) {
        // A second daemon (or a stray `minicom`) on the same bus would interleave requests.
        _ = try retryingOnInterrupt("ioctl(TIOCEXCL)", device) { tm_ioctl_exclusive(fd.rawValue) }
        var settings = termios()
        _ = try retryingOnInterrupt("tcgetattr", device) { tcgetattr(fd.rawValue, &settings) }
        // No echo, no line editing, no CR/NL mapping, no XON/XOFF: Modbus frames carry any byte.
        cfmakeraw(&settings)
        settings.c_iflag &= ~(tcflag_t(IXON) | tcflag_t(IXOFF) | tcflag_t(IXANY))
        if format.parity != .none { settings.c_iflag |= tcflag_t(INPCK) }
        settings.c_cflag &= ~(SerialFormat.controlMask | tcflag_t(CRTSCTS))
        // CLOCAL: an RS485/TTL adapter has no modem lines; without it open or read could wait for carrier.
        settings.c_cflag |= format.controlFlags | tcflag_t(CLOCAL) | tcflag_t(CREAD)
        // VMIN=0 VTIME=0: read returns at once; the poll loop does all the waiting.
        withUnsafeMutableBytes(of: &settings.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        _ = try retryingOnInterrupt("cfsetispeed", device) { cfsetispeed(&settings, speed) }
        _ = try retryingOnInterrupt("cfsetospeed", device) { cfsetospeed(&settings, speed) }
        _ = try retryingOnInterrupt("tcsetattr", device) { tcsetattr(fd.rawValue, TCSANOW, &settings) }

        // The speed is checked; the format bits are not, because drivers that cannot do parity
        // (ptys force CS8 without parity) keep their own, and a wrong format then shows as CRC
        // errors in the bus counters rather than as a port that will not open.
        var applied = termios()
        _ = try retryingOnInterrupt("tcgetattr", device) { tcgetattr(fd.rawValue, &applied) }
        if cfgetospeed(&applied) != speed || cfgetispeed(&applied) != speed {
            throw SystemError("tcsetattr (baud rate not applied)", device, errno: EINVAL)
        }
        _ = try retryingOnInterrupt("tcflush", device) { tcflush(fd.rawValue, TCIOFLUSH) }
    }
}
