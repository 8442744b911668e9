import CSystem

/// A hardware watchdog device (`/dev/watchdog`): opening it arms it, every write pets it, and only
/// the magic close (`V`, then close) disarms it.
public struct WatchdogDevice {
    public let fd: FileDescriptor
    public let path: String

    /// Opens (and so arms) the watchdog at `path`.
    public static func open(_ path: String) throws(SystemError) -> WatchdogDevice {
        WatchdogDevice(fd: try FileDescriptor.open(path, .writeOnly), path: path)
    }

    /// Asks for a timeout of `seconds`; returns what the driver set (it may round it).
    public func setTimeout(seconds: Int32) throws(SystemError) -> Int32 {
        var value = seconds
        _ = try check("set the timeout of", path) { tm_watchdog_set_timeout(fd.rawValue, &value) }
        return value
    }

    /// A keepalive: any byte but `V`.
    public func pet() throws(SystemError) { try writeByte(0, "pet watchdog") }

    /// The magic close: the watchdog stops. Only for a deliberate stop.
    public func disarm() {
        try? writeByte(UInt8(ascii: "V"), "disarm watchdog")
        fd.close()
    }

    private func writeByte(_ byte: UInt8, _ operation: String) throws(SystemError) {
        var value = byte
        let written: Int
        do {
            written = try withUnsafeBytes(of: &value) { raw in
                Result { () throws(SystemError) -> Int in try fd.write(raw) }
            }.get()
        } catch {
            throw SystemError(operation, path, errno: error.errno)
        }
        if written != 1 { throw SystemError(operation, path, errno: .EAGAIN) }
    }
}
