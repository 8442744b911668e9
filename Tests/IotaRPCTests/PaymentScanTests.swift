import Ledger
import Testing
@testable import IotaRPC

func paid(_ n: Int, _ amount: Int64 = 1) -> TransactionEntry {
    .payment(Payment(digest: digest(n).text, amount: Nanos(amount), checkpoint: UInt64(n), timestampMs: Int64(n)))
}

@Suite struct PaymentScanTests {
    @Test func settledPageMovesCursorToItsLastEntry() {
        let entries = [paid(1), .ignored(digest: digest(2), reason: .outgoing), paid(3)]
        let scan = PaymentScan(page: TransactionPage(entries: entries, nextCursor: digest(3), hasNextPage: true),
                               cursor: digest(9))
        #expect(scan.payments.map(\.digest) == [digest(1).text, digest(3).text])
        #expect(scan.cursor == digest(3))
        #expect(scan.blockedBy == nil)
        #expect(scan.fetchNextPage)
    }

    @Test func cursorStopsBeforeTheFirstUnsettledEntry() {
        let entries = [paid(1), .notFinal(digest: digest(2)), paid(3), .incomplete(digest: digest(4), reason: "x"), paid(5)]
        let scan = PaymentScan(page: TransactionPage(entries: entries, nextCursor: digest(5), hasNextPage: true),
                               cursor: nil)
        #expect(scan.cursor == digest(1))
        #expect(scan.blockedBy == digest(2))
        // Final payments behind the blocker are credited now; the digest set makes the re-read harmless.
        #expect(scan.payments.map(\.digest) == [digest(1).text, digest(3).text, digest(5).text])
        #expect(!scan.fetchNextPage)
    }

    @Test func incompleteEntryBlocksLikeANotFinalOne() {
        let entries = [.incomplete(digest: digest(1), reason: "errors"), paid(2)]
        let scan = PaymentScan(page: TransactionPage(entries: entries, nextCursor: nil, hasNextPage: false),
                               cursor: digest(7))
        #expect(scan.cursor == digest(7) && scan.blockedBy == digest(1))
    }

    @Test func emptyPageKeepsOurCursorWhateverTheNodeSays() {
        for next in [nil, digest(3)] {
            let scan = PaymentScan(page: TransactionPage(entries: [], nextCursor: next, hasNextPage: true), cursor: digest(7))
            #expect(scan.cursor == digest(7))
            #expect(!scan.fetchNextPage, "no progress, no immediate refetch")
            #expect(scan.payments.isEmpty)
        }
        let fresh = PaymentScan(page: TransactionPage(entries: [], nextCursor: nil, hasNextPage: false), cursor: nil)
        #expect(fresh.cursor == nil)
    }

    @Test func firstEntryNotFinalKeepsTheOldCursor() {
        let scan = PaymentScan(page: TransactionPage(entries: [.notFinal(digest: digest(1))], nextCursor: digest(1),
                                                     hasNextPage: true), cursor: digest(8))
        #expect(scan.cursor == digest(8) && !scan.fetchNextPage)
    }

    @Test func baselineIsTheNewestDigest() throws {
        let body = page([entry(changes: [ours("5")])], next: "\"\(digestA)\"", more: true)
        let newest = try TransactionPage.decode(body, id: 5, account: account, cursor: nil)
        #expect(PaymentScan.baseline(of: newest) == a)
        #expect(PaymentScan.baseline(of: TransactionPage(entries: [], nextCursor: nil, hasNextPage: false)) == nil)
    }

    /// Pages as a node serves 120 payments (50, 50, 20), decoded and scanned as the daemon would:
    /// every payment exactly once, the cursor at the last one, no refetch after the last page.
    @Test func pagingThrough120Payments() throws {
        let all = (1...120).map { n in entry(digest(n).text, checkpoint: "\"\(n)\"", changes: [ours("\(n)")]) }
        var cursor: TransactionDigest? = nil
        var credited: [Int64] = []
        var requests = 0
        repeat {
            let start = cursor.map { c in all.firstIndex { $0.contains(c.text + "\"") }! + 1 } ?? 0
            let slice = Array(all[start..<min(start + 50, all.count)])
            let body = page(slice, next: "null", more: start + 50 < all.count)
            let scan = PaymentScan(page: try decode(body, cursor: cursor), cursor: cursor)
            credited += scan.payments.map(\.amount.value)
            cursor = scan.cursor
            requests += 1
            if !scan.fetchNextPage { break }
        } while requests < 10
        #expect(requests == 3)
        #expect(credited == (1...120).map(Int64.init))
        #expect(cursor == digest(120))
    }
}

@Suite struct NodeReplyTests {
    @Test func balanceOfTheSpecExample() throws {
        let reply = #"{"jsonrpc":"2.0","result":{"coinType":"0x2::iota::IOTA","coinObjectCount":3,"totalBalance":"12500000000"},"id":1}"#
        #expect(try NodeReply.balance(utf8(reply), id: 1) == Nanos(12_500_000_000))
        let indexer = #"{"jsonrpc":"2.0","result":{"coinType":"0x0000000000000000000000000000000000000000000000000000000000000002::iota::IOTA","coinObjectCount":0,"totalBalance":"0"},"id":1}"#
        #expect(try NodeReply.balance(utf8(indexer), id: 1) == .zero)
    }

    @Test func balanceRefusesWhatItCannotHold() {
        let over = #"{"jsonrpc":"2.0","result":{"coinType":"0x2::iota::IOTA","coinObjectCount":1,"totalBalance":"9223372036854775808"},"id":1}"#
        #expect(throws: IotaRPCError.self) { try NodeReply.balance(utf8(over), id: 1) }
        let foreign = #"{"jsonrpc":"2.0","result":{"coinType":"0x3::x::X","coinObjectCount":1,"totalBalance":"1"},"id":1}"#
        #expect(throws: IotaRPCError.malformedReply(path: "result.coinType", reason: "expected the IOTA coin type")) {
            try NodeReply.balance(utf8(foreign), id: 1)
        }
        let numeric = #"{"jsonrpc":"2.0","result":{"coinType":"0x2::iota::IOTA","coinObjectCount":1,"totalBalance":1},"id":1}"#
        #expect(throws: IotaRPCError.self) { try NodeReply.balance(utf8(numeric), id: 1) }
    }

    @Test func latestCheckpoint() throws {
        #expect(try NodeReply.latestCheckpoint(utf8(#"{"jsonrpc":"2.0","result":"9876550","id":3}"#), id: 3) == 9_876_550)
        #expect(try NodeReply.latestCheckpoint(utf8(#"{"jsonrpc":"2.0","result":"18446744073709551615","id":3}"#), id: 3)
                == UInt64.max)
        for bad in ["9876550", #""-1""#, #""18446744073709551616""#, "null", #""""#] {
            #expect(throws: IotaRPCError.self, "\(bad)") {
                try NodeReply.latestCheckpoint(utf8(#"{"jsonrpc":"2.0","result":\#(bad),"id":3}"#), id: 3)
            }
        }
    }

    @Test func chainIdentifierIsCheckedAgainstTheConfiguredChain() throws {
        let mainnet = utf8(#"{"jsonrpc":"2.0","result":"6364aad5","id":4}"#)
        #expect(try NodeReply.chainIdentifier(mainnet, id: 4, chain: .mainnet) == "6364aad5")
        #expect(try NodeReply.chainIdentifier(mainnet, id: 4, chain: .any) == "6364aad5")
        #expect(throws: IotaRPCError.wrongChain(expected: "2304aa97", got: "6364aad5")) {
            try NodeReply.chainIdentifier(mainnet, id: 4, chain: .testnet)
        }
        for bad in [#""6364AAD5""#, #""6364aad""#, #""6364aad5 ""#, #""zzzzzzzz""#, "6364"] {
            #expect(throws: IotaRPCError.self, "\(bad)") {
                try NodeReply.chainIdentifier(utf8(#"{"jsonrpc":"2.0","result":\#(bad),"id":4}"#), id: 4, chain: .any)
            }
        }
    }
}
