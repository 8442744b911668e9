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
        _ = try check("set the timeout of", path, retryingOnInterrupt { tm_watchdog_set_timeout(fd.rawValue, &value) })
        return value
    }

    /// A keepalive: any byte but `V`.
    public func pet() throws(SystemError) {
        var byte: UInt8 = 0
        if try check("pet watchdog", path, retryingOnInterrupt { write(fd.rawValue, &byte, 1) }) != 1 {
            throw SystemError("pet watchdog", path, errno: .EAGAIN)
        }
    }

    /// The magic close: the watchdog stops. Only for a deliberate stop.
    public func disarm() {
        var magic = UInt8(ascii: "V")
        _ = write(fd.rawValue, &magic, 1)
        fd.close()
    }
}
