/// Cuts a client's byte stream, however it is chunked, into request lines (DESIGN §3.3): ASCII,
/// at most `maxLineBytes` bytes before the `\n` (a `\r` before it is accepted and dropped).
/// Pure: the server appends what it read and takes events until `next()` returns nil, so the
/// buffer never holds more than one line's worth beyond the last read.
public struct LineFramer: Sendable {
    /// A request line's limit, not counting its `\r\n` or `\n`.
    public static let maxLineBytes = 512

    /// What the server does next for this client.
    public enum Event: Equatable, Sendable {
        /// A complete request line, without its line ending (may be empty).
        case line(String)
        /// Reply with this error; if `closesConnection` (413), close after the reply.
        case refused(ControlError)
    }

    private var buffer: [UInt8] = []
    /// Start of the unconsumed bytes in `buffer` (compacted lazily, so pipelined lines are cheap).
    private var start = 0
    /// Where the search for `\n` resumes: bytes before it are known to hold none.
    private var scanned = 0
    /// After a 413 the connection is finished: further bytes are ignored.
    public private(set) var isClosed = false

    public init() {}

    /// Bytes waiting for their line ending.
    public var pendingCount: Int { buffer.count - start }

    /// Appends bytes read from the client.
    public mutating func append<Bytes: Sequence>(contentsOf bytes: Bytes) where Bytes.Element == UInt8 {
        guard !isClosed else { return }
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
            scanned = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete line or refusal, or nil when more bytes are needed.
    public mutating func next() -> Event? {
        guard !isClosed else { return nil }
        var index = max(scanned, start)
        while index < buffer.count {
            if buffer[index] == UInt8(ascii: "\n") {
                let event = lineEvent(start..<index)
                start = index + 1
                scanned = start
                if start == buffer.count {
                    buffer.removeAll(keepingCapacity: true)
                    start = 0
                    scanned = 0
                }
                return event
            }
            index += 1
        }
        scanned = index
        // No line ending yet: beyond the limit plus a possible `\r`, the line can only be too long.
        if pendingCount > LineFramer.maxLineBytes + 1 { return closeTooLong() }
        compact()
        return nil
    }

    /// The client closed its write side: a last line without `\n` still counts
    /// (so `printf status | socat - UNIX-CONNECT:…` works as `echo status | …` does).
    public mutating func finish() -> Event? {
        guard !isClosed, pendingCount > 0 else { return nil }
        let event = lineEvent(start..<buffer.count)
        buffer.removeAll()
        start = 0
        scanned = 0
        return event
    }

    private mutating func lineEvent(_ range: Range<Int>) -> Event {
        var end = range.upperBound
        if end > range.lowerBound && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end - range.lowerBound > LineFramer.maxLineBytes { return closeTooLong() }
        let bytes = buffer[range.lowerBound..<end]
        // Printable ASCII and tab; anything else (NUL, a lone \r, UTF-8, binary) is refused.
        guard bytes.allSatisfy({ ($0 >= 0x20 && $0 < 0x7F) || $0 == 0x09 }) else {
            return .refused(.malformed("request is not printable ASCII"))
        }
        return .line(String(decoding: bytes, as: UTF8.self))
    }

    private mutating func closeTooLong() -> Event {
        isClosed = true
        buffer = []
        start = 0
        scanned = 0
        return .refused(.tooLong("request line longer than \(LineFramer.maxLineBytes) bytes"))
    }

    /// Drops consumed bytes once they dominate the buffer, keeping appends amortised O(1).
    private mutating func compact() {
        guard start > 0 && start >= buffer.count / 2 else { return }
        buffer.removeFirst(start)
        scanned -= start
        start = 0
    }
}
