import CSystem
import Foundation
import Glibc
import Testing
@testable import Daemon
import OS

/// The `tanglemeter query` client against a real server, and its errors.
@Suite struct ControlServerQueryTests {
    @Test func queryReturnsTheWholeReply() throws {
        let h = try Harness()
        let path = h.path
        let reply = h.runWhile { queryText("status", path) }
        #expect(reply == "main.relay on\nmain.balance_nanos 42\nOK\n")
    }

    @Test func queryStopsAtAnErrLine() throws {
        let h = try Harness { _, _ in ControlReply("ERR 404 unknown command\n") }
        let path = h.path
        let reply = h.runWhile { queryText("nope", path) }
        #expect(reply == "ERR 404 unknown command\n")
    }

    @Test func queryWithoutSocketNamesThePath() {
        let dir = TempDir()
        let path = dir.file("none.sock")
        #expect(throws: ControlSocketError.noDaemon(path: path)) { try QueryClient.send("status", to: path) }
        #expect(ControlSocketError.noDaemon(path: path).message.contains(path))
    }

    @Test func queryToStaleSocketIsRefused() throws {
        let dir = TempDir()
        let path = dir.file("stale.sock")
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var (addr, len) = unixAddress(path)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        close(fd)
        #expect(throws: ControlSocketError.refused(path: path)) { try QueryClient.send("status", to: path) }
    }

    @Test func queryToASilentListenerTimesOut() throws {
        let dir = TempDir()
        let path = dir.file("silent.sock")
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var (addr, len) = unixAddress(path)
        _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        listen(fd, 4)  // never accepts, never answers
        let start = Clock.monotonicMs()
        #expect(throws: ControlSocketError.timedOut(path: path, ms: 200)) {
            try QueryClient.send("status", to: path, timeoutMs: 200)
        }
        #expect(Clock.monotonicMs() - start >= 200)
    }

    @Test func queryToADaemonThatClosesEarly() throws {
        let h = try Harness { _, _ in ControlReply("partial data\n", then: .close) }
        let path = h.path
        let reply = h.runWhile { queryText("status", path) }
        #expect(reply == "error: " + ControlSocketError.incompleteReply(path: path).message)
    }

    @Test func finalLineDetection() {
        #expect(QueryClient.isFinalLine(Array("OK".utf8)[...]))
        #expect(QueryClient.isFinalLine(Array("ERR 400 bad".utf8)[...]))
        #expect(!QueryClient.isFinalLine(Array("ERRATA 1".utf8)[...]))
        #expect(!QueryClient.isFinalLine(Array("main.relay on".utf8)[...]))
    }
}

/// The reply, or "error: MESSAGE": what `tanglemeter query` would print.
func queryText(_ request: String, _ path: String) -> String {
    do throws(ControlSocketError) { return try QueryClient.send(request, to: path) } catch { return "error: \(error.message)" }
}
