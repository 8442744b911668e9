/// A small, fast, seedable generator (Steele, Lea, Flood 2014), the one copy for the whole package:
/// the payment backoff's jitter, meter-sim's fault injection and the tests' seeded properties. They
/// need spread and replay from a seed, not secrecy, and Embedded Swift has no system generator to
/// lean on. In Ledger because it is the module everything that needs it already depends on.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
