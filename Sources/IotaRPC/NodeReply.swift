import Ledger

/// Decoders for the small replies: balance, height and chain identifier.
public enum NodeReply {
    /// The reply to `RPCRequest.getBalance`: the address's IOTA balance. The wire type is u128;
    /// anything above Int64 nanos (twice the total supply) is refused, not wrapped.
    public static func balance(_ body: [UInt8], id: Int64) throws(IotaRPCError) -> Nanos {
        let result = try ReplyFields(RPCEnvelope.result(body, id: id), path: "result").object()
        let coinType = try result.require("coinType")
        guard CoinType.isIOTA(try coinType.string()) else { throw coinType.fail("expected the IOTA coin type") }
        return Nanos(Int64(try result.require("totalBalance").unsignedString(max: Int128(Int64.max))))
    }

    /// The reply to `RPCRequest.latestCheckpoint`: the node's latest executed checkpoint.
    public static func latestCheckpoint(_ body: [UInt8], id: Int64) throws(IotaRPCError) -> UInt64 {
        let result = ReplyFields(try RPCEnvelope.result(body, id: id), path: "result")
        return UInt64(try result.unsignedString(max: Int128(UInt64.max)))
    }

    /// The reply to `RPCRequest.chainIdentifier`: 8 lowercase hex digits, checked against `chain`.
    public static func chainIdentifier(_ body: [UInt8], id: Int64, chain: IotaChain) throws(IotaRPCError) -> String {
        let result = ReplyFields(try RPCEnvelope.result(body, id: id), path: "result")
        try chain.verify(result)
        return try result.string()
    }
}

