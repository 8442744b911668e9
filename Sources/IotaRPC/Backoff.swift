import Ledger

/// When to ask the node next: every `baseMs` while it answers; after consecutive failures, a delay
/// whose ceiling doubles from `baseMs` up to `capMs`, drawn with "equal jitter" from
/// [max(base, ceiling/2), ceiling] so that many devices behind one failed node do not return in step,
/// and never sooner than the normal interval. Pure: time comes in as values, randomness from a seed.
public struct Backoff: Sendable {
    public let baseMs: Int64
    public let capMs: Int64
    /// Failures since the last success.
    public private(set) var consecutiveFailures = 0
    /// Monotonic ms of the next attempt; nil before the first outcome (attempt at once).
    public private(set) var scheduledMs: Int64? = nil
    private var random: SplitMix64

    /// `baseMs` is the poll interval; `seed` should differ between devices (e.g. time ^ pid).
    public init(baseMs: Int64, capMs: Int64 = 300_000, seed: UInt64) {
        self.baseMs = max(1, baseMs)
        self.capMs = max(self.baseMs, capMs)
        random = SplitMix64(seed: seed)
    }

    /// The upper bound of the delay after `consecutiveFailures` failures: base × 2^(n−1), capped.
    public var ceilingMs: Int64 {
        var ceiling = baseMs
        var doublings = consecutiveFailures - 1
        while doublings > 0 && ceiling < capMs {
            ceiling = ceiling > capMs / 2 ? capMs : ceiling * 2
            doublings -= 1
        }
        return min(ceiling, capMs)
    }

    /// The node answered: back to the normal interval.
    public mutating func recordSuccess(nowMs: Int64) {
        consecutiveFailures = 0
        scheduledMs = nowMs.addingSaturating(baseMs)
    }

    /// The node failed: wait a jittered, growing delay.
    public mutating func recordFailure(nowMs: Int64) {
        if consecutiveFailures < Int.max { consecutiveFailures += 1 }
        let ceiling = ceilingMs
        let floor = max(baseMs, ceiling / 2)
        let span = UInt64(ceiling - floor) + 1
        let delay = floor + Int64(random.next() % span)
        scheduledMs = nowMs.addingSaturating(delay)
    }

    /// Monotonic ms at which the next request should start (`nowMs` before any outcome).
    public func nextAttemptAt(nowMs: Int64) -> Int64 { scheduledMs ?? nowMs }
}

extension Int64 {
    /// Deadlines far in the future must not trap on overflow.
    func addingSaturating(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
