import Config
import OS

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
        do { try FileSystem.makeDirectories(directory, permissions: 0o755, durable: false) } catch { throw .system(error) }
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
        let content: [UInt8] = level ? [UInt8(ascii: "1"), 10] : [UInt8(ascii: "0"), 10]
        try FileSystem.replace(path(of: line), with: content, temporary: "\(directory)/.\(line).tmp", permissions: 0o644,
                               durability: .atomic)
    }
}
