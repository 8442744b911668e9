import CSystem

/// The largest configuration file read: far beyond any real one, small enough that a wrong path
/// (a device, a log) cannot make the daemon allocate without bound.
let maxTextFileBytes = 1 << 20

/// Why a text file (the configuration) could not be read.
public enum TextFileError: Error, Equatable, Sendable {
    case system(SystemError)
    /// A FIFO, directory, device or socket: reading one could block the loop forever or means nothing.
    case notRegular(path: String, kind: String)
    case tooLarge(path: String)

    public var message: String {
        switch self {
        case .system(let error): return error.message
        case .notRegular(let path, let kind): return "\(path): is \(kind), not a regular file"
        case .tooLarge(let path): return "\(path): larger than 1 MiB, not a configuration file"
        }
    }
}

/// Reads a whole (small) regular text file: the configuration. The daemon's loop calls this on
/// `reload`, so nothing here may wait: the file is opened non-blocking (a FIFO at the path would
/// otherwise block open(2) until a writer came), anything but a regular file is refused before a
/// byte is read, and the size is bounded. (A hung network file system can still block a read:
/// keep the configuration on local storage.)
public func readTextFile(_ path: String) throws(TextFileError) -> String {
    let raw: Int32
    do { raw = try retryingOnInterrupt("open", path) { tm_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0) } } catch {
        throw .system(error)
    }
    let fd = FileDescriptor(rawValue: raw)
    defer { fd.close() }
    var info = stat()
    if fstat(raw, &info) != 0 { throw .system(SystemError("fstat", path)) }
    let type = Int32(bitPattern: info.st_mode & UInt32(bitPattern: S_IFMT))
    switch type {
    case S_IFREG: break
    case S_IFDIR: throw .notRegular(path: path, kind: "a directory")
    case S_IFIFO: throw .notRegular(path: path, kind: "a FIFO")
    case S_IFCHR, S_IFBLK: throw .notRegular(path: path, kind: "a device")
    default: throw .notRegular(path: path, kind: "a socket or other special file")
    }
    if info.st_size > maxTextFileBytes { throw .tooLarge(path: path) }
    var bytes: [UInt8] = []
    while true {
        let chunk: [UInt8]?
        do { chunk = try fd.read(upTo: 65_536) } catch { throw .system(SystemError("read", path, errno: error.errno)) }
        guard let chunk else { throw .system(SystemError("read", path, errno: EAGAIN)) }
        if chunk.isEmpty { break }
        bytes += chunk
        if bytes.count > maxTextFileBytes { throw .tooLarge(path: path) }
    }
    return String(decoding: bytes, as: UTF8.self)
}
