import Ledger
import Testing
@testable import IotaRPC

@Suite struct NodeReplyTests {
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
