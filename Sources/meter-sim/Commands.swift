import OS

/// The stdin commands (DESIGN §3.7), one per line; each gets one line back: `ok`, the stats
/// line, or `error …`.
extension Simulator {
    mutating func readCommands() {
        let chunk: [UInt8]
        do {
            guard let bytes = try FileDescriptor.standardInput.read(upTo: 1024) else { return }   // nothing yet
            chunk = bytes
        } catch {
            chunk = []
        }
        if chunk.isEmpty {
            // stdin closed (run in the background with </dev/null): keep serving the bus.
            stdinOpen = false
            if let last = stdinLines.takeRest() { writeAll(1, execute(last) + "\n") }
            return
        }
        stdinLines.append(chunk[...])
        while let line = stdinLines.takeLine() {
            if line.isEmpty { continue }
            writeAll(1, execute(line) + "\n")
        }
    }

    mutating func execute(_ line: String) -> String {
        let words = line.split(separator: " ", omittingEmptySubsequences: true)
        guard let command = words.first else { return "error empty command" }
        switch command {
        case "stats":
            return stats.line
        case "power", "voltage", "energy", "silent":
            guard words.count == 3 else { return "error usage: \(command) ADDR \(argumentName(command))" }
            guard let address = UInt8(words[1]), let index = meters.firstIndex(where: { $0.address == address }) else {
                return "error no meter at address \(words[1])"
            }
            return set(command, words[2], meter: index)
        default:
            return "error unknown command \(command)"
        }
    }

    private func argumentName(_ command: Substring) -> String {
        switch command {
        case "power": "W"
        case "voltage": "V"
        case "energy": "WH"
        default: "on|off"
        }
    }

    private mutating func set(_ command: Substring, _ argument: Substring, meter index: Int) -> String {
        switch command {
        case "power":
            guard let value = parseDecimal(argument, decimals: 1), value <= 230_000 else { return "error bad power \(argument)" }
            meters[index].powerDeciwatts = UInt32(value)
        case "voltage":
            guard let value = parseDecimal(argument, decimals: 1), value <= 6553 else { return "error bad voltage \(argument)" }
            meters[index].voltageDecivolts = UInt16(value)
        case "energy":
            guard let value = parseDecimal(argument, decimals: 0), value <= UInt64(UInt32.max) else {
                return "error bad energy \(argument)"
            }
            meters[index].setEnergy(UInt32(value))
        default:
            switch argument {
            case "on": meters[index].silent = true
            case "off": meters[index].silent = false
            default: return "error silent takes on or off, not \(argument)"
            }
        }
        return "ok"
    }
}

/// Bytes from stdin cut into lines (`\n`, with an optional `\r` before it). A line longer than
/// 1 KiB is cut there: commands are short, and the buffer must not grow without bound.
struct LineBuffer {
    private var bytes: [UInt8] = []
    private static let limit = 1024

    mutating func append(_ more: ArraySlice<UInt8>) { bytes.append(contentsOf: more) }

    mutating func takeLine() -> String? {
        let end: Int
        if let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) {
            end = newline
        } else if bytes.count >= Self.limit {
            end = Self.limit
        } else {
            return nil
        }
        var line = Array(bytes[0..<end])
        bytes.removeFirst(min(bytes.count, end + 1))
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return String(decoding: line, as: UTF8.self)
    }

    /// What is left after the last newline (stdin ended without one).
    mutating func takeRest() -> String? {
        guard !bytes.isEmpty else { return nil }
        defer { bytes.removeAll() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
