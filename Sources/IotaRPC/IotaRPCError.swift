/// Every way a node reply, a request input or an address can be refused. Rendered to text once,
/// by `message`, where the daemon logs it or reports `node fault`.
public enum IotaRPCError: Error, Equatable, Sendable {
    /// The bytes are not one RFC 8259 JSON text within the reader's limits; `offset` is the byte
    /// where reading stopped.
    case invalidJSON(offset: Int, reason: String)
    /// Valid JSON, but not the shape the method documents: a field missing, of the wrong type or
    /// out of range. `path` names the field (`result.data[3].checkpoint`).
    case malformedReply(path: String, reason: String)
    /// The reply's `id` is not the one we sent (a proxy mixing replies up, or a stale connection).
    case idMismatch(expected: Int64, got: String)
    /// A GraphQL reply with an `errors` array: the whole reply is refused (`first` is the first
    /// entry's message and `extensions.code`).
    case graphQLErrors(count: Int, first: String)
    /// `-32601` or HTTP 404/405/410 from a JSON-RPC endpoint: it no longer serves JSON-RPC.
    case jsonRPCNotServed(detail: String)
    /// `-32009`: the node's traffic controller is throttling us; back off.
    case throttled(message: String)
    /// Any other JSON-RPC error object.
    case nodeError(code: Int64, message: String)
    /// The node serves another chain than the configured one: a node fault, nothing is credited.
    case wrongChain(expected: String, got: String)
    /// An address text that is not `0x` + hex digits (config value or node field).
    case invalidAddress(text: String, reason: String)

    public var message: String {
        switch self {
        case .invalidJSON(let offset, let reason): return "invalid JSON at byte \(offset): \(reason)"
        case .malformedReply(let path, let reason): return "malformed reply: \(path): \(reason)"
        case .idMismatch(let expected, let got): return "reply id \(got) does not match request id \(expected)"
        case .graphQLErrors(_, let first): return "GraphQL error: " + IotaAddress.excerpt(first, limit: 200)
        case .jsonRPCNotServed(let detail): return "this endpoint no longer serves JSON-RPC (\(detail))"
        case .throttled(let message): return "node is throttling requests (-32009): \(message)"
        case .nodeError(let code, let message): return "node error \(code): \(message)"
        case .wrongChain(let expected, let got): return "node is on chain \(got), expected \(expected)"
        case .invalidAddress(let text, let reason): return "invalid IOTA address '\(text)': \(reason)"
        }
    }
}
