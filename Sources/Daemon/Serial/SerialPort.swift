import Config
import OS

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
        try Self.checkSupported(baud: baud)
        descriptor = try Self.open(device, baud: baud, format: format)
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
        try Self.checkSupported(baud: baud)
        descriptor = try Self.open(device, baud: baud, format: format)
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
            try Terminal.flushInput(fd, device)
        } catch {
            throw hangUpOr(error)
        }
    }

    public mutating func write(_ bytes: [UInt8]) throws(SerialError) -> Int {
        let fd = try openDescriptor()
        do {
            return try fd.write(bytes)
        } catch {
            throw hangUpOr(error.about(device))
        }
    }

    public mutating func read(upTo count: Int) throws(SerialError) -> [UInt8] {
        let fd = try openDescriptor()
        let bytes: [UInt8]?
        do {
            bytes = try fd.read(upTo: count)
        } catch {
            throw hangUpOr(error.about(device))
        }
        guard let bytes, bytes.isEmpty else { return bytes ?? [] }
        // With VMIN=0 VTIME=0 an idle line also reads 0 bytes, so only POLLHUP tells a hung-up
        // terminal (pty master closed, USB adapter unplugged) from a quiet one.
        let seen = (try? fd.wait(for: .readable, timeoutMs: 0)) ?? .nothing
        if seen.containsAny(.hangUp | .error | .invalid) {
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
        if error.errno == .EIO || error.errno == .ENXIO || error.errno == .ENODEV {
            close()
            return .hangUp(device: device)
        }
        return .system(error)
    }

    /// Rates outside DESIGN §3.2's 1200…115200 or without a B-constant (e.g. 14400) are refused
    /// rather than rounded.
    static func checkSupported(baud: Int) throws(SerialError) {
        guard Terminal.supportedBauds.contains(baud) else { throw .unsupportedBaud(baud) }
    }

    /// The one place Config's `Parity` becomes termios's two bits (the OS module takes primitives:
    /// it may not import Config, and a second parity type there was the same concept twice).
    private static func open(_ device: String, baud: Int, format: SerialFormat) throws(SerialError) -> FileDescriptor {
        let parityBit: Bool, oddParity: Bool
        switch format.parity {
        case .none: (parityBit, oddParity) = (false, false)
        case .even: (parityBit, oddParity) = (true, false)
        case .odd: (parityBit, oddParity) = (true, true)
        }
        do {
            return try Terminal.openSerial(device, baud: baud, dataBits: format.dataBits, parityBit: parityBit,
                                           oddParity: oddParity, stopBits: format.stopBits)
        } catch {
            throw .system(error)
        }
    }
}
