import CSystem

/// Names in the file system: lookups, removal, renames, directories, and the atomic replacement
/// of a file's content. Each call wrapped once; failures name the operation and the path.
public enum FileSystem {
    /// stat(2), or lstat(2) with `followLinks: false`; nil when nothing is at `path`.
    @inline(never)
    public static func info(_ path: String, followLinks: Bool = true) throws(SystemError) -> FileInfo? {
        var st = stat()
        let r = retryingOnInterrupt { followLinks ? stat(path, &st) : lstat(path, &st) }
        if r == 0 { return FileInfo(st) }
        if tm_errno() == ENOENT { return nil }
        throw SystemError(followLinks ? "stat" : "lstat", path, errno: .current)
    }

    /// Whether anything is at `path`; errors other than "does not exist" are thrown.
    public static func exists(_ path: String) throws(SystemError) -> Bool {
        try info(path) != nil
    }

    /// unlink(2); a name already gone is not an error.
    public static func remove(_ path: String) throws(SystemError) {
        if retryingOnInterrupt({ unlink(path) }) != 0 && tm_errno() != ENOENT {
            throw SystemError("unlink", path, errno: .current)
        }
    }

    /// Removes `path` if it is there, looking first: on a read-only mount unlink fails with EROFS
    /// even for a name that does not exist, and the error worth reporting is the caller's own.
    public static func removeIfPresent(_ path: String) throws(SystemError) {
        guard try exists(path) else { return }
        try remove(path)
    }

    public static func rename(_ from: String, to: String) throws(SystemError) {
        _ = try check("rename", "\(from) to \(to)", retryingOnInterrupt { CSystem.rename(from, to) })
    }

    public static func symlink(_ target: String, at path: String) throws(SystemError) {
        _ = try check("symlink", path, retryingOnInterrupt { CSystem.symlink(target, path) })
    }

    /// Where the symbolic link at `path` points; nil if it is not one or cannot be read.
    public static func linkTarget(_ path: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { raw in
            readlink(path, raw.baseAddress!.assumingMemoryBound(to: CChar.self), raw.count - 1)
        }
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }

    public static func setPermissions(_ path: String, _ permissions: UInt32) throws(SystemError) {
        _ = try check("chmod", path, retryingOnInterrupt { chmod(path, mode_t(permissions & 0o7777)) })
    }

    /// chown(2) of the group alone.
    public static func setGroup(_ path: String, _ group: UInt32) throws(SystemError) {
        _ = try check("chown", path, retryingOnInterrupt { chown(path, uid_t.max, group) })
    }

    /// Runs `body` with the process umask set to `mask`, then restores it. The umask is
    /// process-wide: fine in a single-threaded daemon.
    public static func withUmask<T, E: Error>(_ mask: UInt32, _ body: () throws(E) -> T) throws(E) -> T {
        let old = umask(mode_t(mask))
        defer { umask(old) }
        return try body()
    }

    /// fsync of a directory: makes a rename or a new entry in it durable.
    public static func syncDirectory(_ directory: String) throws(SystemError) {
        let fd = try FileDescriptor.open(directory, .readOnly, .directory)
        defer { fd.close() }
        try fd.sync(directory)
    }

    /// mkdir -p: creates `directory` and its missing parents with exactly `permissions` (chmod after
    /// mkdir: the umask may be 0177 while the control socket binds, or an init system's, and a
    /// directory without its x bit is unusable). `durable`: each new directory is fsynced into its
    /// parent (the journal's). A path that exists but is not a directory is ENOTDIR.
    @inline(never)
    public static func makeDirectories(_ directory: String, permissions: UInt32, durable: Bool) throws(SystemError) {
        if let existing = try info(directory) {
            if existing.kind != .directory { throw SystemError("mkdir", directory, errno: .ENOTDIR) }
            return
        }
        let parent = parentDirectory(of: directory)
        if parent != directory { try makeDirectories(parent, permissions: permissions, durable: durable) }
        if retryingOnInterrupt({ mkdir(directory, mode_t(permissions)) }) != 0 {
            guard tm_errno() == EEXIST else { throw SystemError("mkdir", directory, errno: .current) }
        } else {
            try setPermissions(directory, permissions)
        }
        if durable { try syncDirectory(parent) }
    }

    /// The directory holding `path`: `/var/lib/tanglemeter` for `/var/lib/tanglemeter/journal`.
    public static func parentDirectory(of path: String) -> String {
        var bytes = Array(path.utf8)
        while bytes.count > 1 && bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        if slash == 0 { return "/" }
        return String(decoding: bytes[..<slash], as: UTF8.self)
    }

    /// How far `replace` goes to make the new content survive a power cut.
    public enum Durability: Sendable {
        /// Readers see the old or the new content; a crash may bring back the old.
        case atomic
        /// Also fsync of the new content before the rename: the name never points at a file that
        /// a crash could leave short. The caller makes the rename durable (`syncDirectory`).
        case contentSynced
        /// Also fsync of the directory after the rename: when this returns, the new content is it.
        case durable
    }

    /// Writes `bytes` as the whole new content of `path`: a new file `temporary` (created with
    /// `permissions`), written, fsynced per `durability`, renamed over `path`, and the directory
    /// fsynced for `.durable`. A reader or a crash sees the old content or the new, never a mix.
    /// A failure before the rename removes the temporary file.
    @inline(never)
    public static func replace(_ path: String, with bytes: [UInt8], temporary: String, permissions: UInt32,
                               durability: Durability) throws(SystemError) {
        let fd = try FileDescriptor.open(temporary, .writeOnly, .create | .truncate, permissions: permissions)
        do throws(SystemError) {
            do {
                try fd.writeAll(bytes, at: 0, temporary)
                if durability != .atomic { try fd.sync(temporary) }
            } catch {
                fd.close()
                throw error
            }
            fd.close()
            try rename(temporary, to: path)
        } catch {
            try? removeIfPresent(temporary)
            throw error
        }
        if durability == .durable { try syncDirectory(parentDirectory(of: path)) }
    }

    /// The names in `directory` but `.` and `..`, in the order the file system keeps them (which
    /// no caller should rely on: sort what needs an order).
    @inline(never)
    public static func list(_ directory: String) throws(SystemError) -> [String] {
        guard let dir = opendir(directory) else { throw SystemError("opendir", directory, errno: .current) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
