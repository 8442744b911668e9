import CSystem

/// The scripting client of `tanglemeter -c FILE query CMD…`: one request, the whole reply.
public enum QueryClient {
    /// Replies longer than this are refused instead of filling memory.
    public static let replyLimit = 4 * 1024 * 1024

    /// Sends `request` (one line, `\n` appended) to the socket at `path`, closes the write side,
    /// and returns the raw reply text up to and including its final `OK` or `ERR …` line.
    public static func send(_ request: String, to path: String, timeoutMs: Int = 5_000) throws(ControlSocketError) -> String {
        let deadline = Clock.monotonicMs() + Int64(timeoutMs)
        let fd: FileDescriptor
        do { fd = try UnixSocket.makeStream(path) } catch { throw .system(error) }
        defer { fd.close() }
        try connect(fd, path: path, deadline: deadline, timeoutMs: timeoutMs)
        var line = Array(request.utf8)
        line.append(UInt8(ascii: "\n"))
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
            if n == 0 { try wait(fd, for: Int16(POLLOUT), path: path, deadline: deadline, timeoutMs: timeoutMs) }
        }
        UnixSocket.shutdownWrite(fd)
        return try readReply(fd, path: path, deadline: deadline, timeoutMs: timeoutMs)
    }

    /// Non-blocking connect; a full backlog (EAGAIN on a Unix socket) is retried until the deadline.
    private static func connect(_ fd: FileDescriptor, path: String, deadline: Int64, timeoutMs: Int) throws(ControlSocketError) {
        while true {
            do {
                try UnixSocket.connect(fd, path: path)
                return
            } catch {
                switch error.errno {
                case ENOENT: throw .noDaemon(path: path)
                case ECONNREFUSED: throw .refused(path: path)
                case EAGAIN:
                    if Clock.monotonicMs() >= deadline { throw .timedOut(path: path, ms: timeoutMs) }
                    var none = pollfd()
                    _ = poll(&none, 0, 5)  // the listener drains its backlog in its next turn
                default: throw .system(error)
                }
            }
        }
    }

    /// Reads until a complete final line (`OK`, or `ERR ` …) or end of stream.
    private static func readReply(_ fd: FileDescriptor, path: String, deadline: Int64, timeoutMs: Int) throws(ControlSocketError) -> String {
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        var lineStart = 0
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
                try wait(fd, for: Int16(POLLIN), path: path, deadline: deadline, timeoutMs: timeoutMs)
                continue
            }
            if n == 0 { throw .incompleteReply(path: path) }
            if reply.count + n > replyLimit { throw .replyTooLarge(path: path, limit: replyLimit) }
            reply.append(contentsOf: buffer[0..<n])
            // Data lines never begin with "OK" or "ERR " (DESIGN §3.3): the first such line ends it.
            var i = reply.count - n
            while i < reply.count {
                if reply[i] == UInt8(ascii: "\n") {
                    if isFinalLine(reply[lineStart..<i]) { return String(decoding: reply[0...i], as: UTF8.self) }
                    lineStart = i + 1
                }
                i += 1
            }
        }
    }

    static func isFinalLine(_ line: ArraySlice<UInt8>) -> Bool {
        let ok: [UInt8] = Array("OK".utf8), err: [UInt8] = Array("ERR ".utf8)
        return line.starts(with: ok) || line.starts(with: err)
    }

    private static func wait(_ fd: FileDescriptor, for events: Int16, path: String, deadline: Int64, timeoutMs: Int) throws(ControlSocketError) {
        while true {
            let left = deadline - Clock.monotonicMs()
            if left <= 0 { throw .timedOut(path: path, ms: timeoutMs) }
            var p = pollfd(fd: fd.rawValue, events: events, revents: 0)
            let r = poll(&p, 1, Int32(min(left, 60_000)))
            if r > 0 { return }
            if r < 0 && tm_errno() != EINTR { throw .system(SystemError("poll", path)) }
        }
    }
}
