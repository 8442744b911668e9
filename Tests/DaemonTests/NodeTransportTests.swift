// NodeTransport against a real HTTP(S) server on loopback, driven through a real poll(2) loop.
import Foundation
import Glibc
import Testing
@testable import Daemon
import OS

/// One suite, run serially: the timing assertions must not compete with each other for the CPU.
@Suite(.serialized) struct NodeTransportTests {
    /// The loop may never stall: every turn (poll included, capped at 20 ms) ends within this.
    static let maxTurnMs = 50.0

    @Test func postsJSONAndReturnsTheReply() throws {
        let server = try TestHTTPServer()
        let transport = try NodeTransport()
        let (outcome, _) = try roundTrip(transport, server.http + "/echo", body: #"{"jsonrpc":"2.0","id":7}"#)
        guard case let .ok(status, _) = outcome else { Issue.record("no reply: \(String(describing: outcome))"); return }
        #expect(status == 200)
        let echo = try #require(jsonObject(outcome))
        #expect(echo["method"] as? String == "POST")
        #expect(echo["path"] as? String == "/echo")
        #expect(echo["content_type"] as? String == "application/json")
        #expect(echo["user_agent"] as? String == "tanglemeter/\(tanglemeterVersion)")
        #expect(echo["body"] as? String == #"{"jsonrpc":"2.0","id":7}"#)
        #expect(echo["expect"] is NSNull)
        #expect(transport.pendingCount == 0)
        #expect(transport.pollDescriptors().isEmpty)
    }

    @Test func sequentialRequestsReuseOneConnection() throws {
        let server = try TestHTTPServer()
        let transport = try NodeTransport()
        var seen: [Int] = []
        for n in 1...5 {
            let (outcome, _) = try roundTrip(transport, server.http + "/echo")
            let echo = try #require(jsonObject(outcome))
            #expect(echo["connections"] as? Int == 1)
            #expect(echo["request_on_connection"] as? Int == n)
            seen.append(echo["connection"] as? Int ?? -1)
        }
        #expect(seen == [1, 1, 1, 1, 1])
    }

    @Test func http500IsAReplyWithItsStatus() throws {
        let server = try TestHTTPServer()
        let (outcome, _) = try roundTrip(try NodeTransport(), server.http + "/status/500")
        guard case let .ok(status, body) = outcome else { Issue.record("no reply"); return }
        #expect(status == 500)
        #expect(!body.isEmpty)
    }

    @Test func closedPortFailsWithConnect() throws {
        let url = "http://127.0.0.1:\(closedLoopbackPort())/"
        let (outcome, report) = try roundTrip(try NodeTransport(), url)
        guard case let .failed(.connect(failedURL, detail)) = outcome else {
            Issue.record("expected a connect failure, got \(String(describing: outcome))"); return
        }
        #expect(failedURL == url)
        #expect(!detail.isEmpty)
        #expect(report.slowestTurnMs <= Self.maxTurnMs)
    }

    /// Debian's libcurl has AsynchDNS (the threaded resolver): a lookup never blocks the loop.
    @Test func unresolvableHostFailsWithoutBlockingTheLoop() throws {
        let (outcome, report) = try roundTrip(try NodeTransport(), "https://nonexistent.invalid/")
        guard case let .failed(.resolve(_, detail)) = outcome else {
            Issue.record("expected a resolve failure, got \(String(describing: outcome))"); return
        }
        #expect(detail.contains("nonexistent.invalid"))
        #expect(report.slowestTurnMs <= Self.maxTurnMs)
    }

    @Test func bodyAtTheCapPassesAndBeyondItIsAborted() throws {
        let server = try TestHTTPServer()
        let transport = try NodeTransport(limits: .init(maxResponseBytes: 100_000))
        let (atCap, _) = try roundTrip(transport, server.http + "/big?bytes=100000&chunked=1")
        guard case let .ok(200, body) = atCap else { Issue.record("at the cap: \(String(describing: atCap))"); return }
        #expect(body.count == 100_000)
        for query in ["bytes=100001&chunked=1", "bytes=5000000&chunked=1", "bytes=5000000"] {
            let (outcome, report) = try roundTrip(transport, server.http + "/big?" + query)
            guard case let .failed(.responseTooLarge(_, limit)) = outcome else {
                Issue.record("\(query): \(String(describing: outcome))"); continue
            }
            #expect(limit == 100_000)
            #expect(report.slowestTurnMs <= Self.maxTurnMs)
        }
    }

    @Test func hangingServerTimesOutWhileTheLoopKeepsTurning() throws {
        let server = try TestHTTPServer()
        let limits = NodeTransport.Limits(totalTimeoutMs: 1_500, lowSpeedWindowSeconds: 60)
        let (outcome, report) = try roundTrip(try NodeTransport(limits: limits), server.http + "/hang")
        guard case .failed(.timeout) = outcome else { Issue.record("\(String(describing: outcome))"); return }
        #expect(report.elapsedMs >= 1_400 && report.elapsedMs < 3_000)
        #expect(report.slowestTurnMs <= Self.maxTurnMs)
        #expect(report.turns >= 1_400 / 50)
    }

    /// 10 bytes a second is below the 100 B/s floor: cut after the 1 s window, long before the total timeout.
    @Test func slowDripIsCutByTheLowSpeedLimit() throws {
        let server = try TestHTTPServer()
        let limits = NodeTransport.Limits(totalTimeoutMs: 15_000, lowSpeedBytesPerSecond: 100,
                                          lowSpeedWindowSeconds: 1)
        let (outcome, report) = try roundTrip(try NodeTransport(limits: limits),
                                              server.http + "/drip?bytes=1000&interval_ms=100")
        guard case let .failed(.timeout(_, detail)) = outcome else { Issue.record("\(String(describing: outcome))"); return }
        #expect(detail.contains("too slow"), "\(detail)")
        #expect(report.elapsedMs < 5_000)
        #expect(report.slowestTurnMs <= Self.maxTurnMs)
    }

    @Test func tlsVerifiesAgainstTheConfiguredCA() throws {
        let tls = try TestTLSMaterial()
        let server = try TestHTTPServer(cert: tls.certFile, key: tls.keyFile)
        let (good, _) = try roundTrip(try NodeTransport(caFile: tls.caFile), server.https + "/echo")
        #expect(jsonObject(good)?["method"] as? String == "POST")
        for caFile in [nil, tls.otherCAFile] {
            // Twice on one transport: the second connection must cost no more than the first.
            let transport = try NodeTransport(caFile: caFile)
            for _ in 1...2 {
                let (outcome, report) = try roundTrip(transport, server.https + "/echo")
                guard case let .failed(.tls(_, detail)) = outcome else {
                    Issue.record("CA \(caFile ?? "system"): \(String(describing: outcome))"); continue
                }
                #expect(detail.contains("certificate"))
                #expect(report.slowestTurnMs <= Self.maxTurnMs)
            }
        }
    }

    @Test func concurrentRequestsCompleteWithTheirOwnIDs() throws {
        let server = try TestHTTPServer()
        let transport = try NodeTransport()
        let ids = try (1...3).map { n in
            try transport.post(url: server.http + "/delay?ms=200", body: Array(#"{"id":\#(n)}"#.utf8))
        }
        #expect(Set(ids).count == 3)
        let report = runLoop(transport, until: ids)
        #expect(report.completions.count == 3)
        for (n, id) in ids.enumerated() {
            let outcome = report.completions.first { $0.id == id }?.outcome
            #expect(jsonObject(outcome)?["body"] as? String == #"{"id":\#(n + 1)}"#)
        }
        // Three at once cannot share one connection: they ran in parallel, not one after another.
        #expect(report.elapsedMs < 550)
        #expect(report.slowestTurnMs <= Self.maxTurnMs)
    }

    @Test func cancelledRequestNeverCompletesAndReleasesItsSocket() throws {
        let server = try TestHTTPServer()
        let transport = try NodeTransport()
        let hanging = try transport.post(url: server.http + "/hang", body: [])
        var report = runLoop(transport, until: [hanging], limitMs: 300)
        #expect(report.completions.isEmpty)
        #expect(!transport.pollDescriptors().isEmpty)
        transport.cancel(hanging)
        #expect(transport.pendingCount == 0)
        #expect(transport.pollDescriptors().isEmpty)
        // The transport still works afterwards.
        let next = try transport.post(url: server.http + "/echo", body: [])
        report = runLoop(transport, until: [next])
        #expect(report.completions.map(\.id) == [next])
        #expect(report.completions.allSatisfy { $0.id != hanging })
    }

    @Test func droppingTheTransportWithARequestInFlightIsClean() throws {
        let server = try TestHTTPServer()
        var transport: NodeTransport? = try NodeTransport()
        let id = try transport!.post(url: server.http + "/hang", body: [])
        _ = runLoop(transport!, until: [id], limitMs: 200)
        transport = nil
        #expect(transport == nil)
    }

    @Test func plainHTTPOffLoopbackIsRefusedBeforeAnyIO() throws {
        let transport = try NodeTransport()
        for url in ["http://192.0.2.1/", "http://api.mainnet.iota.cafe/", "http://127.0.0.1@192.0.2.1/",
                    "ftp://127.0.0.1/", "not a url"] {
            #expect(throws: TransportError.self) { _ = try transport.post(url: url, body: []) }
        }
        #expect(transport.pendingCount == 0)
        #expect(transport.pollDescriptors().isEmpty)
        #expect(transport.nextDeadlineMs == nil)
    }
}

// The loopback/https rule is Config.NodeURL's, tested in ConfigTests; the transport calls it.

