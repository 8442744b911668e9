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

        /// Both (see `Readiness.|`: no array literal at run time).
        public static func | (a: Options, b: Options) -> Options { Options(rawValue: a.rawValue | b.rawValue) }
    }

    /// open(2); `permissions` apply (through the umask) when `.create` makes the file.
    @inline(never)
    public static func open(_ path: String, _ access: Access, _ options: Options = Options(rawValue: 0),
                            permissions: UInt32 = 0o600) throws(SystemError) -> FileDescriptor {
        let mode: Int32
        switch access {
        case .readOnly: mode = O_RDONLY
        case .writeOnly: mode = O_WRONLY
        case .readWrite: mode = O_RDWR
        }
        let raw = try check("open", path, retryingOnInterrupt { tm_open(path, mode | options.rawValue | O_CLOEXEC, mode_t(permissions)) })
        return FileDescriptor(rawValue: raw)
    }

    /// Closes the fd. EINTR on close must not be retried on Linux (the fd is already gone).
    public func close() {
        _ = CSystem.close(rawValue)
    }

    // MARK: reading and writing

    /// A non-blocking call's result: the count, or nil when it would have had to wait; any other
    /// failure is thrown as `operation` on this fd.
    @inline(never)
    func nonBlocking(_ result: Int, _ operation: String) throws(SystemError) -> Int? {
        if result >= 0 { return result }
        if wouldBlock() { return nil }
        throw SystemError(operation, "fd \(rawValue)", errno: .current)
    }

    /// Reads into `buffer`; nil when the call would block (non-blocking fd), 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int? {
        try nonBlocking(retryingOnInterrupt { CSystem.read(rawValue, buffer.baseAddress, buffer.count) }, "read")
    }

    /// Reads up to `count` bytes. Returns nil when the call would block (non-blocking fd),
    /// an empty array at end of file.
    public func read(upTo count: Int) throws(SystemError) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        let result = buffer.withUnsafeMutableBytes { raw in retryingOnInterrupt { CSystem.read(rawValue, raw.baseAddress, count) } }
        guard let n = try nonBlocking(result, "read") else { return nil }
        buffer.removeSubrange(n..<count)
        return buffer
    }

    /// Writes as much of `bytes` as the fd takes now; the count written (0 if it would block).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) -> Int {
        guard bytes.count > 0 else { return 0 }
        return try nonBlocking(retryingOnInterrupt { CSystem.write(rawValue, bytes.baseAddress, bytes.count) }, "write") ?? 0
    }

    /// Writes as much of `bytes` as the fd takes now; the count written (0 if it would block).
    public func write(_ bytes: [UInt8]) throws(SystemError) -> Int {
        guard !bytes.isEmpty else { return 0 }
        let result = bytes.withUnsafeBytes { raw in retryingOnInterrupt { CSystem.write(rawValue, raw.baseAddress, raw.count) } }
        return try nonBlocking(result, "write") ?? 0
    }

    /// Writes all of `bytes`, waiting for a blocking fd as needed (files and terminals, not sockets).
    public func writeAll(_ bytes: [UInt8]) throws(SystemError) {
        try checkWrittenAll(bytes.withUnsafeBytes { writeAll(from: $0.baseAddress, count: $0.count, at: nil) })
    }

    /// Writes all of `text` (log lines, replies on stdout and stderr) without copying it.
    public func writeAll(_ text: String) throws(SystemError) {
        var copy = text
        try checkWrittenAll(copy.withUTF8 { writeAll(from: UnsafeRawPointer($0.baseAddress), count: $0.count, at: nil) })
    }

    /// Writes `count` bytes from `base`, from the file offset `at` (pwrite) or the current one;
    /// nil when all were written, else why not (0 bytes taken: EAGAIN on a descriptor, ENOSPC on
    /// a file at an offset).
    @inline(never)
    private func writeAll(from base: UnsafeRawPointer?, count: Int, at offset: Int?) -> Errno? {
        var done = 0
        while done < count {
            let pointer = base.map { $0 + done }
            let n = retryingOnInterrupt {
                offset.map { pwrite(rawValue, pointer, count - done, off_t($0 + done)) } ?? CSystem.write(rawValue, pointer, count - done)
            }
            if n < 0 { return .current }
            if n == 0 { return offset == nil ? .EAGAIN : .ENOSPC }
            done += n
        }
        return nil
    }

    private func checkWrittenAll(_ failure: Errno?, _ subject: String? = nil) throws(SystemError) {
        if let failure { throw SystemError("write", subject ?? "fd \(rawValue)", errno: failure) }
    }

    // MARK: positioned I/O, for the journal (a retry after a short write cannot land twice)

    /// The whole file, read from offset 0 with pread; a file that shrinks meanwhile gives what is there.
    public func readAll(_ subject: String) throws(SystemError) -> [UInt8] {
        try read(upTo: try info(subject).size, at: 0, subject)
    }

    /// Up to `count` bytes from `offset` (fewer at the end of the file); never moves the file offset.
    @inline(never)
    public func read(upTo count: Int, at offset: Int, _ subject: String) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let done = bytes.withUnsafeMutableBytes { raw in
            var done = 0
            while done < count {
                let n = retryingOnInterrupt { pread(rawValue, raw.baseAddress! + done, count - done, off_t(offset + done)) }
                if n < 0 { return -1 }
                if n == 0 { break }   // the end of the file
                done += n
            }
            return done
        }
        if done < 0 { throw SystemError("read", subject, errno: .current) }
        bytes.removeSubrange(done..<count)
        return bytes
    }

    /// Writes all of `bytes` at `offset` with pwrite. A regular file that takes no bytes is full:
    /// ENOSPC (the kernel would say so at the next try).
    public func writeAll(_ bytes: [UInt8], at offset: Int, _ subject: String) throws(SystemError) {
        try checkWrittenAll(bytes.withUnsafeBytes { writeAll(from: $0.baseAddress, count: $0.count, at: offset) }, subject)
    }

    // MARK: durability and size

    /// fsync(2): data and metadata on stable storage.
    public func sync(_ subject: String) throws(SystemError) {
        _ = try check("fsync", subject, retryingOnInterrupt { fsync(rawValue) })
    }

    /// fdatasync(2): the data (and the size), not the timestamps.
    public func syncData(_ subject: String) throws(SystemError) {
        _ = try check("fdatasync", subject, retryingOnInterrupt { fdatasync(rawValue) })
    }

    public func truncate(to length: Int, _ subject: String) throws(SystemError) {
        _ = try check("ftruncate", subject, retryingOnInterrupt { ftruncate(rawValue, off_t(length)) })
    }

    /// fstat(2) of the open file.
    public func info(_ subject: String) throws(SystemError) -> FileInfo {
        var st = stat()
        _ = try check("fstat", subject, retryingOnInterrupt { fstat(rawValue, &st) })
        return FileInfo(st)
    }

    // MARK: flags, locks, readiness

    public func setNonBlocking() throws(SystemError) {
        let flags = try check("fcntl(F_GETFL)", "fd \(rawValue)", retryingOnInterrupt { tm_fcntl_getfl(rawValue) })
        _ = try check("fcntl(F_SETFL)", "fd \(rawValue)", retryingOnInterrupt { tm_fcntl_setfl(rawValue, flags | O_NONBLOCK) })
    }

    public func setCloseOnExec() throws(SystemError) {
        _ = try check("fcntl(F_SETFD)", "fd \(rawValue)", retryingOnInterrupt { tm_fcntl_setfd_cloexec(rawValue) })
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
        guard try PollSet.count(poll(&entry, 1, timeoutMs)) > 0 else { return .nothing }
        return Readiness(pollEvents: entry.revents)
    }
}
