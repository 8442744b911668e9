import CSystem

/// An open file, socket or device, with the operations the daemon, the journal and the simulator
/// make on it, each wrapped once (EINTR retried, errno turned into `SystemError`). Closing is
/// explicit: whoever opened a descriptor owns it.
public struct FileDescriptor: Hashable, Sendable {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let standardInput = FileDescriptor(rawValue: 0)
    public static let standardOutput = FileDescriptor(rawValue: 1)
    public static let standardError = FileDescriptor(rawValue: 2)

    public enum Access: Sendable {
        case readOnly, writeOnly, readWrite
    }

    /// open(2) flags beyond the access mode. Every descriptor is opened close-on-exec.
    public struct Options: OptionSet, Sendable {
        public let rawValue: Int32
        public init(rawValue: Int32) { self.rawValue = rawValue }
        public static let create = Options(rawValue: O_CREAT)
        public static let truncate = Options(rawValue: O_TRUNC)
        public static let nonBlocking = Options(rawValue: O_NONBLOCK)
        /// A terminal opened so must not become the process's controlling terminal.
        public static let noControllingTerminal = Options(rawValue: O_NOCTTY)
        public static let directory = Options(rawValue: O_DIRECTORY)
    }

    /// open(2); `permissions` apply (through the umask) when `.create` makes the file.
    @inline(never)
    public static func open(_ path: String, _ access: Access, _ options: Options = [],
                            permissions: UInt32 = 0o600) throws(SystemError) -> FileDescriptor {
        let mode: Int32
        switch access {
        case .readOnly: mode = O_RDONLY
        case .writeOnly: mode = O_WRONLY
        case .readWrite: mode = O_RDWR
        }
        let raw = try check("open", path) { tm_open(path, mode | options.rawValue | O_CLOEXEC, mode_t(permissions)) }
        return FileDescriptor(rawValue: raw)
    }

    /// Closes the fd. EINTR on close must not be retried on Linux (the fd is already gone).
    public func close() {
        _ = CSystem.close(rawValue)
    }

    // MARK: reading and writing

    /// Reads into `buffer`; nil when the call would block (non-blocking fd), 0 at end of file.
    @inline(never)
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int? {
        let n = retryingOnInterrupt { CSystem.read(rawValue, buffer.baseAddress, buffer.count) }
        if n >= 0 { return n }
        if wouldBlock() { return nil }
        throw SystemError("read", "fd \(rawValue)", errno: .current)
    }

    /// Reads up to `count` bytes. Returns nil when the call would block (non-blocking fd),
    /// an empty array at end of file.
    public func read(upTo count: Int) throws(SystemError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        let result = buffer.withUnsafeMutableBytes { raw in
            Result { () throws(SystemError) -> Int? in try read(into: raw) }
        }
        guard let n = try result.get() else { return nil }
        buffer.removeSubrange(n..<count)
        return buffer
    }

    /// Writes as much of `bytes` as the fd takes now; the count written (0 if it would block).
    @inline(never)
    public func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) -> Int {
        guard bytes.count > 0 else { return 0 }
        let n = retryingOnInterrupt { CSystem.write(rawValue, bytes.baseAddress, bytes.count) }
        if n >= 0 { return n }
        if wouldBlock() { return 0 }
        throw SystemError("write", "fd \(rawValue)", errno: .current)
    }

    /// Writes as much of `bytes` as the fd takes now; the count written (0 if it would block).
    public func write<C: Collection>(_ bytes: C) throws(SystemError) -> Int where C.Element == UInt8 {
        let contiguous = Array(bytes)
        return try contiguous.withUnsafeBytes { raw in
            Result { () throws(SystemError) -> Int in try write(raw) }
        }.get()
    }

    /// Writes all of `bytes`, waiting for a blocking fd as needed (files and terminals, not sockets).
    public func writeAll<C: Collection>(_ bytes: C) throws(SystemError) where C.Element == UInt8 {
        try Array(bytes).withUnsafeBytes { raw in
            Result { () throws(SystemError) in try writeAll(raw) }
        }.get()
    }

    /// Writes all of `text` (log lines, replies on stdout and stderr) without copying it.
    public func writeAll(_ text: String) throws(SystemError) {
        var copy = text
        try copy.withUTF8 { buffer in
            Result { () throws(SystemError) in try writeAll(UnsafeRawBufferPointer(buffer)) }
        }.get()
    }

    @inline(never)
    func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let n = try write(UnsafeRawBufferPointer(rebasing: bytes[done...]))
            if n == 0 { throw SystemError("write", "fd \(rawValue)", errno: .EAGAIN) }
            done += n
        }
    }

    // MARK: positioned I/O, for the journal (a retry after a short write cannot land twice)

    /// The whole file, read from offset 0 with pread; a file that shrinks meanwhile gives what is there.
    @inline(never)
    public func readAll(_ subject: String) throws(SystemError) -> [UInt8] {
        let expected = try info(subject).size
        var bytes = [UInt8](repeating: 0, count: expected)
        var done = 0
        while done < expected {
            let n = try bytes.withUnsafeMutableBytes { raw in
                Result { () throws(SystemError) -> Int in
                    try check("read", subject) { pread(rawValue, raw.baseAddress! + done, expected - done, off_t(done)) }
                }
            }.get()
            if n == 0 { break }
            done += n
        }
        if done < expected { bytes.removeSubrange(done..<expected) }
        return bytes
    }

    /// Up to `count` bytes from `offset` (fewer at the end of the file); never moves the file offset.
    public func read(upTo count: Int, at offset: Int, _ subject: String) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let n = try bytes.withUnsafeMutableBytes { raw in
            Result { () throws(SystemError) -> Int in
                try check("read", subject) { pread(rawValue, raw.baseAddress, count, off_t(offset)) }
            }
        }.get()
        bytes.removeSubrange(n..<count)
        return bytes
    }

    /// Writes all of `bytes` at `offset` with pwrite. A regular file that takes no bytes is full:
    /// ENOSPC (the kernel would say so at the next try).
    @inline(never)
    public func writeAll(_ bytes: [UInt8], at offset: Int, _ subject: String) throws(SystemError) {
        var done = 0
        while done < bytes.count {
            let n = try bytes.withUnsafeBytes { raw in
                Result { () throws(SystemError) -> Int in
                    try check("write", subject) { pwrite(rawValue, raw.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
                }
            }.get()
            if n == 0 { throw SystemError("write", subject, errno: .ENOSPC) }
            done += n
        }
    }

    // MARK: durability and size

    /// fsync(2): data and metadata on stable storage.
    public func sync(_ subject: String) throws(SystemError) {
        _ = try check("fsync", subject) { fsync(rawValue) }
    }

    /// fdatasync(2): the data (and the size), not the timestamps.
    public func syncData(_ subject: String) throws(SystemError) {
        _ = try check("fdatasync", subject) { fdatasync(rawValue) }
    }

    public func truncate(to length: Int, _ subject: String) throws(SystemError) {
        _ = try check("ftruncate", subject) { ftruncate(rawValue, off_t(length)) }
    }

    /// fstat(2) of the open file.
    public func info(_ subject: String) throws(SystemError) -> FileInfo {
        var st = stat()
        _ = try check("fstat", subject) { fstat(rawValue, &st) }
        return FileInfo(st)
    }

    // MARK: flags, locks, readiness

    public func setNonBlocking() throws(SystemError) {
        let flags = try check("fcntl(F_GETFL)", "fd \(rawValue)") { tm_fcntl_getfl(rawValue) }
        _ = try check("fcntl(F_SETFL)", "fd \(rawValue)") { tm_fcntl_setfl(rawValue, flags | O_NONBLOCK) }
    }

    public func setCloseOnExec() throws(SystemError) {
        _ = try check("fcntl(F_SETFD)", "fd \(rawValue)") { tm_fcntl_setfd_cloexec(rawValue) }
    }

    /// flock(LOCK_EX | LOCK_NB): true when taken, false when another open file holds it. The lock
    /// belongs to this open file description and goes with its last descriptor.
    public func lockExclusively(_ subject: String) throws(SystemError) -> Bool {
        if retryingOnInterrupt({ flock(rawValue, LOCK_EX | LOCK_NB) }) == 0 { return true }
        if wouldBlock() { return false }
        throw SystemError("flock", subject, errno: .current)
    }

    /// poll(2) on this descriptor alone, for at most `timeoutMs` (0: just look): what it reported,
    /// empty on timeout or when a signal woke it.
    public func wait(for events: Readiness, timeoutMs: Int32) throws(SystemError) -> Readiness {
        var entry = pollfd(fd: rawValue, events: events.pollEvents, revents: 0)
        guard try PollSet.count(poll(&entry, 1, timeoutMs)) > 0 else { return [] }
        return Readiness(pollEvents: entry.revents)
    }
}
