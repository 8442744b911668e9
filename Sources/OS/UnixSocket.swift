import CSystem

/// The Unix-domain stream socket calls the control socket needs, each wrapped once: errno becomes
/// `SystemError` here, EINTR is retried, SIGPIPE is never raised (MSG_NOSIGNAL).
public enum UnixSocket {
    /// What a non-blocking connect(2) to a socket path found.
    public enum Probe: Equatable, Sendable {
        /// A process accepts (or queues) connections there.
        case live
        /// A socket file with no listener: left behind by a daemon that died.
        case stale
        /// Nothing at the path.
        case missing
    }

    /// A new non-blocking, close-on-exec stream socket.
    public static func makeStream(_ subject: String) throws(SystemError) -> FileDescriptor {
        let fd = tm_unix_stream_socket()
        if fd < 0 { throw SystemError("socket", subject, errno: .current) }
        return FileDescriptor(rawValue: fd)
    }

    /// Binds `fd` to `path`. EADDRINUSE is thrown like any other errno; the caller decides.
    public static func bind(_ fd: FileDescriptor, path: String) throws(SystemError) {
        _ = try withAddress(path, "bind") { addr, len in tm_bind_unix(fd.rawValue, addr, len) }
    }

    /// Connects `fd` to `path`. On a non-blocking fd EAGAIN means the listener's backlog is full.
    public static func connect(_ fd: FileDescriptor, path: String) throws(SystemError) {
        _ = try withAddress(path, "connect") { addr, len in tm_connect_unix(fd.rawValue, addr, len) }
    }

    public static func listen(_ fd: FileDescriptor, backlog: Int32, path: String) throws(SystemError) {
        _ = try check("listen", path, retryingOnInterrupt { CSystem.listen(fd.rawValue, backlog) })
    }

    /// Accepts one connection as a non-blocking fd; nil when none is waiting (EAGAIN).
    public static func accept(_ listener: FileDescriptor) throws(SystemError) -> FileDescriptor? {
        let fd = retryingOnInterrupt { tm_accept_nonblocking(listener.rawValue) }
        if fd >= 0 { return FileDescriptor(rawValue: fd) }
        if wouldBlock() { return nil }
        throw SystemError("accept", "", errno: .current)
    }

    /// Sends what the socket takes now; 0 when it would block. EPIPE/ECONNRESET are thrown.
    public static func send(_ fd: FileDescriptor, _ bytes: UnsafeRawBufferPointer) throws(SystemError) -> Int {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        let n = retryingOnInterrupt { tm_send_nosignal(fd.rawValue, base, bytes.count) }
        if n >= 0 { return n }
        if wouldBlock() { return 0 }
        throw SystemError("send", "", errno: .current)
    }

    /// Reads into `buffer`; nil when it would block, 0 at end of stream.
    public static func receive(_ fd: FileDescriptor, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int? {
        try fd.read(into: buffer)
    }

    /// Closes the write side: the peer reads end of stream after what was sent.
    public static func shutdownWrite(_ fd: FileDescriptor) {
        _ = CSystem.shutdown(fd.rawValue, Int32(SHUT_WR))
    }

    /// Is a daemon listening at `path`? Connects once, non-blocking, and closes again.
    public static func probe(path: String) throws(SystemError) -> Probe {
        let fd = try makeStream(path)
        defer { fd.close() }
        do {
            try connect(fd, path: path)
            return .live
        } catch {
            switch error.errno {
            case .ECONNREFUSED: return .stale
            case .ENOENT: return .missing
            case .EAGAIN: return .live  // backlog full: someone is listening
            default: throw error
            }
        }
    }

    /// Bytes sent on `fd` that the peer has not read yet (SIOCOUTQ); nil when the kernel cannot
    /// say (qemu-user).
    public static func bytesUnreadByPeer(_ fd: FileDescriptor) -> Int? {
        var unread: Int32 = 0
        return tm_ioctl_bytes_unread_by_peer(fd.rawValue, &unread) != 0 ? nil : Int(unread)
    }

    private static func withAddress(
        _ path: String, _ operation: String, _ call: (UnsafePointer<sockaddr_un>, socklen_t) -> Int32
    ) throws(SystemError) -> Int32 {
        var addr = sockaddr_un()
        var len: socklen_t = 0
        if tm_unix_address(path, &addr, &len) != 0 {
            throw SystemError(operation, path, errno: .ENAMETOOLONG)
        }
        return try check(operation, path, retryingOnInterrupt { call(&addr, len) })
    }
}

