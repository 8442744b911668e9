import Ledger

/// Decides, reproducibly from a seed, which replies to drop, corrupt, prefix with garbage or delay.
struct FaultInjector {
    var dropPPM: UInt32
    var corruptPPM: UInt32
    var garbagePPM: UInt32
    var delayPPM: UInt32
    var delayMicros: Int64
    private var random: SplitMix64

    init(options: SimOptions, seed: UInt64) {
        dropPPM = options.dropPPM
        corruptPPM = options.corruptPPM
        garbagePPM = options.garbagePPM
        delayPPM = options.delayMillis > 0 ? options.delayPPM : 0
        delayMicros = options.delayMillis * 1000
        random = SplitMix64(seed: seed)
    }

    mutating func next() -> UInt64 { random.next() }

    /// True with probability `ppm` / 10^6.
    mutating func happens(_ ppm: UInt32) -> Bool {
        ppm > 0 && next() % 1_000_000 < UInt64(ppm)
    }

    /// A uniformly drawn value in 0..<bound (bound > 0).
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// Flips one bit of one byte: a single-bit error always breaks a CRC-16.
    mutating func corrupt(_ frame: inout [UInt8]) {
        guard !frame.isEmpty else { return }
        frame[below(frame.count)] ^= UInt8(1) << UInt8(below(8))
    }

    /// 1–8 random bytes, as line noise before a reply.
    mutating func garbage() -> [UInt8] {
        (0..<(1 + below(8))).map { _ in UInt8(truncatingIfNeeded: next()) }
    }
}
