import Testing
@testable import IotaRPC
import Ledger

let account = try! IotaAddress(config: "0x5f0cb3d9a2106ea782cbbb609460008797e8c4efd0b033becd0253fdaa3d0250")

@Suite struct RPCRequestTests {
    @Test func queryBodyIsTheSpecExampleByteForByte() throws {
        let cursor = try #require(TransactionDigest("umxqmhxhGH3Ew27FyxAbSxxHBT2cj94cEDACq4yB43h"))
        let body = RPCRequest.queryTransactionBlocks(id: 2, address: account, cursor: cursor)
        let expected = #"{"jsonrpc":"2.0","id":2,"method":"iotax_queryTransactionBlocks","params":["#
            + #"{"filter":{"ToAddress":"0x5f0cb3d9a2106ea782cbbb609460008797e8c4efd0b033becd0253fdaa3d0250"},"#
            + #""options":{"showEffects":true,"showBalanceChanges":true,"showInput":false}},"#
            + #""umxqmhxhGH3Ew27FyxAbSxxHBT2cj94cEDACq4yB43h",50,false]}"#
        #expect(String(decoding: body, as: UTF8.self) == expected)

        let parsed = try JSONReader.parse(body)
        #expect(parsed["jsonrpc"] == .string("2.0"))
        #expect(parsed["id"]?.int64Value == 2)
        let params = try #require(parsed["params"]?.arrayValue)
        #expect(params.count == 4)
        #expect(params[0]["filter"]?["ToAddress"]?.stringValue == account.text)
        #expect(params[0]["options"]?["showBalanceChanges"] == .bool(true))
        #expect(params[1] == .string(cursor.text))
        #expect(params[2] == .number("50"))
        #expect(params[3] == .bool(false))
    }

    @Test func baselineQueryIsDescendingNewestFirstWithoutCursor() throws {
        let body = RPCRequest.queryTransactionBlocks(id: 9, address: account, cursor: nil, limit: 1, descending: true)
        #expect(String(decoding: body, as: UTF8.self).hasSuffix(#"false}},null,1,true]}"#))
        let params = try #require(JSONReader.parse(body)["params"]?.arrayValue)
        #expect(params[1] == .null && params[2] == .number("1") && params[3] == .bool(true))
    }

    @Test func limitIsClampedToWhatTheNodeServes() throws {
        for (asked, sent) in [(500, "50"), (0, "1"), (-3, "1"), (7, "7")] {
            let body = RPCRequest.queryTransactionBlocks(id: 1, address: account, cursor: nil, limit: asked)
            #expect(try JSONReader.parse(body)["params"]?.arrayValue?[2] == .number(sent))
        }
    }

    @Test func smallRequestsAreTheSpecExamples() {
        #expect(String(decoding: RPCRequest.latestCheckpoint(id: 3), as: UTF8.self)
                == #"{"jsonrpc":"2.0","id":3,"method":"iota_getLatestCheckpointSequenceNumber","params":[]}"#)
        #expect(String(decoding: RPCRequest.chainIdentifier(id: 4), as: UTF8.self)
                == #"{"jsonrpc":"2.0","id":4,"method":"iota_getChainIdentifier","params":[]}"#)
        #expect(String(decoding: RPCRequest.chainIdentifier(id: -7), as: UTF8.self).contains(#""id":-7,"#))
    }

    @Test func stringEscapingRoundTrips() throws {
        let nasty = "a\"b\\c\n\r\t\u{1}\u{1F}/é😀\u{7F}"
        var out: [UInt8] = []
        JSONText.appendString(nasty, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""a\"b\\c\n\r\t\u0001\u001f/é😀"# + "\u{7F}\"")
        #expect(try JSONReader.parse(out) == .string(nasty))
    }
}

@Suite struct AddressTests {
    @Test func configAddressesNeedAll64DigitsAndAreLowercased() throws {
        let upper = "0x5F0CB3D9A2106EA782CBBB609460008797E8C4EFD0B033BECD0253FDAA3D0250"
        #expect(try IotaAddress(config: upper) == account)
        #expect(try IotaAddress(config: upper).text == account.text)
        for bad in ["", "0x", "5f0cb3d9a2106ea782cbbb609460008797e8c4efd0b033becd0253fdaa3d0250", "0x2",
                    "0X5f0cb3d9a2106ea782cbbb609460008797e8c4efd0b033becd0253fdaa3d0250",
                    "0x5f0cb3d9a2106ea782cbbb609460008797e8c4efd0b033becd0253fdaa3d025",
                    "0x5f0cb3d9a2106ea782cbbb609460008797e8c4efd0b033becd0253fdaa3d02500",
                    "0x5f0cb3d9a2106ea782cbbb609460008797e8c4efd0b033becd0253fdaa3d025g",
                    " 0x5f0cb3d9a2106ea782cbbb609460008797e8c4efd0b033becd0253fdaa3d0250"] {
            #expect(throws: IotaRPCError.self, "\(bad)") { try IotaAddress(config: bad) }
        }
    }

    @Test func nodeShortFormsAreLeftPadded() throws {
        #expect(try IotaAddress(normalising: "0x2").text == "0x" + String(repeating: "0", count: 63) + "2")
        #expect(try IotaAddress(normalising: "0xABC").text.hasSuffix("0abc"))
        #expect(throws: IotaRPCError.self) { try IotaAddress(normalising: "0x") }
        #expect(throws: IotaRPCError.self) { try IotaAddress(normalising: "0x" + String(repeating: "1", count: 65)) }
        let long = String(repeating: "z", count: 5000)
        #expect(throws: IotaRPCError.invalidAddress(text: String(repeating: "z", count: 77) + "...", reason: "must start with 0x")) {
            try IotaAddress(normalising: long)
        }
    }

    @Test func coinTypesInShortAndLongForm() {
        #expect(CoinType.isIOTA("0x2::iota::IOTA"))
        #expect(CoinType.isIOTA("0x0000000000000000000000000000000000000000000000000000000000000002::iota::IOTA"))
        #expect(CoinType.isIOTA("0x02::iota::IOTA"))
        #expect(!CoinType.isIOTA("0x3::iota::IOTA"))
        #expect(!CoinType.isIOTA("0x2::iota::IOTAX"))
        #expect(!CoinType.isIOTA("0x2::Iota::IOTA"))
        #expect(!CoinType.isIOTA("0x2::coin::COIN<0x2::iota::IOTA>"))
        #expect(!CoinType.isIOTA("::iota::IOTA"))
    }

    @Test func chainIdentifiers() throws {
        #expect(IotaChain(configValue: "mainnet")?.identifier == "6364aad5")
        #expect(IotaChain(configValue: "testnet")?.identifier == "2304aa97")
        #expect(IotaChain(configValue: "any") == .any)
        #expect(IotaChain(configValue: "devnet") == nil)
        #expect(throws: IotaRPCError.wrongChain(expected: "6364aad5", got: "2304aa97")) {
            try IotaChain.mainnet.check("2304aa97")
        }
        try IotaChain.any.check("deadbeef")
    }
}
