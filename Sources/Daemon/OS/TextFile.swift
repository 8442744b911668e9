import CSystem

/// The largest configuration file read: far beyond any real one, small enough that a wrong path
/// (a device, a log) cannot make the daemon allocate without bound.
let maxTextFileBytes = 1 << 20

/// Reads a whole (small) text file: the configuration. Errors name the path.
public func readTextFile(_ path: String) throws(SystemError) -> String {
    let raw = try retryingOnInterrupt("open", path) { tm_open(path, O_RDONLY | O_CLOEXEC, 0) }
    let fd = FileDescriptor(rawValue: raw)
    defer { fd.close() }
    var bytes: [UInt8] = []
    while true {
        guard let chunk = try fd.read(upTo: 65_536) else { continue }
        if chunk.isEmpty { break }
        bytes += chunk
        if bytes.count > maxTextFileBytes { throw SystemError("read", path + " (larger than 1 MiB)", errno: EFBIG) }
    }
    return String(decoding: bytes, as: UTF8.self)
}
