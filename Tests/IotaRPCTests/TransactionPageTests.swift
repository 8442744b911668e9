import Ledger
import Testing
@testable import IotaRPC

/// The spec's §4 example reply, verbatim.
let specPageReply = #"""
{"jsonrpc":"2.0","result":{"data":[
 {"digest":"BWhX7n5HxHtTR6RDxfdhU2hVC8zBqAmFr4yMKM2avWpC",
  "effects":{"messageVersion":"v1","status":{"status":"success"},"executedEpoch":"42",
   "gasUsed":{"computationCost":"1000000","computationCostBurned":"1000000","storageCost":"1976000","storageRebate":"978120","nonRefundableStorageFee":"9880"},
   "transactionDigest":"BWhX7n5HxHtTR6RDxfdhU2hVC8zBqAmFr4yMKM2avWpC",
   "created":[{"owner":{"AddressOwner":"0x5f0cb3d9a2106ea782cbbb609460008797e8c4efd0b033becd0253fdaa3d0250"},
     "reference":{"objectId":"0x755617a6f8a036f6b267dfcac38850f31d265a9e71c2c0d535401a16fa2833bb","version":1071,"digest":"A7YNjTekMQS2ntWqc8v7jN2z7eLVrJFgspG1rZLrVSiJ"}}],
   "gasObject":{"owner":{"AddressOwner":"0x6558c484ce77d5366c4e0e9402d8ad5baf5397d42a04e9c296e989bed9a481bd"},
     "reference":{"objectId":"0xab990307abc881c96980d56fd3b44aeb9d23c8f0b893dc51822e30de6c1e4b55","version":1071,"digest":"HzkZtmKX3hWFjjb5r45scrWmSWgPBzz8dcvuPWz4gT9y"}}},
  "balanceChanges":[
   {"owner":{"AddressOwner":"0x6558c484ce77d5366c4e0e9402d8ad5baf5397d42a04e9c296e989bed9a481bd"},"coinType":"0x2::iota::IOTA","amount":"-2001997880"},
   {"owner":{"AddressOwner":"0x5f0cb3d9a2106ea782cbbb609460008797e8c4efd0b033becd0253fdaa3d0250"},"coinType":"0x2::iota::IOTA","amount":"2000000000"}],
  "timestampMs":"1750000000123","checkpoint":"9876543"}],
 "nextCursor":"BWhX7n5HxHtTR6RDxfdhU2hVC8zBqAmFr4yMKM2avWpC","hasNextPage":false},"id":2}
"""#

let payer = "0x6558c484ce77d5366c4e0e9402d8ad5baf5397d42a04e9c296e989bed9a481bd"
let digestA = "BWhX7n5HxHtTR6RDxfdhU2hVC8zBqAmFr4yMKM2avWpC"

func digest(_ n: Int) -> TransactionDigest {
    TransactionDigest(String(repeating: "1", count: 32) + String("\(n)".map { $0 == "0" ? "z" : $0 }))!
}

/// A balance change JSON object; `owner` is raw JSON.
func change(_ owner: String, _ amount: String, coin: String = "0x2::iota::IOTA") -> String {
    #"{"owner":\#(owner),"coinType":"\#(coin)","amount":\#(amount)}"#
}

func ours(_ amount: String, coin: String = "0x2::iota::IOTA") -> String {
    change(#"{"AddressOwner":"\#(account.text)"}"#, #""\#(amount)""#, coin: coin)
}

/// One entry JSON; `status`, `changes` and `extra` are raw JSON fragments.
func entry(_ digest: String = digestA, status: String = #"{"status":"success"}"#, checkpoint: String? = "\"7\"",
           timestamp: String? = "\"1750000000123\"", changes: [String]? = [], extra: String = "") -> String {
    var fields = [#""digest":"\#(digest)""#, #""effects":{"messageVersion":"v1","status":\#(status)}"#]
    if let changes { fields.append(#""balanceChanges":[\#(changes.joined(separator: ","))]"#) }
    if let timestamp { fields.append(#""timestampMs":\#(timestamp)"#) }
    if let checkpoint { fields.append(#""checkpoint":\#(checkpoint)"#) }
    if !extra.isEmpty { fields.append(extra) }
    return "{" + fields.joined(separator: ",") + "}"
}

func page(_ entries: [String], next: String = "null", more: Bool = false, id: Int = 5) -> [UInt8] {
    utf8(#"{"jsonrpc":"2.0","result":{"data":[\#(entries.joined(separator: ","))],"nextCursor":\#(next),"hasNextPage":\#(more)},"id":\#(id)}"#)
}

func decode(_ body: [UInt8]) throws(IotaRPCError) -> TransactionPage {
    try TransactionPage.decode(body, id: 5, account: account)
}

func classify(_ entryJSON: String) throws(IotaRPCError) -> ScannedTransaction.Verdict {
    let decoded = try decode(page([entryJSON]))
    return decoded.entries[0].verdict
}

/// Where decoding stopped: the page's own field (the whole reply refused), or, since one bad entry
/// costs only itself, the field named in the first entry's `.unusable` reason.
func malformedPath(_ body: [UInt8]) -> String? {
    do {
        let decoded = try decode(body)
        guard case .unusable(let reason) = decoded.entries.first?.verdict else { return nil }
        let prefix = "malformed reply: "
        guard reason.hasPrefix(prefix) else { return reason }
        let rest = reason.dropFirst(prefix.count)
        return String(rest[..<(rest.range(of: ": ")?.lowerBound ?? rest.endIndex)])
    } catch {
        if case .malformedReply(let path, _) = error { return path }
        return error.message
    }
}

let a = TransactionDigest(digestA)!

@Suite struct TransactionPageTests {
    @Test func specExampleIsOnePayment() throws {
        let decoded = try TransactionPage.decode(utf8(specPageReply), id: 2, account: account)
        #expect(decoded.entries.map(\.verdict) == [.payment(Payment(digest: a, amount: Nanos(2_000_000_000),
                                                                  checkpoint: 9_876_543, timestampMs: 1_750_000_000_123))])
        #expect(decoded.entries.map(\.checkpoint) == [9_876_543])
        #expect(decoded.nextCursor == a)
        #expect(decoded.hasNextPage == false)
        // The payer sees the same transaction as its own outgoing one.
        let asPayer = try TransactionPage.decode(utf8(specPageReply), id: 2,
                                                 account: IotaAddress(config: payer))
        #expect(asPayer.entries.map(\.verdict) == [.ignored])
    }

    @Test func failedTransactionIsNeverCredited() throws {
        let failed = entry(status: #"{"status":"failure","error":"InsufficientCoinBalance"}"#,
                           changes: [ours("-2977880")])
        #expect(try classify(failed) == .ignored)
        // Even a positive gas refund (rebate above cost) on a failed transaction is not a payment.
        let refund = entry(status: #"{"status":"failure"}"#, changes: [ours("5")])
        #expect(try classify(refund) == .ignored)
    }

    @Test func ownSweepIsNeitherCreditNorDebit() throws {
        let sweep = entry(changes: [ours("-5000000000"), change(#"{"AddressOwner":"\#(payer)"}"#, #""4990000000""#)])
        #expect(try classify(sweep) == .ignored)
    }

    @Test func entryWithoutCheckpointIsNotFinal() throws {
        #expect(try classify(entry(checkpoint: nil, timestamp: nil, changes: [ours("5")])) == .notFinal)
        #expect(try classify(entry(checkpoint: "null", timestamp: nil, changes: [ours("5")])) == .notFinal)
        // Digest-only entries (all options false) are not final either, never zero payments.
        #expect(try decode(page([#"{"digest":"\#(digestA)"}"#])).entries
                == [ScannedTransaction(digest: a, checkpoint: nil, verdict: .notFinal)])
    }

    @Test func partialDataIsIncompleteNotZero() throws {
        let withErrors = entry(changes: nil, extra: #""errors":["Failed to fetch balance changes"]"#)
        #expect(try classify(withErrors) == .unusable(reason: "the node's data is partial: Failed to fetch balance changes"))
        #expect(try classify(entry(changes: nil)) == .unusable(reason: "balanceChanges missing"))
        #expect(try classify(entry(changes: [ours("5")], extra: #""errors":[]"#))
                == .payment(Payment(digest: a, amount: Nanos(5), checkpoint: 7, timestampMs: 1_750_000_000_123)))
        #expect(malformedPath(page([entry(extra: #""errors":"oops""#)])) == "result.data[0].errors")
    }

    @Test func onlyAddressOwnerOfOurAddressCounts() throws {
        let others = [
            change(#"{"ObjectOwner":"\#(account.text)"}"#, #""7""#),
            change(#"{"Shared":{"initial_shared_version":3}}"#, #""7""#),
            change(#""Immutable""#, #""7""#),
            change(#"{"ConsensusAddressOwner":{"owner":"\#(account.text)","start_version":1}}"#, #""7""#),
            change(#"{"AddressOwner":"\#(payer)"}"#, #""7""#),
        ]
        #expect(try classify(entry(changes: others)) == .ignored)
        #expect(try classify(entry(changes: [])) == .ignored)
        // An owner shape we cannot read is not the account's AddressOwner: someone else's.
        #expect(try classify(entry(changes: [change("42", #""7""#)])) == .ignored)
        // Another owner's malformed amount costs nothing: only the account's changes are read.
        #expect(try classify(entry(changes: [change(#"{"AddressOwner":"\#(payer)"}"#, "7"), ours("5")]))
                == .payment(Payment(digest: a, amount: Nanos(5), checkpoint: 7, timestampMs: 1_750_000_000_123)))
        // `0X…` is not an address the node writes: the entry is unusable, alone.
        #expect(malformedPath(page([entry(changes: [change(#"{"AddressOwner":"0X\#(account.text.dropFirst(2))"}"#, #""7""#)])]))
                == "result.data[0].balanceChanges[0].owner.AddressOwner")
        #expect(malformedPath(page([entry(changes: [change(#"{"AddressOwner":"nope"}"#, #""7""#)])]))
                == "result.data[0].balanceChanges[0].owner.AddressOwner")
    }

    @Test func addressesAndCoinTypesAreComparedNormalised() throws {
        let upper = "0x" + account.text.dropFirst(2).uppercased()
        let long = "0x0000000000000000000000000000000000000000000000000000000000000002::iota::IOTA"
        let changes = [change(#"{"AddressOwner":"\#(upper)"}"#, #""3""#, coin: long)]
        guard case .payment(let payment) = try classify(entry(changes: changes)) else {
            Issue.record("not a payment"); return
        }
        #expect(payment.amount == Nanos(3))
        // A system address given in short form by the node still matches its long configured form.
        let system = try IotaAddress(config: "0x" + String(repeating: "0", count: 63) + "5")
        let shortOwner = page([entry(changes: [change(#"{"AddressOwner":"0x5"}"#, #""9""#)])])
        let decoded = try TransactionPage.decode(shortOwner, id: 5, account: system)
        #expect(decoded.entries.first.map { if case .payment = $0.verdict { true } else { false } } == true)
    }

    @Test func foreignCoinsAreIgnoredAndIotaChangesSummed() throws {
        let usdt = "0x" + String(repeating: "a", count: 64) + "::usdt::USDT"
        #expect(try classify(entry(changes: [ours("5", coin: usdt)])) == .ignored)
        guard case .payment(let payment) = try classify(entry(changes: [ours("5", coin: usdt), ours("40"), ours("2")]))
        else { Issue.record("not a payment"); return }
        #expect(payment.amount == Nanos(42))
    }

    @Test func amountsAreStrictCheckedIntegers() {
        // Up to the total supply; beyond it (Int64.max is twice the supply) is node nonsense.
        let maxOK = entry(changes: [ours("\(IotaSupply.maxNanos)")])
        #expect((try? classify(maxOK)) == .payment(Payment(digest: a, amount: Nanos(IotaSupply.maxNanos), checkpoint: 7,
                                                           timestampMs: 1_750_000_000_123)))
        for over in ["\(IotaSupply.maxNanos + 1)", "9223372036854775807", "9223372036854775808",
                     "170141183460469231731687303715884105727", "170141183460469231731687303715884105728"] {
            #expect(malformedPath(page([entry(changes: [ours(over)])])) == "result.data[0].balanceChanges[0].amount", "\(over)")
        }
        // Two changes each within the supply whose sum is not: refused as a whole.
        #expect((try? classify(entry(changes: [ours("\(IotaSupply.maxNanos)"), ours("1")])))
                == .unusable(reason: "net amount beyond the total IOTA supply"))
        for bad in ["1e9", "+5", "05", "-0", "1.0", " 5", "", "0x10", "5 "] {
            #expect(malformedPath(page([entry(changes: [ours(bad)])])) == "result.data[0].balanceChanges[0].amount", "\(bad)")
        }
        let numeric = change(#"{"AddressOwner":"\#(account.text)"}"#, "5")
        #expect(malformedPath(page([entry(changes: [numeric])])) == "result.data[0].balanceChanges[0].amount")
        #expect((try? classify(entry(changes: [ours("0")]))) == .ignored)
    }

    @Test func missingOrMistypedFieldsAreErrors() {
        #expect(malformedPath(page([#"{"checkpoint":"1"}"#])) == "result.data[0].digest")
        #expect(malformedPath(page([entry("not a digest!")])) == "result.data[0].digest")
        #expect(malformedPath(page([entry("0OIl" + String(repeating: "1", count: 40))])) == "result.data[0].digest")
        #expect(malformedPath(page([entry(checkpoint: "7")])) == "result.data[0].checkpoint")
        #expect(malformedPath(page([entry(checkpoint: "\"-1\"")])) == "result.data[0].checkpoint")
        #expect(malformedPath(page([entry(checkpoint: "\"18446744073709551616\"")])) == "result.data[0].checkpoint")
        #expect(malformedPath(page([entry(timestamp: nil)])) == "result.data[0].timestampMs")
        #expect(malformedPath(page([entry(timestamp: "1750000000123")])) == "result.data[0].timestampMs")
        #expect(malformedPath(page([entry(status: #"{"status":"pending"}"#)])) == "result.data[0].effects.status.status")
        #expect(malformedPath(page([entry(status: #""success""#)])) == "result.data[0].effects.status.status")
        #expect(malformedPath(page([#"{"digest":"\#(digestA)","checkpoint":"1","timestampMs":"2"}"#])) == "result.data[0].effects")
        #expect(malformedPath(page(["[]"])) == "result.data[0].digest")
        #expect(malformedPath(page([entry(changes: [#"{"owner":{"AddressOwner":"\#(account.text)"},"coinType":"0x2::iota::IOTA"}"#])]))
                == "result.data[0].balanceChanges[0].amount")
        #expect(malformedPath(page([entry(extra: "")], next: "5")) == "result.nextCursor")
        #expect(malformedPath(utf8(#"{"jsonrpc":"2.0","result":{"data":[]},"id":5}"#)) == "result.hasNextPage")
        #expect(malformedPath(utf8(#"{"jsonrpc":"2.0","result":{"data":{},"hasNextPage":false},"id":5}"#)) == "result.data")
        #expect(malformedPath(utf8(#"{"jsonrpc":"2.0","result":[],"id":5}"#)) == "result")
        #expect(malformedPath(utf8(#"{"jsonrpc":"2.0","id":5}"#)) == "reply")
        #expect(malformedPath(utf8(#"{"result":{},"id":5}"#)) == "jsonrpc")
        #expect(malformedPath(utf8(#"[]"#)) == "reply")
    }

    @Test func envelopeErrorsAreTyped() throws {
        func error(_ json: String) -> IotaRPCError? {
            do { _ = try decode(utf8(json)); return nil } catch { return error }
        }
        let unknown = #"{"jsonrpc":"2.0","error":{"code":-32602,"message":"Could not find the referenced transaction [x]."},"id":5}"#
        // Sui's answer since it switched JSON-RPC off: the next iota.node URL takes over.
        #expect(error(#"{"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":5}"#)
                == .jsonRPCNotServed(detail: "-32601 Method not found"))
        #expect(error(unknown) == .nodeError(code: -32602, message: "Could not find the referenced transaction [x]."))
        #expect(error(#"{"jsonrpc":"2.0","error":{"code":-32009,"message":"Too many requests"},"id":null}"#)
                == .throttled(message: "Too many requests"))
        #expect(error(#"{"jsonrpc":"2.0","error":{"code":-32603,"message":"boom","data":[1]},"id":5}"#)
                == .nodeError(code: -32603, message: "boom"))
        #expect(error(#"{"jsonrpc":"2.0","error":{"code":-32005,"message":"Batched"},"id":null}"#)
                == .nodeError(code: -32005, message: "Batched"))
        #expect(error(#"{"jsonrpc":"2.0","error":{"code":"x","message":"m"},"id":5}"#)
                == .malformedReply(path: "error.code", reason: "expected an integer"))
        #expect(error(#"{"jsonrpc":"2.0","error":{"code":-1},"id":5}"#)
                == .malformedReply(path: "error.message", reason: "expected a string"))
        #expect(error(#"{"jsonrpc":"2.0","error":{"code":-1,"message":"m"},"id":6}"#) == .idMismatch(expected: 5, got: "6"))
        #expect(error(#"{"jsonrpc":"2.0","result":1,"id":null}"#) == .idMismatch(expected: 5, got: "null"))
        #expect(error(#"{"jsonrpc":"2.0","result":1,"id":"5"}"#) == .idMismatch(expected: 5, got: "\"5\""))
        #expect(error(#"{"jsonrpc":"2.0","result":1}"#) == .malformedReply(path: "id", reason: "missing"))
        #expect(error(#"{"jsonrpc":"2.0","result":{"data":[],"nextCursor":null,"hasN"#)
                == .invalidJSON(offset: 55, reason: "unterminated string"))
        #expect(error("<html>502 Bad Gateway</html>") == .invalidJSON(offset: 0, reason: "unexpected byte 0x3c, expected a value"))
    }

    @Test func errorTextsFromTheNodeAreShortened() throws {
        let long = String(repeating: "x", count: 10_000)
        do {
            _ = try decode(utf8(#"{"jsonrpc":"2.0","error":{"code":-32603,"message":"\#(long)"},"id":5}"#))
            Issue.record("decoded")
        } catch {
            #expect(error.message.utf8.count < 240)
        }
    }
}
