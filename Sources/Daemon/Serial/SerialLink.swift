import OS

/// The byte pipe a `MeterBus` drives: a real `SerialPort`, or a scripted stand-in in unit tests.
/// Every call is non-blocking.
public protocol SerialLink {
    /// The device path, for messages.
    var device: String { get }
    /// The fd to poll for input; nil while the link is closed.
    var descriptor: FileDescriptor? { get }
    /// Opens the device again after a hang-up.
    mutating func reopen() throws(SerialError)
    /// Closes the device (nothing if already closed).
    mutating func close()
    /// Discards bytes received but not yet read (stale replies, line noise).
    mutating func flushInput() throws(SerialError)
    /// Writes what the line takes now; returns the count written (0 if it would block).
    mutating func write(_ bytes: [UInt8]) throws(SerialError) -> Int
    /// Reads what has arrived, up to `count` bytes; empty when nothing is waiting.
    mutating func read(upTo count: Int) throws(SerialError) -> [UInt8]
}
