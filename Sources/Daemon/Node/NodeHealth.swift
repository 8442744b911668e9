/// The node's line in `status`: `node ok|fault|off` (DESIGN §3.3).
/// `off` when no `iota.node` is configured; `fault` from a failed request (no reply, a non-200
/// status, an unusable reply, the wrong chain) until the next good reply; `ok` otherwise.
public enum NodeHealth: Equatable, Sendable {
    case off
    case ok
    case fault

    /// The state at start: `off` without a node, else `ok` until a request fails.
    public init(nodeConfigured: Bool) { self = nodeConfigured ? .ok : .off }

    /// A good reply arrived.
    public mutating func recordSuccess() { if self != .off { self = .ok } }

    /// A request failed or its reply was unusable.
    public mutating func recordFailure() { if self != .off { self = .fault } }

    /// The word in the status reply.
    public var statusWord: String {
        switch self {
        case .off: return "off"
        case .ok: return "ok"
        case .fault: return "fault"
        }
    }
}
