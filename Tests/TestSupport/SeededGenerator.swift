/// SplitMix64: a tiny seeded generator for property tests, so every failure replays from its seed.
/// One copy for every test target (meter-sim and the daemon's backoff keep their own: product code
/// does not depend on test code).
public struct SeededGenerator: RandomNumberGenerator {
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform enough in 0...bound (bound ≥ 0).
    public mutating func upTo(_ bound: Int64) -> Int64 { Int64(next() % (UInt64(bound) + 1)) }

    /// True `percent` times in a hundred.
    public mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }
}
