import Control

/// How the node's `status` word follows request outcomes: `off` without a node, else `ok` until
/// a request fails, `fault` from a failure (no reply, non-200, unusable reply, wrong chain)
/// until the next good reply.
extension NodeHealth {
    public init(nodeConfigured: Bool) { self = nodeConfigured ? .ok : .off }

    public mutating func recordSuccess() { if self != .off { self = .ok } }

    public mutating func recordFailure() { if self != .off { self = .fault } }
}
