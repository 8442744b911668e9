import OS

/// The scripting client of `tanglemeter -c FILE query CMD…`: one request, the whole reply.
public enum QueryClient {
    /// Replies longer than this are refused instead of filling memory.
    public static let replyLimit = 4 * 1024 * 1024

    /// Sends `request` (one line; `\n` appended unless it ends with one) to the socket at `path`,
    /// closes the write side, and returns the raw reply text up to and including its final `OK`
    /// or `ERR …` line.
    public static func send(_ request: String, to path: String, timeoutMs: Int = 5_000) throws(ControlSocketError) -> String {
        var reply: [UInt8] = []
        var lineStart = 0
        var end: Int? = nil
        try exchange(request, to: path, timeoutMs: timeoutMs, streaming: false) { (chunk) throws(ControlSocketError) -> Bool in
            if reply.count + chunk.count > replyLimit { throw .replyTooLarge(path: path, limit: replyLimit) }
            reply.append(contentsOf: chunk)
            // Data lines never begin with "OK" or "ERR " (DESIGN §3.3): the first such line ends it.
            var i = reply.count - chunk.count
            while i < reply.count {
                if reply[i] == UInt8(ascii: "\n") {
                    if isFinalLine(reply[lineStart..<i]) { end = i; return true }
                    lineStart = i + 1
                }
                i += 1
            }
            return false
        }
        guard let end else { throw .incompleteReply(path: path) }
        return String(decoding: reply[0...end], as: UTF8.self)
    }

    /// One request, its reply handed to `consume` chunk by chunk as it arrives, until `consume`
    /// says the reply is complete (then returns) or the daemon closes (`.incompleteReply`).
    /// `streaming` (`watch`): the write side stays open — a half-close would end the watch
    /// (DESIGN §3.3) — and the reply has no deadline: it streams until the user interrupts.
    public static func exchange(_ request: String, to path: String, timeoutMs: Int = 5_000, streaming: Bool,
                                _ consume: (ArraySlice<UInt8>) throws(ControlSocketError) -> Bool) throws(ControlSocketError) {
        let deadline = Clock.monotonicMs() + Int64(timeoutMs)
        let fd: FileDescriptor
        do { fd = try UnixSocket.makeStream(path) } catch { throw .system(error) }
        defer { fd.close() }
        try connect(fd, path: path, deadline: deadline, timeoutMs: timeoutMs)
        var line = Array(request.utf8)
        if line.last != UInt8(ascii: "\n") { line.append(UInt8(ascii: "\n")) }
        var sent = 0
        while sent < line.count {
            let offset = sent
            let result = line.withUnsafeBytes { raw in
                Result { () throws(SystemError) -> Int in
                    try UnixSocket.send(fd, UnsafeRawBufferPointer(rebasing: raw[offset...]))
                }
            }
            let n: Int
            switch result {
            case .success(let count): n = count
            case .failure(let error): throw .system(error)
            }
            sent += n
            if n == 0 { try wait(fd, for: .writable, path: path, deadline: deadline, timeoutMs: timeoutMs) }
        }
        if !streaming { UnixSocket.shutdownWrite(fd) }
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let result = buffer.withUnsafeMutableBytes { raw in
                Result { () throws(SystemError) -> Int? in try UnixSocket.receive(fd, into: raw) }
            }
            let got: Int?
            switch result {
            case .success(let count): got = count
            case .failure(let error): throw .system(error)
            }
            guard let n = got else {
                try wait(fd, for: .readable, path: path, deadline: streaming ? nil : deadline, timeoutMs: timeoutMs)
                continue
            }
            if n == 0 { throw .incompleteReply(path: path) }
            if try consume(buffer[0..<n]) { return }
        }
    }

    /// Non-blocking connect; a full backlog (EAGAIN on a Unix socket) is retried until the deadline.
    private static func connect(_ fd: FileDescriptor, path: String, deadline: Int64, timeoutMs: Int) throws(ControlSocketError) {
        while true {
            do {
                try UnixSocket.connect(fd, path: path)
                return
            } catch {
                switch error.errno {
                case .ENOENT: throw .noDaemon(path: path)
                case .ECONNREFUSED: throw .refused(path: path)
                case .EAGAIN:
                    if Clock.monotonicMs() >= deadline { throw .timedOut(path: path, ms: timeoutMs) }
                    PollSet.sleep(ms: 5)  // the listener drains its backlog in its next turn
                default: throw .system(error)
                }
            }
        }
    }

    static func isFinalLine(_ line: ArraySlice<UInt8>) -> Bool {
        let ok: [UInt8] = Array("OK".utf8), err: [UInt8] = Array("ERR ".utf8)
        return line.starts(with: ok) || line.starts(with: err)
    }

    /// Waits for `events`; no `deadline`: as long as it takes.
    private static func wait(_ fd: FileDescriptor, for events: Readiness, path: String, deadline: Int64?, timeoutMs: Int) throws(ControlSocketError) {
        while true {
            var left: Int64 = 60_000
            if let deadline {
                left = deadline - Clock.monotonicMs()
                if left <= 0 { throw .timedOut(path: path, ms: timeoutMs) }
            }
            let seen: Readiness
            do { seen = try fd.wait(for: events, timeoutMs: Int32(min(left, 60_000))) } catch { throw .system(error.about(path)) }
            if !seen.isEmpty { return }
        }
    }
}
