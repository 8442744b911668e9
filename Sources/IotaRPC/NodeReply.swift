/// Decoders for the small replies of the node's health check: height and chain identifier.
public enum NodeReply {
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

