import OS

/// Why the serial port could not be set up or used. OS failures keep the device path and errno
/// (through `SystemError`), so one `message` tells an operator which device failed and how.
public enum SerialError: Error, Equatable, Sendable {
    /// A baud rate with no termios B-constant, or outside 1200…115200.
    case unsupportedBaud(Int)
    /// A system call on the device failed.
    case system(SystemError)
    /// The device went away: end of file or EIO on read (a pty whose master closed, a USB adapter
    /// unplugged). The port must be reopened.
    case hangUp(device: String)
    /// The driver would not take a whole request frame (output buffer full: the line is wedged).
    case writeStalled(device: String)
    /// The port is closed (after a hang-up or `close()`); `reopen()` first.
    case notOpen(device: String)

    /// One line for logs and the control socket.
    public var message: String {
        switch self {
        case .unsupportedBaud(let baud):
            return "unsupported baud rate \(baud) (use one of \(supportedBaudText))"
        case .system(let error):
            return error.message
        case .hangUp(let device):
            return "\(device): device closed or vanished"
        case .writeStalled(let device):
            return "\(device): write stalled (output buffer full)"
        case .notOpen(let device):
            return "\(device): port is not open"
        }
    }
}

private var supportedBaudText: String {
    var text = ""
    for (index, baud) in Terminal.supportedBauds.enumerated() {
        if index > 0 { text += ", " }
        text += String(baud)
    }
    return text
}
