/// The client side of `tanglemeter -c FILE query CMD…`: splits the daemon's output into data lines
/// and the one final line (DESIGN §3.1, §3.3). The CLI prints data lines to stdout, and on the
/// final line exits 0 for `OK` or prints the `ERR` line to stderr and exits 1.
public struct ReplyReader: Sendable {
    /// A reply line longer than this is refused, so a broken peer cannot exhaust memory.
    public static let maxLineBytes = 65_536

    public enum Event: Equatable, Sendable {
        /// A data line, without its `\n`.
        case data(String)
        /// The final `OK`.
        case ok
        /// The final `ERR CODE MESSAGE` line, whole; `code` is 0 if it is not a number.
        case error(code: Int, line: String)
        /// Not the protocol: an overlong line, or the connection ended before the final line.
        case broken(String)
    }

    private var pending: [UInt8] = []
    public private(set) var isFinished = false

    public init() {}

    /// Appends bytes read from the socket; returns the events they complete.
    public mutating func append<Bytes: Sequence>(contentsOf bytes: Bytes) -> [Event] where Bytes.Element == UInt8 {
        var events: [Event] = []
        for byte in bytes {
            if isFinished { break }
            if byte == UInt8(ascii: "\n") {
                events.append(lineEvent())
                pending.removeAll(keepingCapacity: true)
            } else if pending.count >= ReplyReader.maxLineBytes {
                isFinished = true
                events.append(.broken("reply line longer than \(ReplyReader.maxLineBytes) bytes"))
            } else {
                pending.append(byte)
            }
        }
        return events
    }

    /// The daemon closed the connection: a reply without its final line is broken.
    public mutating func finish() -> Event? {
        guard !isFinished else { return nil }
        isFinished = true
        return .broken("connection closed before the reply ended")
    }

    private mutating func lineEvent() -> Event {
        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
        var line = ""
        for byte in pending { line.unicodeScalars.append(Unicode.Scalar(byte)) }
        if line == "OK" {
            isFinished = true
            return .ok
        }
        if line.hasPrefix("ERR ") {
            isFinished = true
            let codeText = line.dropFirst(4).prefix { $0 != " " }
            return .error(code: Int(codeText) ?? 0, line: line)
        }
        return .data(line)
    }
}

/// The request line of `query CMD…`: the arguments joined by single spaces, checked as the daemon
/// would check them (printable ASCII, at most 512 bytes), with its `\n`.
public func queryLine(_ arguments: [String]) throws(ControlError) -> String {
    var line = ""
    for (index, argument) in arguments.enumerated() {
        if index > 0 { line += " " }
        line += argument
    }
    guard !arguments.isEmpty, !line.isEmpty else { throw .malformed("no command; try: query help") }
    guard line.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
        throw .malformed("request is not printable ASCII")
    }
    guard line.utf8.count <= LineFramer.maxLineBytes else {
        throw .tooLong("request line longer than \(LineFramer.maxLineBytes) bytes")
    }
    return line + "\n"
}
