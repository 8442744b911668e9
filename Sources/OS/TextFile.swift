/// The largest text file read: far beyond any real configuration, small enough that a wrong path
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

/// Reads a whole (small) regular text file: the configuration, a sysfs parameter, the boot id.
/// The daemon's loop calls this on `reload`, so nothing here may wait: the file is opened
/// non-blocking (a FIFO at the path would otherwise block open(2) until a writer came), anything
/// but a regular file is refused before a byte is read, and the size is bounded. (A hung network
/// file system can still block a read: keep the configuration on local storage.)
public func readTextFile(_ path: String) throws(TextFileError) -> String {
    let fd: FileDescriptor
    do { fd = try FileDescriptor.open(path, .readOnly, .nonBlocking | .noControllingTerminal) } catch { throw .system(error) }
    defer { fd.close() }
    let info: FileInfo
    do { info = try fd.info(path) } catch { throw .system(error) }
    switch info.kind {
    case .regular: break
    case .directory: throw .notRegular(path: path, kind: "a directory")
    case .fifo: throw .notRegular(path: path, kind: "a FIFO")
    case .characterDevice, .blockDevice: throw .notRegular(path: path, kind: "a device")
    default: throw .notRegular(path: path, kind: "a socket or other special file")
    }
    if info.size > maxTextFileBytes { throw .tooLarge(path: path) }
    var bytes: [UInt8] = []
    while true {
        let chunk: [UInt8]?
        do { chunk = try fd.read(upTo: 65_536) } catch { throw .system(error.about(path)) }
        guard let chunk else { throw .system(SystemError("read", path, errno: .EAGAIN)) }
        if chunk.isEmpty { break }
        bytes += chunk
        if bytes.count > maxTextFileBytes { throw .tooLarge(path: path) }
    }
    return String(decoding: bytes, as: UTF8.self)
}
