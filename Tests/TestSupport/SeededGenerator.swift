import Ledger

/// The package's SplitMix64 for property tests, so every failure replays from its seed, with the
/// draws the tests use.
public struct SeededGenerator: RandomNumberGenerator {
    private var random: SplitMix64

    public init(seed: UInt64) { random = SplitMix64(seed: seed) }

    public mutating func next() -> UInt64 { random.next() }

    /// Uniform enough in 0...bound (bound ≥ 0).
    public mutating func upTo(_ bound: Int64) -> Int64 { Int64(next() % (UInt64(bound) + 1)) }

    /// True `percent` times in a hundred.
    public mutating func chance(_ percent: UInt64) -> Bool { next() % 100 < percent }
}
