import Ledger
import Testing
@testable import IotaRPC

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
