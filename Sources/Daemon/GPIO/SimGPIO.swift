import CSystem
import Config

/// The `sim` backend (DESIGN §3.4, contract): for each driven line, the file `SIM_DIR/LINE`
/// (offset in decimal) holds `0\n` or `1\n`, the physical level with active-low applied. A change
/// writes `SIM_DIR/.LINE.tmp` and renames it over the file, so a reader sees the old or the new
/// content, never a partial one. No fsync: the files model wires, not records.
public final class SimGPIO: GPIOBackend {
    public let directory: String
    /// The claimed lines in claim order, each with the physical level last written (nil before
    /// the first write): unchanged levels are not rewritten. A handful of lines per daemon, so
    /// an array searched in order, and release walks them in the order they were claimed.
    private var lines: [(request: GPIOLine, level: Bool?)] = []

    public init(directory: String) { self.directory = directory }

    public var statusName: String { "sim" }

    public func claim(lines requests: [GPIOLine]) throws(GPIOError) {
        do { try makeDirectories(directory) } catch { throw .system(error) }
        for request in requests {
            if let index = index(of: request.offset) {
                lines[index] = (request, nil)
            } else {
                lines.append((request, nil))
            }
            try set(line: request.offset, active: false)
        }
    }

    public func set(line: UInt32, active: Bool) throws(GPIOError) {
        guard let index = index(of: line) else { throw .notClaimed(line: line) }
        let level = lines[index].request.level(active: active)
        if lines[index].level == level { return }
        do { try writeAtomically(line: line, level: level) } catch { throw .system(error) }
        lines[index].level = level
    }

    public func release() {
        for entry in lines { try? set(line: entry.request.offset, active: false) }
        lines = []
    }

    private func index(of line: UInt32) -> Int? {
        lines.firstIndex { $0.request.offset == line }
    }

    /// The path a test reads for `line`.
    public func path(of line: UInt32) -> String { "\(directory)/\(line)" }

    private func writeAtomically(line: UInt32, level: Bool) throws(SystemError) {
        let final = path(of: line)
        let temporary = "\(directory)/.\(line).tmp"
        let raw = tm_open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        if raw < 0 { throw SystemError("open", temporary) }
        let fd = FileDescriptor(rawValue: raw)
        let content: [UInt8] = level ? [UInt8(ascii: "1"), 10] : [UInt8(ascii: "0"), 10]
        do { try fd.writeAll(content) } catch {
            fd.close()
            _ = unlink(temporary)
            throw error
        }
        fd.close()
        if rename(temporary, final) != 0 {
            let error = SystemError("rename", "\(temporary) -> \(final)")
            _ = unlink(temporary)
            throw error
        }
    }
}

/// mkdir -p with mode 0755: the sim directory may not exist yet.
func makeDirectories(_ path: String) throws(SystemError) {
    var prefix = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        prefix += "/" + component
        if mkdir(prefix, 0o755) != 0 {
            let code = tm_errno()
            if code != EEXIST { throw SystemError("mkdir", prefix, errno: code) }
        }
    }
    var st = stat()
    if stat(path, &st) != 0 { throw SystemError("stat", path) }
    if tm_is_dir(st.st_mode) == 0 { throw SystemError("mkdir", path, errno: ENOTDIR) }
}
