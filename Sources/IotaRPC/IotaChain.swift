/// The network the daemon insists on (`iota.chain`). A node on another chain is a node fault:
/// its transactions are not payments to us and nothing it says is credited.
public enum IotaChain: Equatable, Sendable {
    case mainnet
    case testnet
    /// Any chain (devnet, a local network): the identifier is still checked to be well-formed.
    case any

    /// The `iota.chain` config value: `mainnet`, `testnet` or `any`.
    public init?(configValue: String) {
        switch configValue {
        case "mainnet": self = .mainnet
        case "testnet": self = .testnet
        case "any": self = .any
        default: return nil
        }
    }

    /// The `iota.chain` config value, as the summary prints it.
    public var configValue: String {
        switch self {
        case .mainnet: return "mainnet"
        case .testnet: return "testnet"
        case .any: return "any"
        }
    }

    /// The first 4 bytes of the genesis checkpoint digest, in hex, as `iota_getChainIdentifier`
    /// returns it; nil for `.any`.
    public var identifier: String? {
        switch self {
        case .mainnet: return "6364aad5"
        case .testnet: return "2304aa97"
        case .any: return nil
        }
    }

    /// Throws `.wrongChain` unless the node's `identifier` is this network's.
    public func check(_ identifier: String) throws(IotaRPCError) {
        if let expected = self.identifier, identifier != expected {
            throw .wrongChain(expected: expected, got: identifier)
        }
    }
}
