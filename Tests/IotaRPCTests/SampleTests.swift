import Foundation
import Ledger
import Testing
@testable import IotaRPC

/// A recorded reply from Tests/IotaRPCTests/Samples/, byte for byte.
func sampleData(_ name: String) -> [UInt8] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Samples/" + name)
    return [UInt8]((try? Data(contentsOf: url)) ?? Data())
}

func sampleJSON(_ name: String) throws -> JSONValue { try JSONReader.parse(sampleData(name)) }

/// Every real sample of specs/iota-samples, through the decoders the daemon uses.
@Suite struct SampleTests {
    @Test func graphQLErrorsRefuseTheWholeReply() {
        #expect(throws: IotaRPCError.graphQLErrors(count: 1, first: "A scan limit must be specified for the given "
                                                    + "filter combination")) {
            try GraphQLReply.scanPage(sampleData("graphql-e2e-error-scan-limit-response.json"), chain: .any, account: account)
        }
    }

    @Test func chainIdentifierOfTheE2EChainIsNoRealNetwork() throws {
        let reply = sampleData("graphql-e2e-chain-identifier-response.json")
        let data = try ReplyFields(JSONReader.parse(reply), path: "reply").require("data")
        try IotaChain.any.verify(data.require("chainIdentifier"))
        #expect(throws: IotaRPCError.wrongChain(expected: "6364aad5", got: "e2a97689")) {
            try IotaChain.mainnet.verify(data.require("chainIdentifier"))
        }
        // The constants of digests.rs, as chain-identifiers.txt derives them.
        let text = String(decoding: sampleData("chain-identifiers.txt"), as: UTF8.self)
        #expect(text.contains("mainnet  \(IotaChain.mainnet.identifier!)") && text.contains("testnet  \(IotaChain.testnet.identifier!)"))
    }

    /// Real digests (43 and 44 characters), checkpoints as JSON numbers (JSON-RPC writes strings),
    /// and a cursor that says which checkpoint it is pinned to.
    @Test func recvAddressPageReadsEveryRealDigestAndCheckpoint() throws {
        let data = try ReplyFields(try sampleJSON("graphql-e2e-recvaddress-response.json"), path: "reply").require("data")
        let blocks = try data.require("transactionBlocks")
        let nodes = try blocks.require("nodes").array()
        let scanned = nodes.map { GraphQLReply.transaction($0, account: account) }
        #expect(scanned.count == 10 && scanned.allSatisfy { $0.digest != nil })
        #expect(scanned.map(\.checkpoint) == [2, 2, 2, 2, 2, 3, 3, 3, 3, 3])
        // The query asked no status: each entry is unusable alone, never a zero payment.
        #expect(scanned.allSatisfy { if case .unusable(let why) = $0.verdict { why.contains("effects.status") } else { false } })
        let cursor = try blocks.require("pageInfo").require("endCursor").string()
        #expect(cursor == "eyJjIjozLCJ0IjoxMSwiaSI6dHJ1ZX0")   // {"c":3,"t":11,"i":true}: pinned to checkpoint 3
    }

    @Test func balanceChangeAmountsAreSignedDecimalStrings() throws {
        let data = try ReplyFields(try sampleJSON("graphql-e2e-balance-changes-response.json"), path: "reply").require("data")
        let changes = try data.require("address").require("transactionBlocks").require("nodes").array()[0]
            .require("effects").require("balanceChanges")
        let amounts = try changes.require("edges").array().map { try $0.require("node").require("amount").integerString() }
        #expect(amounts == [3000, 1000, -1_015_000, 5000, 2000, 4000])
        #expect(try changes.require("pageInfo").require("hasNextPage").bool() == false)
    }

    @Test func openRPCExamples() throws {
        func envelope(_ name: String) throws -> [UInt8] {
            let example = try sampleJSON(name)["examples"]?.arrayValue?.first?["result"]?["value"]
            var body = utf8(#"{"jsonrpc":"2.0","id":1,"result":"#)
            body += utf8(try text(of: example!))
            body += utf8("}")
            return body
        }
        #expect(try NodeReply.chainIdentifier(envelope("jsonrpc-openrpc-example-iota_getChainIdentifier.json"), id: 1, chain: .any)
                == "4c78adac")
        #expect(try NodeReply.latestCheckpoint(envelope("jsonrpc-openrpc-example-iota_getLatestCheckpointSequenceNumber.json"), id: 1)
                == 507_021)
        // Digest-only entries (no options asked): not final, never zero payments.
        let page = try TransactionPage.decode(envelope("jsonrpc-openrpc-example-iotax_queryTransactionBlocks.json"), id: 1,
                                              account: account)
        #expect(page.entries.count == 4 && page.entries.allSatisfy { $0.verdict == .notFinal && $0.digest != nil })
        #expect(page.nextCursor?.text == "3nek86HEjXZ7K3EtrAcBG4wMrCS21gqr8BqwwC6M6P7F" && !page.hasNextPage)
    }

    @Test func rfc3339TimestampsToUnixMilliseconds() {
        #expect(RFC3339.unixMs("1970-01-01T00:00:00Z") == 0)
        #expect(RFC3339.unixMs("2026-11-30T09:56:01.123Z") == 1_796_032_561_123)
        #expect(RFC3339.unixMs("2026-11-30T09:56:01.1234567Z") == 1_796_032_561_123)
        #expect(RFC3339.unixMs("2024-02-29T23:59:59Z") == 1_709_251_199_000)
        for bad in ["2026-11-30T09:56:01", "2026-11-30T09:56:01+01:00", "2026-11-30T09:56:01Zx", "2026-13-01T00:00:00Z", "x", "2026-11-30T09:56:01.Z"] {
            #expect(RFC3339.unixMs(bad) == nil, "\(bad)")
        }
    }
}

/// Writes a parsed value back as JSON text (the samples' results, inside a made-up envelope).
func text(of value: JSONValue) throws -> String {
    switch value {
    case .null: return "null"
    case .bool(let b): return b ? "true" : "false"
    case .number(let n): return n
    case .string(let s): var out: [UInt8] = []; JSONText.appendString(s, to: &out); return String(decoding: out, as: UTF8.self)
    case .array(let items): return "[" + (try items.map { try text(of: $0) }).joined(separator: ",") + "]"
    case .object(let members):
        return "{" + (try members.map { m in try text(of: .string(m.key)) + ":" + text(of: m.value) }).joined(separator: ",") + "}"
    }
}
