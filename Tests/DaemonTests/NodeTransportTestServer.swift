// Support for NodeTransport's tests: the Python test server as a child process, TLS material made
// with the openssl CLI, and a minimal poll(2) loop that drives a NodeTransport like the daemon does.
import Foundation
import CSystem
import Glibc
@testable import Daemon
import OS

/// Tests/support/http_test_server.py, running on a free loopback port until `stop()` or deinit.
final class TestHTTPServer {
    let port: Int
    private let process: Process
    private let directory: URL

    init(cert: String? = nil, key: String? = nil) throws {
        directory = try makeTemporaryDirectory()
        let portFile = directory.appendingPathComponent("port").path
        var arguments = [supportPath("http_test_server.py"), "--port-file", portFile]
        if let cert, let key { arguments += ["--cert", cert, "--key", key] }
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: portFile) {
            guard process.isRunning, Date() < deadline else { throw HarnessError("test server did not start") }
            usleep(10_000)
        }
        port = Int(try String(contentsOfFile: portFile, encoding: .utf8))!
    }

    var http: String { "http://127.0.0.1:\(port)" }
    var https: String { "https://127.0.0.1:\(port)" }

    func stop() {
        // SIGKILL: the test process may block SIGTERM in the mask the child inherits.
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }
}

/// A CA and a server certificate for 127.0.0.1 signed by it, plus a second, unrelated CA.
struct TestTLSMaterial {
    let directory: URL
    var caFile: String { directory.appendingPathComponent("ca.pem").path }
    var otherCAFile: String { directory.appendingPathComponent("other-ca.pem").path }
    var certFile: String { directory.appendingPathComponent("server.pem").path }
    var keyFile: String { directory.appendingPathComponent("server.key").path }

    init() throws {
        directory = try makeTemporaryDirectory()
        let script = """
        set -e
        ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        for ca in ca other-ca; do
          openssl req -x509 $ec -keyout $ca.key -out $ca.pem -days 2 -subj /CN=tanglemeter-test-$ca \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
        done
        openssl req $ec -keyout server.key -out server.csr -subj /CN=127.0.0.1
        printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > ext.cnf
        openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext.cnf
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = directory
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw HarnessError("openssl failed") }
    }
}

/// What one drive of the loop saw.
struct LoopReport {
    var completions: [NodeCompletion] = []
    var turns = 0
    /// The longest time from the start of one turn to the start of the next (poll included).
    var slowestTurnMs = 0.0
    /// The longest time spent in NodeTransport calls in one turn (the part that must never block).
    var slowestWorkMs = 0.0
    var elapsedMs = 0.0
}

/// Drives `transport` as the daemon's loop does, with poll never waiting longer than `maxPollMs`
/// (the daemon always has other deadlines), until `ids` have all completed or `limitMs` passes.
func runLoop(_ transport: NodeTransport, until ids: [NodeRequestID], maxPollMs: Int64 = 20,
             limitMs: Double = 20_000) -> LoopReport {
    var report = LoopReport()
    let start = monotonicSeconds()
    var waiting = Set(ids)
    while !waiting.isEmpty && (monotonicSeconds() - start) * 1000 < limitMs {
        let turnStart = monotonicSeconds()
        var fds = PollSet()
        for d in transport.pollDescriptors() { fds.add(d.fd, d.events) }
        var timeout = maxPollMs
        if let deadline = transport.nextDeadlineMs {
            timeout = max(0, min(maxPollMs, deadline - Clock.monotonicMs()))
        }
        _ = try? fds.wait(timeoutMs: Int32(timeout))
        let workStart = monotonicSeconds()
        for i in 0..<fds.count where !fds.readiness(i).isEmpty {
            transport.handle(fd: fds.descriptor(i), readiness: fds.readiness(i))
        }
        if let deadline = transport.nextDeadlineMs, Clock.monotonicMs() >= deadline { transport.handleTimeout() }
        for completion in transport.takeCompleted() {
            report.completions.append(completion)
            waiting.remove(completion.id)
        }
        let end = monotonicSeconds()
        report.turns += 1
        report.slowestWorkMs = max(report.slowestWorkMs, (end - workStart) * 1000)
        report.slowestTurnMs = max(report.slowestTurnMs, (end - turnStart) * 1000)
    }
    report.elapsedMs = (monotonicSeconds() - start) * 1000
    return report
}

/// Posts one request and drives the loop until it completes.
func roundTrip(_ transport: NodeTransport, _ url: String, body: String = #"{"jsonrpc":"2.0","id":1}"#,
               limitMs: Double = 20_000) throws -> (NodeOutcome?, LoopReport) {
    let id = try transport.post(url: url, body: Array(body.utf8))
    let report = runLoop(transport, until: [id], limitMs: limitMs)
    let outcome = report.completions.first { $0.id == id }?.outcome
    // Each fault test states its figures: the report collects the slowest turn across them.
    print("node-transport \(url): turns \(report.turns), slowest turn \(fmt(report.slowestTurnMs)) ms, slowest transport work \(fmt(report.slowestWorkMs)) ms, elapsed \(fmt(report.elapsedMs)) ms")
    return (outcome, report)
}

/// A loopback port with nothing listening: bound once to get a free number, then closed.
func closedLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// The body of an `.ok` outcome as a JSON object.
func jsonObject(_ outcome: NodeOutcome?) -> [String: Any]? {
    guard case let .ok(_, body) = outcome else { return nil }
    return (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any]
}

struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func supportPath(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("support").appendingPathComponent(name).path
}

func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("tm-node-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func fmt(_ value: Double) -> String { String(format: "%.1f", value) }
