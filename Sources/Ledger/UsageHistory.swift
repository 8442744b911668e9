/// Billed energy over time, for `credit_left_s` (DESIGN §3.3): how long the balance lasts at the
/// average power of the last 24 h. Fed only by journaled consumption checkpoints (and a snapshot's
/// time and total), so replaying the journal after a restart rebuilds it, and it adds no record:
/// the SD card's write budget is untouched. Bounded: one sample per `spacingMs`, none kept older
/// than the one that opens the window.
public struct UsageHistory: Equatable, Sendable {
    /// (when, billed energy then), oldest first.
    public private(set) var samples: [(atMs: WallClockMs, billed: WattHours)] = []

    /// The averaging window.
    public static let windowMs: Int64 = 24 * 3_600_000
    /// Less history than this: the average says too little (`unknown`).
    public static let minimumMs: Int64 = 3_600_000
    /// Samples closer than this to the previous one are not kept (a checkpoint comes every minute).
    public static let spacingMs: Int64 = 10 * 60_000

    public init() {}

    public static func == (a: UsageHistory, b: UsageHistory) -> Bool {
        a.samples.count == b.samples.count
            && zip(a.samples, b.samples).allSatisfy { $0.atMs == $1.atMs && $0.billed == $1.billed }
    }

    /// Notes that `billed` Wh had been billed at `atMs`. Out-of-order times (a clock set back)
    /// restart the history rather than give a negative span.
    public mutating func record(atMs: WallClockMs, billed: WattHours) {
        if let last = samples.last {
            if atMs < last.atMs || billed < last.billed {
                samples.removeAll()
            } else if atMs.millis(since: last.atMs) < Self.spacingMs {
                return
            }
        }
        samples.append((atMs, billed))
        // Keep the newest sample at or before the window's start: it opens the window.
        let windowStart = Self.windowStart(before: atMs)
        var drop = 0
        while drop + 1 < samples.count && samples[drop + 1].atMs <= windowStart { drop += 1 }
        if drop > 0 { samples.removeFirst(drop) }
    }

    /// Seconds until `balance` reaches zero at `pricePerKWh` and the average power from the window's
    /// first sample to (`nowMs`, `billedNow`). nil (`unknown`): under an hour of history, no energy
    /// used in it (no load), a free tariff, or times out of order. 0 when the balance is gone.
    public func creditLeftSeconds(balance: Nanos, pricePerKWh: Nanos, billedNow: WattHours, nowMs: WallClockMs) -> Int64? {
        let windowStart = Self.windowStart(before: nowMs)
        guard let first = samples.last(where: { $0.atMs <= windowStart }) ?? samples.first else { return nil }
        let spanMs = nowMs.millis(since: first.atMs)
        let (usedWh, usedOverflow) = billedNow.value.subtractingReportingOverflow(first.billed.value)
        guard !usedOverflow else { return nil }
        guard spanMs >= Self.minimumMs, usedWh > 0, pricePerKWh.value > 0 else { return nil }
        guard balance.value > 0 else { return 0 }
        // balance / (price × used / 1000 per span) in ms, /1000 for seconds: balance × span / (price × used).
        let seconds = Int128(balance.value) * Int128(spanMs) / (Int128(pricePerKWh.value) * Int128(usedWh))
        return seconds > Int128(Int64.max) ? Int64.max : Int64(seconds)
    }

    /// The window's start for a window ending at `time`; times come from the journal, so an absurd
    /// one saturates instead of trapping.
    private static func windowStart(before time: WallClockMs) -> WallClockMs {
        time.subtracting(ms: windowMs)
    }
}
