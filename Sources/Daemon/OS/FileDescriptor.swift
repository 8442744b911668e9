import CSystem

/// An owned-by-convention file descriptor with the few operations the shell needs, each wrapped
/// once (EINTR retried, errno turned into `SystemError`). Closing is explicit: the loop owns fds.
public struct FileDescriptor: Hashable, Sendable {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Reads up to `count` bytes. Returns nil when the call would block (non-blocking fd),
    /// an empty array at end of file.
    public func read(upTo count: Int) throws(SystemError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        let n = buffer.withUnsafeMutableBytes { raw -> Int in
            while true {
                let r = CSystem.read(rawValue, raw.baseAddress, count)
                if r < 0 && tm_errno() == EINTR { continue }
                return r
            }
        }
        if n < 0 {
            let code = tm_errno()
            if code == EAGAIN || code == EWOULDBLOCK { return nil }
            throw SystemError("read", "fd \(rawValue)", errno: code)
        }
        buffer.removeSubrange(n..<count)
        return buffer
    }

    /// Writes as much of `bytes` as the fd takes now; returns the count written (0 if it would block).
    public func write<C: Collection>(_ bytes: C) throws(SystemError) -> Int where C.Element == UInt8 {
        let contiguous = Array(bytes)
        if contiguous.isEmpty { return 0 }
        let n = contiguous.withUnsafeBytes { raw -> Int in
            while true {
                let r = CSystem.write(rawValue, raw.baseAddress, raw.count)
                if r < 0 && tm_errno() == EINTR { continue }
                return r
            }
        }
        if n < 0 {
            let code = tm_errno()
            if code == EAGAIN || code == EWOULDBLOCK { return 0 }
            throw SystemError("write", "fd \(rawValue)", errno: code)
        }
        return n
    }

    /// Writes all of `bytes`, waiting for a blocking fd as needed (used for files, not sockets).
    public func writeAll<C: Collection>(_ bytes: C) throws(SystemError) where C.Element == UInt8 {
        var rest = Array(bytes)[...]
        while !rest.isEmpty {
            let n = try write(rest)
            if n == 0 { throw SystemError("write", "fd \(rawValue)", errno: EAGAIN) }
            rest = rest.dropFirst(n)
        }
    }

    public func setNonBlocking() throws(SystemError) {
        let flags = try retryingOnInterrupt("fcntl(F_GETFL)", "fd \(rawValue)") { tm_fcntl_getfl(rawValue) }
        _ = try retryingOnInterrupt("fcntl(F_SETFL)", "fd \(rawValue)") { tm_fcntl_setfl(rawValue, flags | O_NONBLOCK) }
    }

    public func setCloseOnExec() throws(SystemError) {
        _ = try retryingOnInterrupt("fcntl(F_SETFD)", "fd \(rawValue)") { tm_fcntl_setfd_cloexec(rawValue) }
    }

    /// Closes the fd. EINTR on close must not be retried on Linux (the fd is already gone).
    public func close() {
        _ = CSystem.close(rawValue)
    }
}
