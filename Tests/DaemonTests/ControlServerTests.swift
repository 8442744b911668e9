import CSystem
import Foundation
import Glibc
import Testing
@testable import Daemon
import OS

@Suite struct ControlServerTests {
    @Test func oneClientGetsItsReply() throws {
        let h = try Harness()
        let c = try TestClient(path: h.path)
        c.send("status\n")
        h.run { c.pump(); return c.finalLines == 1 }
        #expect(c.text == "main.relay on\nmain.balance_nanos 42\nOK\n")
        #expect(h.server.clientCount == 1)
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() throws {
        let h = try Harness()
        let c = try TestClient(path: h.path)
        c.send("a\nb\r\nstatus\nc\n")
        h.run { c.pump(); return c.finalLines == 4 }
        #expect(c.text == "echo a\nOK\necho b\nOK\nmain.relay on\nmain.balance_nanos 42\nOK\necho c\nOK\n")
    }

    /// More requests in one read than the per-turn budget: the rest are answered next turns.
    @Test func requestsBeyondThePerTurnBudgetAreAnsweredLater() throws {
        var limits = ControlLimits()
        limits.requestsPerTurn = 8
        let h = try Harness(limits: limits)
        let c = try TestClient(path: h.path)
        c.send((0..<100).map { "r\($0)\n" }.joined())
        h.run { c.pump(); return c.finalLines == 100 }
        #expect(c.text == (0..<100).map { "echo r\($0)\nOK\n" }.joined())
    }

    @Test func halfClosedClientGetsWholeReplyThenEOF() throws {
        let h = try Harness()
        let c = try TestClient(path: h.path)
        c.send("status\nwho\n")
        c.shutdownWrite()
        h.run { c.pump(); return c.sawEOF }
        #expect(c.text.hasPrefix("main.relay on\nmain.balance_nanos 42\nOK\nuid 0\n"))
        #expect(c.finalLines == 2)
        #expect(h.server.clientCount == 0)
    }

    @Test func twoHundredConcurrentClients() throws {
        let h = try Harness()
        let clients = try (0..<200).map { _ in try TestClient(path: h.path) }
        for (i, c) in clients.enumerated() { c.send("hello \(i)\n"); c.shutdownWrite() }
        h.run(timeoutMs: 10_000) { clients.allSatisfy { c in c.pump(); return c.sawEOF } }
        for (i, c) in clients.enumerated() { #expect(c.text == "echo hello \(i)\nOK\n") }
        #expect(h.server.clientCount == 0)
    }

    @Test func clientThatNeverReadsIsDroppedWhileOthersAreServed() throws {
        var limits = ControlLimits()
        limits.idleTimeoutMs = 400
        let h = try Harness(limits: limits)
        let hog = try TestClient(path: h.path)
        // 8 MB of replies requested, none read: the socket buffer and the output queue fill up.
        hog.send(String(repeating: "big 65536\n", count: 128))
        h.run {  // back-pressured
            let set = h.server.pollDescriptors()
            return (0..<set.count).contains { set.requested($0) == .writable }
        }
        let other = try TestClient(path: h.path)
        other.send("status\n")
        h.run { other.pump(); return other.finalLines == 1 }
        #expect(h.server.clientCount == 2)
        // The hog makes no progress: dropped after the idle timeout; the other stays.
        h.run { h.server.clientCount == 1 }
        other.send("status\n")
        h.run { other.pump(); return other.finalLines == 2 }
    }

    @Test func watcherThatDoesNotReadIsDroppedAtTheOutputCap() throws {
        var limits = ControlLimits()
        limits.idleTimeoutMs = 100
        let h = try Harness(limits: limits)
        let w = try TestClient(path: h.path)
        w.send("watch\n")
        h.run { h.server.watchers.count == 1 }
        // Watching with nothing queued: exempt from the idle timeout.
        let until = Clock.monotonicMs() + 300
        h.run { Clock.monotonicMs() > until }
        #expect(h.server.watchers.count == 1)
        let id = h.server.watchers[0]
        let line = Array((String(repeating: "w", count: 1023) + "\n").utf8)
        var pushed = 0
        while h.server.push(line, to: id, now: Clock.monotonicMs()) && pushed < 10_000 { pushed += 1 }
        #expect(pushed * line.count >= limits.outputCap)  // the cap, plus what the kernel buffered
        #expect(h.server.clientCount == 0)
    }

    @Test func idleClientIsClosed() throws {
        var limits = ControlLimits()
        limits.idleTimeoutMs = 200
        let h = try Harness(limits: limits)
        let c = try TestClient(path: h.path)
        let start = Clock.monotonicMs()
        h.run { c.pump(); return c.sawEOF }
        #expect(Clock.monotonicMs() - start >= 200)
    }

    /// Issue 17: a byte now and then is not activity. A client trickling a request line one byte
    /// at a time, faster than the idle timeout, is closed once the timeout passes without a line.
    @Test func tricklingClientIsClosedAfterTheIdleTimeout() throws {
        var limits = ControlLimits()
        limits.idleTimeoutMs = 300
        let h = try Harness(limits: limits)
        let c = try TestClient(path: h.path)
        let start = Clock.monotonicMs()
        var nextByte = start
        h.run(timeoutMs: 3_000) {
            if Clock.monotonicMs() >= nextByte { c.send("s"); nextByte += 100 }
            c.pump()
            return c.sawEOF
        }
        #expect(c.sawEOF)
        #expect(Clock.monotonicMs() - start >= 300)
    }

    /// Issue 17: a watcher that does not read is closed after the idle timeout, long before its
    /// unread lines reach the output cap; one that reads stays, however long.
    @Test func watcherThatDoesNotReadIsDroppedAfterTheIdleTimeout() throws {
        var limits = ControlLimits()
        limits.idleTimeoutMs = 300
        let h = try Harness(limits: limits)
        let reader = try TestClient(path: h.path), sleeper = try TestClient(path: h.path)
        reader.send("watch\n"); sleeper.send("watch\n")
        h.run { h.server.watchers.count == 2 }
        let line = Array("1 main relay=on balance_nanos=1 power_w=0.0 energy_wh=0\n".utf8)
        let until = Clock.monotonicMs() + 1_500
        var nextPush = Clock.monotonicMs()
        h.run(timeoutMs: 3_000) {
            if Clock.monotonicMs() >= nextPush {
                for id in h.server.watchers { h.server.push(line, to: id, now: Clock.monotonicMs()) }
                nextPush += 50
            }
            reader.pump()
            return Clock.monotonicMs() > until
        }
        sleeper.pump()
        #expect(sleeper.sawEOF)
        #expect(!reader.sawEOF)
        #expect(h.server.watchers.count == 1)
        #expect(sleeper.received.count < limits.outputCap / 10)
    }

    /// Issue 17 / DESIGN §3.3: a watch ends with `OK` when the client closes its write side.
    @Test func watchEndsWithOKWhenTheClientHalfCloses() throws {
        let h = try Harness()
        let c = try TestClient(path: h.path)
        c.send("watch\n")
        h.run { h.server.watchers.count == 1 }
        c.shutdownWrite()
        h.run { c.pump(); return c.sawEOF }
        #expect(c.text == "OK\n")
        #expect(h.server.clientCount == 0)
    }

    @Test func overlongLineGets413AndClose() throws {
        let h = try Harness()
        let c = try TestClient(path: h.path)
        c.send(String(repeating: "a", count: 600) + "\nstatus\n")
        h.run { c.pump(); return c.sawEOF }
        #expect(c.text == "ERR 413 request line too long\n")
    }

    @Test func clientsBeyondTheCapGet503() throws {
        var limits = ControlLimits()
        limits.maxClients = 2
        let h = try Harness(limits: limits)
        let a = try TestClient(path: h.path), b = try TestClient(path: h.path)
        h.run { h.server.clientCount == 2 }
        let c = try TestClient(path: h.path)
        h.run { c.pump(); return c.sawEOF }
        #expect(c.text == "ERR 503 too many clients\n")
        a.send("status\n"); b.send("status\n")
        h.run { a.pump(); b.pump(); return a.finalLines == 1 && b.finalLines == 1 }
    }

    @Test func staleSocketFileIsReplaced() throws {
        let dir = TempDir()
        // A socket file left by a process that died without unlinking it.
        let dead = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var (addr, len) = unixAddress(dir.file("ctl.sock"))
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(dead, $0, len) } }
        #expect(bound == 0)
        close(dead)
        let h = try Harness(dir: dir)
        let c = try TestClient(path: h.path)
        c.send("status\n")
        h.run { c.pump(); return c.finalLines == 1 }
    }

    @Test func liveDaemonsSocketIsRefusedAndKept() throws {
        let h = try Harness()
        #expect(throws: ControlSocketError.inUse(path: h.path)) {
            _ = try ControlServer<TestFramer>(path: h.path, mode: 0o660, adminGroup: nil, handler: echoHandler)
        }
        let c = try TestClient(path: h.path)
        c.send("status\n")
        h.run { c.pump(); return c.finalLines == 1 }
    }

    @Test func regularFileAtThePathIsNotReplaced() throws {
        let dir = TempDir()
        let path = dir.file("ctl.sock")
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        #expect(throws: ControlSocketError.notASocket(path: path)) {
            _ = try ControlServer<TestFramer>(path: path, mode: 0o660, adminGroup: nil, handler: echoHandler)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "keep")
    }

    @Test func modeAndGroupAreApplied() throws {
        let h = try Harness(mode: 0o640, adminGroup: "4242")
        var st = stat()
        #expect(lstat(h.path, &st) == 0)
        #expect(st.st_mode & 0o7777 == 0o640)
        #expect(st.st_mode & S_IFMT == S_IFSOCK)
        #expect(st.st_gid == 4242)
    }

    @Test func unknownAdminGroupIsAnError() throws {
        let dir = TempDir()
        #expect(throws: ControlSocketError.noSuchGroup(name: "no-such-group-tm")) {
            _ = try ControlServer<TestFramer>(path: dir.file("s"), mode: 0o660, adminGroup: "no-such-group-tm", handler: echoHandler)
        }
    }

    @Test func shutdownRemovesTheSocketFile() throws {
        let h = try Harness()
        #expect(FileManager.default.fileExists(atPath: h.path))
        h.server.shutdown()
        #expect(!FileManager.default.fileExists(atPath: h.path))
    }

    @Test func peerCredentialsOfRoot() throws {
        let h = try Harness()
        let c = try TestClient(path: h.path)
        c.send("who\n")
        h.run { c.pump(); return c.finalLines == 1 }
        #expect(c.text == "uid 0\ngid 0\npid \(getpid())\nadmin yes\nOK\n")
    }

    /// A non-root peer through real `setpriv` + `socat`: admin only with the admin group.
    @Test(arguments: [
        (["--clear-groups"], "admin no"),
        (["--groups", "4242"], "admin yes"),
    ])
    func adminDecisionForNonRootPeer(groupArgs: [String], expected: String) throws {
        let h = try Harness(mode: 0o666, adminGroup: "4242")
        let argv = ["/usr/bin/setpriv", "--reuid", "65534", "--regid", "65534"] + groupArgs
            + ["/usr/bin/socat", "-", "UNIX-CONNECT:\(h.path)"]
        let result = runProgram(h, argv, stdin: "who\n")
        #expect(result?.0 == 0)
        #expect(result?.1.contains("uid 65534\ngid 65534\n") == true)
        #expect(result?.1.contains("\(expected)\nOK\n") == true)
    }

    /// The fallback when the kernel (or qemu-user) cannot report SO_PEERGROUPS: the group database.
    @Test func groupDatabaseFallback() {
        #expect(UserDatabase.groups(ofUser: 0, primaryGroup: 0)?.contains(0) == true)
        #expect(UserDatabase.groups(ofUser: 4_000_000, primaryGroup: 1) == nil)  // no such user
        var peer = PeerCredentials(pid: 1, uid: 65534, gid: 65534, groups: [1, 4242])
        #expect(AdminRule(adminGroup: 4242).isAdmin(&peer, fd: FileDescriptor(rawValue: -1)))
        #expect(!AdminRule(adminGroup: nil).isAdmin(&peer, fd: FileDescriptor(rawValue: -1)))
        var root = PeerCredentials(pid: 1, uid: 0, gid: 0, groups: nil)
        #expect(AdminRule(adminGroup: nil).isAdmin(&root, fd: FileDescriptor(rawValue: -1)))
    }

    @Test func primaryGroupMakesAdmin() throws {
        let h = try Harness(mode: 0o666, adminGroup: "4242")
        let argv = ["/usr/bin/setpriv", "--reuid", "65534", "--regid", "4242", "--clear-groups",
                    "/usr/bin/socat", "-", "UNIX-CONNECT:\(h.path)"]
        #expect(runProgram(h, argv, stdin: "who\n")?.1.contains("admin yes\nOK\n") == true)
    }
}

func unixAddress(_ path: String) -> (sockaddr_un, socklen_t) {
    var addr = sockaddr_un()
    addr.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    withUnsafeMutableBytes(of: &addr.sun_path) { raw in
        for (i, b) in bytes.enumerated() { raw[i] = b }
    }
    return (addr, socklen_t(MemoryLayout<sockaddr_un>.size))
}
