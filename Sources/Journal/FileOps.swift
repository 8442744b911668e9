import CSystem

/// Every system call the journal makes, each wrapped once: EINTR retried, and a failure turned
/// into `JournalError.system` naming the operation and the path.
enum FileOps {
    /// Retries `call` while it fails with EINTR; throws with errno on any other failure.
    static func retrying<T: BinaryInteger>(_ operation: String, _ path: String, _ call: () -> T) throws(JournalError) -> T {
        while true {
            let result = call()
            if result >= 0 { return result }
            let code = tm_errno()
            if code == EINTR { continue }
            throw .system(operation: operation, path: path, errno: code)
        }
    }

    static func open(_ path: String, flags: Int32, mode: mode_t = 0o600) throws(JournalError) -> Int32 {
        try retrying("open", path) { tm_open(path, flags | O_CLOEXEC, mode) }
    }

    static func close(_ fd: Int32) {
        // EINTR on close must not be retried on Linux: the descriptor is already gone.
        _ = CSystem.close(fd)
    }

    /// Whether `path` exists (any kind of file); errors other than "does not exist" are thrown.
    static func exists(_ path: String) throws(JournalError) -> Bool {
        var info = stat()
        if stat(path, &info) == 0 { return true }
        let code = tm_errno()
        if code == ENOENT { return false }
        throw .system(operation: "stat", path: path, errno: code)
    }

    static func size(_ fd: Int32, _ path: String) throws(JournalError) -> Int {
        var info = stat()
        _ = try retrying("fstat", path) { fstat(fd, &info) }
        return Int(info.st_size)
    }

    /// The whole file, read from offset 0.
    static func readAll(_ fd: Int32, _ path: String) throws(JournalError) -> [UInt8] {
        let expected = try size(fd, path)
        var bytes = [UInt8](repeating: 0, count: expected)
        var done = 0
        while done < expected {
            let n = try retrying("read", path) {
                bytes.withUnsafeMutableBytes { raw in pread(fd, raw.baseAddress! + done, expected - done, off_t(done)) }
            }
            if n == 0 { break }   // shrank under us: take what is there
            done += n
        }
        if done < expected { bytes.removeSubrange(done..<expected) }
        return bytes
    }

    /// Writes all of `bytes` at `offset` (pwrite: a retry after a short write cannot land twice).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], at offset: Int, _ path: String) throws(JournalError) {
        var done = 0
        while done < bytes.count {
            let n = try retrying("write", path) {
                bytes.withUnsafeBytes { raw in pwrite(fd, raw.baseAddress! + done, bytes.count - done, off_t(offset + done)) }
            }
            // a regular file that takes no bytes is full (the kernel returns ENOSPC next time)
            if n == 0 { throw .system(operation: "write", path: path, errno: ENOSPC) }
            done += n
        }
    }

    static func syncData(_ fd: Int32, _ path: String) throws(JournalError) {
        _ = try retrying("fdatasync", path) { fdatasync(fd) }
    }

    static func sync(_ fd: Int32, _ path: String) throws(JournalError) {
        _ = try retrying("fsync", path) { fsync(fd) }
    }

    static func truncate(_ fd: Int32, to length: Int, _ path: String) throws(JournalError) {
        _ = try retrying("ftruncate", path) { ftruncate(fd, off_t(length)) }
    }

    static func rename(_ from: String, to: String) throws(JournalError) {
        _ = try retrying("rename", "\(from) to \(to)") { CSystem.rename(from, to) }
    }

    /// Removes `path` if it is there (checked first: on a read-only mount unlink fails with EROFS
    /// even for a name that does not exist, and the error worth reporting is the journal's own).
    static func unlinkIfPresent(_ path: String) throws(JournalError) {
        guard try exists(path) else { return }
        if unlink(path) != 0 && tm_errno() != ENOENT {
            throw .system(operation: "unlink", path: path, errno: tm_errno())
        }
    }

    /// Makes a rename or a new directory entry in `directory` durable.
    static func syncDirectory(_ directory: String) throws(JournalError) {
        let fd = try open(directory, flags: O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try sync(fd, directory)
    }

    /// Creates `directory` and any missing parents with mode 0700, each made durable in its parent.
    static func makeDirectories(_ directory: String) throws(JournalError) {
        if try exists(directory) { return }
        let parent = parentDirectory(of: directory)
        if parent != directory { try makeDirectories(parent) }
        if mkdir(directory, 0o700) != 0 {
            guard tm_errno() == EEXIST else { throw .system(operation: "mkdir", path: directory, errno: tm_errno()) }
        } else if chmod(directory, 0o700) != 0 {
            // mkdir's mode passes through the process umask (0177 while the control socket binds, or
            // an init system's): a directory without its x bit would be unusable. Set it exactly.
            throw .system(operation: "chmod", path: directory, errno: tm_errno())
        }
        try syncDirectory(parent)
    }

    /// The directory holding `path`: `/var/lib/tanglemeter` for `/var/lib/tanglemeter/journal`.
    static func parentDirectory(of path: String) -> String {
        var bytes = Array(path.utf8)
        while bytes.count > 1 && bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        if slash == 0 { return "/" }
        return String(decoding: bytes[..<slash], as: UTF8.self)
    }

    /// 32 bits for a file generation's salt, from the kernel's random source; the clock if that fails.
    static func randomSalt() -> UInt32 {
        var salt: UInt32 = 0
        if let fd = try? open("/dev/urandom", flags: O_RDONLY) {
            _ = withUnsafeMutableBytes(of: &salt) { read(fd, $0.baseAddress, 4) }
            close(fd)
        }
        if salt == 0 {
            var ts = timespec()
            clock_gettime(CLOCK_REALTIME, &ts)
            salt = UInt32(truncatingIfNeeded: Int64(ts.tv_sec) &* 1_000_000_007 &+ Int64(ts.tv_nsec)) | 1
        }
        return salt
    }
}
