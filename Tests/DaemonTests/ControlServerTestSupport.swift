// Test support for the control socket: a minimal line framer (the real one is Control's), an
// echo-like handler, a poll loop like the daemon's, and clients on real sockets.
import CSystem
import Foundation
import Glibc
import Testing
@testable import Daemon
import OS

/// A minimal line splitter standing in for Control's framer: lines of at most 512 bytes.
struct TestFramer: ControlFraming {
    enum Item: Equatable { case line(String), overlong }
    private var pending: [UInt8] = []
    private var discarding = false
    init() {}

    mutating func consume(_ bytes: ArraySlice<UInt8>) -> [Item] {
        var items: [Item] = []
        for byte in bytes {
            if byte == 10 {
                if discarding { discarding = false } else {
                    if pending.last == 13 { pending.removeLast() }
                    items.append(.line(String(decoding: pending, as: UTF8.self)))
                }
                pending.removeAll(keepingCapacity: true)
            } else if !discarding {
                pending.append(byte)
                if pending.count > 512 { items.append(.overlong); discarding = true; pending.removeAll() }
            }
        }
        return items
    }

    mutating func finish() -> [Item] { [] }
}

/// Replies like the daemon will: `status` → two data lines and OK, `who` → the peer's credentials,
/// `watch` → subscribe, `big N` → N bytes of data lines, anything else → echo, overlong → 413 + close.
func echoHandler(_ peer: ControlPeer, _ item: TestFramer.Item) -> ControlReply {
    switch item {
    case .overlong:
        return ControlReply("ERR 413 request line too long\n", then: .close)
    case .line(let line):
        if peer.isWatching { return ControlReply("OK\n", then: .stopWatching) }
        if line == "status" { return ControlReply("main.relay on\nmain.balance_nanos 42\nOK\n") }
        if line == "who" {
            let c = peer.credentials
            return ControlReply("uid \(c.uid)\ngid \(c.gid)\npid \(c.pid)\nadmin \(peer.isAdmin ? "yes" : "no")\nOK\n")
        }
        if line == "watch" { return ControlReply(bytes: [], then: .startWatching) }
        if line.hasPrefix("big "), let n = Int(line.dropFirst(4)) {
            return ControlReply(String(repeating: "x", count: n - 1) + "\n")
        }
        return ControlReply("echo \(line)\nOK\n")
    }
}

/// A fresh directory (mode 0755, so another uid can reach a socket in it) removed at deinit.
final class TempDir {
    let path: String
    init() {
        var template = Array("/tmp/tm-shell-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        path = String(cString: made!)
        chmod(path, 0o755)
    }
    func file(_ name: String) -> String { "\(path)/\(name)" }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Runs the server's part of the daemon loop in the test's own thread.
final class Harness {
    let server: ControlServer<TestFramer>
    let dir: TempDir

    init(limits: ControlLimits = ControlLimits(), mode: UInt32 = 0o660, adminGroup: String? = nil,
         dir: TempDir = TempDir(), handler: @escaping ControlServer<TestFramer>.Handler = echoHandler) throws {
        self.dir = dir
        server = try ControlServer<TestFramer>(path: dir.file("ctl.sock"), mode: mode, adminGroup: adminGroup,
                                                limits: limits, watchEnd: Array("OK\n".utf8), handler: handler)
    }

    var path: String { server.path }

    /// One loop turn: poll until a descriptor is ready, the server's deadline, or `maxWaitMs`.
    func turn(maxWaitMs: Int64 = 20) {
        var fds = server.pollDescriptors()
        let now = Clock.monotonicMs()
        var wait = maxWaitMs
        if let due = server.nextDeadline() { wait = due <= now ? 0 : min(wait, due - now) }
        let r = (try? fds.wait(timeoutMs: Int32(wait))) ?? 0
        let after = Clock.monotonicMs()
        if r > 0 {
            for i in 0..<fds.count where !fds.readiness(i).isEmpty {
                server.handle(fd: fds.descriptor(i), readiness: fds.readiness(i), now: after)
            }
        }
        server.tick(now: after)
    }

    /// Turns the loop until `condition` holds; fails the test after `timeoutMs`.
    @discardableResult
    func run(timeoutMs: Int64 = 5_000, until condition: () -> Bool) -> Bool {
        let deadline = Clock.monotonicMs() + timeoutMs
        while !condition() {
            if Clock.monotonicMs() > deadline { Issue.record("condition not reached in \(timeoutMs) ms"); return false }
            turn()
        }
        return true
    }

    /// Runs `work` on another thread (blocking clients, the query client) while this thread
    /// runs the loop; returns its result.
    func runWhile<T: Sendable>(timeoutMs: Int64 = 30_000, _ work: @escaping @Sendable () -> T) -> T? {
        let box = ResultBox<T>()
        let thread = Thread { box.set(work()) }
        thread.stackSize = 1 << 20
        thread.start()
        run(timeoutMs: timeoutMs) { box.get() != nil }
        return box.get()
    }
}

final class ResultBox<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T?
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T? { lock.lock(); defer { lock.unlock() }; return value }
}

/// A client on a real non-blocking socket, used from the loop's thread.
final class TestClient {
    let fd: Int32
    private(set) var received: [UInt8] = []
    private(set) var sawEOF = false

    init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        try connectUnix(fd, path)
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            off += n
        }
    }

    func shutdownWrite() { Glibc.shutdown(fd, Int32(SHUT_WR)) }

    /// Drains what is readable now; true if anything (or EOF) arrived.
    @discardableResult
    func pump() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        var any = false
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 { received += buffer[0..<n]; any = true; continue }
            if n == 0 { sawEOF = true; any = true }
            return any
        }
    }

    var text: String { String(decoding: received, as: UTF8.self) }
    /// Counts complete final lines (`OK` / `ERR …`) received so far.
    var finalLines: Int { text.split(separator: "\n").filter { $0 == "OK" || $0.hasPrefix("ERR ") }.count }

    deinit { close(fd) }
}

func connectUnix(_ fd: Int32, _ path: String) throws {
    var (addr, len) = unixAddress(path)
    let r = withUnsafePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, len) }
    }
    if r != 0 { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
}

/// Runs a program to completion with the loop turning, returning (status, stdout).
func runProgram(_ harness: Harness, _ argv: [String], stdin: String) -> (Int32, String)? {
    harness.runWhile {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        let input = Pipe(), output = Pipe()
        p.standardInput = input
        p.standardOutput = output
        do { try p.run() } catch { return (-1, "\(error)") }
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
