/// The JSON-RPC 2.0 reply envelope: `{"jsonrpc":"2.0","result":…,"id":N}` or
/// `{"jsonrpc":"2.0","error":{"code":…,"message":…},"id":N|null}`.
enum RPCEnvelope {
    /// The `result` of a reply to request `id`, or the error object turned into a typed error.
    /// Error objects may carry `id: null` (throttling and batch errors are not tied to a request).
    static func result(_ body: [UInt8], id: Int64) throws(IotaRPCError) -> JSONValue {
        let reply = try JSONReader.parse(body)
        guard case .object = reply else { throw .malformedReply(path: "reply", reason: "expected an object, got \(reply.kindName)") }
        guard reply["jsonrpc"]?.stringValue == "2.0" else {
            throw .malformedReply(path: "jsonrpc", reason: "expected \"2.0\"")
        }
        if let error = reply["error"] {
            try checkID(reply["id"], id: id, nullAllowed: true)
            throw typedError(error)
        }
        try checkID(reply["id"], id: id, nullAllowed: false)
        guard let result = reply["result"] else {
            throw .malformedReply(path: "reply", reason: "neither result nor error")
        }
        return result
    }

    static func checkID(_ value: JSONValue?, id: Int64, nullAllowed: Bool) throws(IotaRPCError) {
        guard let value else { throw .malformedReply(path: "id", reason: "missing") }
        if value.isNull && nullAllowed { return }
        guard value.int64Value == id else {
            let got: String
            switch value {
            case .number(let text): got = IotaAddress.excerpt(text)
            case .string(let text): got = "\"" + IotaAddress.excerpt(text) + "\""
            default: got = value.kindName
            }
            throw .idMismatch(expected: id, got: got)
        }
    }

    static func typedError(_ error: JSONValue) -> IotaRPCError {
        guard let code = error["code"]?.int64Value else {
            return .malformedReply(path: "error.code", reason: "expected an integer")
        }
        guard let message = error["message"]?.stringValue else {
            return .malformedReply(path: "error.message", reason: "expected a string")
        }
        let shortMessage = IotaAddress.excerpt(message, limit: 200)
        switch code {
        case -32009:
            return .throttled(message: shortMessage)
        case -32601:
            return .jsonRPCNotServed(detail: "-32601 " + shortMessage)
        default:
            return .nodeError(code: code, message: shortMessage)
        }
    }
}
