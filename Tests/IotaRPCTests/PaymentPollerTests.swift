import Foundation
import Ledger
import Testing
import TestSupport
@testable import IotaRPC

func tx(_ n: Int, at checkpoint: UInt64, _ amount: Int64 = 1_000, success: Bool = true, bad: String? = nil,
        split: Bool = false) -> ModelTx {
    ModelTx(digest: digest(n).text, checkpoint: checkpoint, amount: amount, success: success, bad: bad, splitChanges: split)
}

@Suite struct PaymentPollerTests {
    @Test func aGraphQLScanCreditsWhatLiesAboveWAndMovesWToH() {
        var h = PollerHarness(start: .watermark(5))
        for t in [tx(1, at: 4), tx(2, at: 6, 2_000), tx(3, at: 7, 3_000), tx(4, at: 8, 9, success: false),
                  tx(5, at: 9, -50), tx(6, at: 9, 0)] { h.graphQL.add(t) }
        h.graphQL.latest = 12
        h.run()
        #expect(h.credited == [digest(2).text: 2_000, digest(3).text: 3_000])
        #expect(h.watermark == .some(12))
        #expect(h.requests.count == 2)   // start-up query, one scan page
        let scan = h.variables(h.requests[1])
        #expect(scan?["w"]?.int64Value == 5 && scan?["c"]?.isNull == true && scan?["a"]?.stringValue == account.text)
        #expect(h.poller.nodeOK && h.poller.activeURL == graphQLURL)
        // Nothing new: the next scan asks from W = 12 and journals nothing.
        let commits = h.commits
        h.run()
        #expect(h.variables(h.requests.last!)?["w"]?.int64Value == 12 && h.commits == commits)
    }

    @Test func pagesFollowEndCursorPinnedToH_neverAboveMaxPageSize() {
        var h = PollerHarness(start: .watermark(0))
        h.graphQL.maxPageSize = 2
        for n in 1...5 { h.graphQL.add(tx(n, at: UInt64(n), Int64(n))) }
        h.graphQL.latest = 10
        // A payment lands while the scan pages on: the pinned pages do not show it, the next scan does.
        var landed = false
        h.fault = { [graphQL = h.graphQL] request in
            if !landed, request.body.count > 0, graphQL.txs.count == 5, String(decoding: request.body, as: UTF8.self).contains("10:1") {
                landed = true
                graphQL.add(tx(6, at: 11, 6))
            }
            return nil
        }
        h.run()
        #expect(h.credited.count == 5 && h.watermark == .some(10))
        #expect(h.requests.dropFirst().allSatisfy { h.variables($0)?["n"]?.int64Value == 2 })
        h.run()
        #expect(h.credited[digest(6).text] == 6 && h.watermark == .some(11))
    }

    /// The cursor trap (specs/iota-graphql.md): a stored endCursor is answered as of the checkpoint
    /// it was issued at, so a client that persists it never sees a later payment; W does.
    @Test func aPersistedCursorWouldMissThePaymentThatTheWatermarkCredits() throws {
        let node = ModelNode()
        node.add(tx(1, at: 3))
        let first = try GraphQLReply.scanPage(node.graphQL(GraphQLRequest.scan(address: account, afterCheckpoint: nil, after: nil, pageSize: 50)),
                                              chain: .mainnet, account: account)
        node.add(tx(2, at: 15, 7_000))
        let stale = try GraphQLReply.scanPage(node.graphQL(GraphQLRequest.scan(address: account, afterCheckpoint: nil,
                                                                                after: first.endCursor, pageSize: 50)),
                                              chain: .mainnet, account: account)
        #expect(stale.transactions.isEmpty && stale.checkpoint == first.checkpoint)
        var h = PollerHarness(start: .watermark(first.checkpoint))
        h.graphQL.txs = node.txs
        h.graphQL.latest = node.latest
        h.run()
        #expect(h.credited == [digest(2).text: 7_000])
    }

    @Test func balanceChangesOnAFurtherPageAreFetchedAndSummed() {
        var h = PollerHarness(start: .watermark(5))
        h.graphQL.add(tx(1, at: 6, 1_001, split: true))
        h.graphQL.add(tx(2, at: 7, 20))
        h.run()
        #expect(h.credited == [digest(1).text: 1_001, digest(2).text: 20])
        #expect(h.requests.contains { String(decoding: $0.body, as: UTF8.self).contains("transactionBlock(digest") })
    }

    @Test func firstStartBaselineIsTheNodesCheckpointNotTheClock() {
        var h = PollerHarness(start: .fresh)
        h.graphQL.add(tx(1, at: 8, 5_000))
        h.graphQL.latest = 9
        h.run()
        #expect(h.credited.isEmpty && h.watermark == .some(9))
        h.graphQL.add(tx(2, at: 10, 6_000))
        h.run()
        #expect(h.credited == [digest(2).text: 6_000])
        // credit_existing = yes: everything the node has counts, and W is journaled with it.
        var all = PollerHarness(start: .fresh, creditExisting: true)
        all.graphQL.add(tx(1, at: 8, 5_000))
        all.run()
        #expect(all.credited == [digest(1).text: 5_000] && all.watermark == .some(10))
    }

    @Test func wrongChainAndGraphQLErrorsCreditNothing() {
        var h = PollerHarness(start: .watermark(5))
        h.graphQL.add(tx(1, at: 6))
        h.graphQL.chain = "2304aa97"
        h.run(rounds: 3)
        #expect(h.credited.isEmpty && h.watermark == .some(5) && !h.poller.nodeOK)
        #expect(h.logs.filter { $0.0 == .warning }.count == 1)   // once per outage, not per retry
        #expect(h.logs.first?.1.contains("chain 2304aa97, expected 6364aad5") == true)
        h.graphQL.chain = "6364aad5"
        let sample = sampleData("graphql-e2e-error-scan-limit-response.json")
        var errors = PollerHarness(start: .watermark(5))
        errors.graphQL.add(tx(1, at: 6))
        errors.fault = { $0.body.count > 0 && errors_isScan($0) ? .http(status: 200, body: sample) : nil }
        errors.run(rounds: 2)
        #expect(errors.credited.isEmpty && !errors.poller.nodeOK)
        #expect(errors.logs.contains { $0.1.contains("A scan limit must be specified") })
        h.run(rounds: 40)   // the backoff gives way once the node is right again
        #expect(h.credited.count == 1 && h.poller.nodeOK)
    }

    @Test func failoverToJSONRPCAndBackToTheFirstURLLater() {
        var h = PollerHarness(endpoints: [NodeEndpoint(api: .graphQL, url: graphQLURL), NodeEndpoint(api: .jsonRPC, url: jsonRPCURL)])
        for t in [tx(1, at: 6, 100), tx(2, at: 8, 200), tx(3, at: 3, 300)] { h.jsonRPC.add(t) }
        h.jsonRPC.latest = 9
        var graphQLDown = true
        h.fault = { request in request.url == graphQLURL && graphQLDown ? .http(status: 502, body: utf8("<html>")) : nil }
        h.run()
        #expect(h.poller.failovers == 1 && h.poller.activeURL == "jsonrpc:" + jsonRPCURL)
        #expect(h.credited == [digest(1).text: 100, digest(2).text: 200] && h.watermark == .some(9))
        // JSON-RPC asks the chain, then H, then pages newest first.
        let methods = h.requests.dropFirst().compactMap { (try? JSONReader.parse($0.body))?["method"]?.stringValue }
        #expect(Array(methods.prefix(3)) == ["iota_getChainIdentifier", "iota_getLatestCheckpointSequenceNumber",
                                             "iotax_queryTransactionBlocks"])
        graphQLDown = false
        h.nowMs += PaymentPoller.primaryRetryMs
        h.run()
        #expect(h.poller.activeURL == graphQLURL && h.requests.last?.url == graphQLURL)
        #expect(h.logs.contains { $0.1 == "payments: trying \(graphQLURL) again" })
    }

    @Test func anEndpointThatNoLongerServesJSONRPCHandsOver() {
        for reply in [PaymentPoller.Reply.http(status: 410, body: []),
                      .http(status: 200, body: utf8(#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1}"#))] {
            var h = PollerHarness(endpoints: [NodeEndpoint(api: .jsonRPC, url: jsonRPCURL), NodeEndpoint(api: .graphQL, url: graphQLURL)])
            h.graphQL.add(tx(1, at: 6))
            h.fault = { $0.url == jsonRPCURL ? reply : nil }
            h.run()
            #expect(h.logs.contains { $0.1.contains("no longer serves JSON-RPC") })
            #expect(h.poller.activeURL == graphQLURL && h.credited.count == 1)
        }
    }

    /// Issue 16's hostile entries: each costs itself alone, is reported once, never
    /// hides the payments after it, and never turns `node` to fault.
    @Test func oneMalformedEntryCostsOnlyItself() {
        for bad in ["5", #""+5""#, #""1e9""#, #""9223372036854775808""#, "null", #""\#(IotaSupply.maxNanos + 1)""#] {
            var h = PollerHarness(start: .watermark(5))
            h.graphQL.add(tx(1, at: 6, 10))
            h.graphQL.add(tx(2, at: 7, bad: bad))
            h.graphQL.add(tx(3, at: 8, 30))
            h.run(rounds: 4)
            #expect(h.credited == [digest(1).text: 10, digest(3).text: 30], "\(bad)")
            #expect(h.watermark == .some(10) && h.poller.nodeOK && h.poller.skippedEntries == 1, "\(bad)")
            #expect(h.logs.filter { $0.0 != .notice }.count == 1, "\(bad): reported once")
            #expect(h.logs.first?.1.contains(digest(2).text) == true, "\(bad)")
        }
    }

    @Test func aNodeThatRepeatsItsCursorIsAFaultNotALoop() {
        var h = PollerHarness(start: .watermark(5))
        h.graphQL.add(tx(1, at: 6))
        let looping = utf8(#"{"data":{"chainIdentifier":"6364aad5","checkpoint":{"sequenceNumber":9},"transactionBlocks":{"pageInfo":{"hasNextPage":true,"endCursor":"same"},"nodes":[]}}}"#)
        h.fault = { String(decoding: $0.body, as: UTF8.self).contains("transactionBlocks(") ? .http(status: 200, body: looping) : nil }
        h.run(rounds: 3)
        #expect(h.requests.count <= 8 && !h.poller.nodeOK && h.commits == 0)
        #expect(h.logs.contains { $0.1.contains("repeats cursor") })
    }

    @Test func anOldJournalsCursorBecomesAWatermark() {
        var state = AccountState(tariff: Tariff(pricePerKWh: .zero))
        state.paymentBaselineDone = true
        state.paymentCursor = digest(2)
        // Never paid since its baseline: as at a first start.
        #expect(ScanStart(state: state, address: account) == .fresh)
        // The cursor is a credited payment: one below its checkpoint.
        state.recentPayments = [Payment(digest: digest(1), amount: Nanos(1), checkpoint: 30, timestampMs: 0),
                                Payment(digest: digest(2), amount: Nanos(1), checkpoint: 40, timestampMs: 0)]
        #expect(ScanStart(state: state, address: account) == .watermark(39))
        // The cursor is some other transaction: one below the newest payment credited.
        state.paymentCursor = digest(9)
        #expect(ScanStart(state: state, address: account) == .watermark(39))
        state.paymentCursor = nil
        #expect(ScanStart(state: state, address: account) == .watermark(nil))
        state.watermarkAddress = "0x" + String(repeating: "1", count: 64)
        state.watermark = 7
        #expect(ScanStart(state: state, address: account) == .fresh, "another address's watermark")
        state.watermarkAddress = account.text
        #expect(ScanStart(state: state, address: account) == .watermark(7))

        // W = 39: the rest of checkpoint 40 is read again, and the credited set keeps it exactly once.
        var h = PollerHarness(start: .watermark(39))
        h.credited[digest(2).text] = 5
        for t in [tx(2, at: 40, 5), tx(3, at: 40, 6), tx(4, at: 45, 7)] { h.graphQL.add(t) }
        h.run()
        #expect(h.credited == [digest(2).text: 5, digest(3).text: 6, digest(4).text: 7])
    }

    @Test func historyBelowTheAvailableRangeIsReported() {
        var h = PollerHarness(start: .watermark(5))
        h.graphQL.availableFirst = 100
        h.graphQL.add(tx(1, at: 120))
        h.run(rounds: 2)
        #expect(h.poller.historyGaps == 1 && h.credited.count == 1)
        #expect(h.logs.filter { $0.1.contains("keeps checkpoints from 100 on") }.count == 1)
    }

    @Test func aReloadDropsWhatTheOldNodeSaid() {
        var h = PollerHarness(start: .watermark(5))
        h.graphQL.add(tx(1, at: 6))
        h.step()   // start-up query
        _ = h.poller.next(nowMs: h.nowMs, accounts: h.accounts)   // a scan in flight …
        h.poller.reconfigure(.init(endpoints: [NodeEndpoint(api: .graphQL, url: graphQLURL)], chain: .testnet,
                                   creditExisting: false, pollIntervalMs: 10_000), seed: 2)
        // … whose reply, arriving after the reload, is not taken.
        h.poller.receive(.http(status: 200, body: h.graphQL.graphQL(GraphQLRequest.scan(address: account, afterCheckpoint: 5,
                                                                                          after: nil, pageSize: 50))), nowMs: h.nowMs)
        h.absorb()
        h.run(rounds: 2)
        #expect(h.credited.isEmpty, "the new chain setting is checked before anything is credited")
    }

    /// Property: whatever faults a node throws in, each successful positive payment above the
    /// baseline is credited exactly once, nothing else is, and W never moves backwards.
    @Test func randomNodesAgainstAModel() {
        for seed in UInt64(1)...40 {
            var random = SeededGenerator(seed: seed)
            let twoURLs = random.chance(50)
            var h = PollerHarness(endpoints: twoURLs ? [NodeEndpoint(api: .graphQL, url: graphQLURL),
                                                        NodeEndpoint(api: .jsonRPC, url: jsonRPCURL)]
                                                     : [NodeEndpoint(api: .graphQL, url: graphQLURL)],
                                  start: .watermark(10), seed: seed)
            h.graphQL.maxPageSize = Int(random.upTo(4)) + 1
            var expected: [String: Int64] = [:]
            var next = 1
            var faulty = true
            var rng = random
            h.fault = { _ in
                guard faulty else { return nil }
                switch rng.upTo(9) {
                case 0: return .failed("timed out")
                case 1: return .http(status: 500, body: [])
                case 2: return .http(status: 200, body: utf8("{\"data\":{\"chainIdentifier\":\"2304aa97\""))
                default: return nil
                }
            }
            var lastW: UInt64 = 10
            for round in 0..<60 {
                if round == 45 { faulty = false }
                for _ in 0..<random.upTo(3) {
                    // A checkpoint, once formed, never changes: new transactions land in later ones.
                    let checkpoint = h.graphQL.latest + 1 + UInt64(random.upTo(1))
                    let amount = random.upTo(4) == 0 ? -random.upTo(100) : random.upTo(1_000)
                    let success = random.chance(85)
                    let t = tx(next, at: checkpoint, amount, success: success)
                    h.graphQL.add(t)
                    h.jsonRPC.add(t)
                    if success && amount > 0 { expected[t.digest] = amount }
                    next += 1
                }
                h.jsonRPC.latest = h.graphQL.latest
                h.run()
                if case .watermark(let w?) = h.accounts[0].start {
                    #expect(w >= lastW, "seed \(seed): W moved back")
                    lastW = w
                }
            }
            h.run(rounds: 40)
            #expect(h.credited == expected, "seed \(seed)")
            #expect(h.watermark == .some(h.graphQL.latest), "seed \(seed)")
        }
    }
}

func errors_isScan(_ request: PaymentPoller.Request) -> Bool {
    String(decoding: request.body, as: UTF8.self).contains("transactionBlocks(")
}

@Suite struct FirstStartClockTests {
    /// The model node stamps every transaction 2026-11-30T09:56:01.123Z.
    let stamp: Int64 = 1_796_032_561_123

    func harness(started: Int64, wallNow: Int64) -> PollerHarness {
        let h = PollerHarness(start: .fresh)
        var settings = h.poller.settings
        settings.startedWallMs = started
        settings.wallOffsetMs = wallNow - h.nowMs
        h.poller.reconfigure(settings, seed: 3)
        h.graphQL.add(tx(1, at: 8, 5_000))
        return h
    }

    @Test func aSynchronisedClockCreditsWhatWasPaidSinceTheStart() {
        var h = harness(started: stamp - 1_000, wallNow: stamp + 500)
        h.run()
        #expect(h.credited == [digest(1).text: 5_000] && h.watermark == .some(10))
    }

    @Test func paymentsBeforeTheStartOrStampedInTheFutureAreTheBaseline() {
        var before = harness(started: stamp + 1_000, wallNow: stamp + 2_000)
        before.run()
        #expect(before.credited.isEmpty && before.watermark == .some(10))
        // A node whose stamps run an hour ahead of our clock: not trusted, baseline.
        var ahead = harness(started: stamp - 3_600_000 - 1_000, wallNow: stamp - 3_600_000)
        ahead.run()
        #expect(ahead.credited.isEmpty && ahead.watermark == .some(10))
    }
}

@Suite struct PartialGraphQLReplyTests {
    /// The server could not describe one transaction: its error's path lies inside that node, whose
    /// `effects` came back null. That entry is unusable; the rest of the page is credited.
    @Test func anErrorInsideOneTransactionCostsThatTransactionAlone() throws {
        let good = ModelNode().graphQLNode(tx(2, at: 7, 20))
        let body = utf8(#"{"data":{"chainIdentifier":"6364aad5","checkpoint":{"sequenceNumber":9},"transactionBlocks":{"pageInfo":{"hasNextPage":false,"endCursor":"x"},"nodes":[{"digest":"\#(digest(1).text)","effects":null},\#(good)]}},"errors":[{"message":"Failed to fetch balance changes","path":["transactionBlocks","nodes",0,"effects","balanceChanges"],"extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}"#)
        let page = try GraphQLReply.scanPage(body, chain: .mainnet, account: account)
        #expect(page.transactions.count == 2)
        if case .unusable = page.transactions[0].verdict {} else { Issue.record("not unusable") }
        if case .payment(let p) = page.transactions[1].verdict { #expect(p.amount == Nanos(20)) } else { Issue.record("no payment") }
        // An error anywhere else refuses the whole reply.
        let elsewhere = utf8(String(decoding: body, as: UTF8.self).replacingOccurrences(of: #"["transactionBlocks","nodes",0,"effects","balanceChanges"]"#, with: #"["transactionBlocks"]"#))
        #expect(throws: IotaRPCError.self) { try GraphQLReply.scanPage(elsewhere, chain: .mainnet, account: account) }
    }
}
