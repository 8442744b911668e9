import Testing
import TestSupport
@testable import Ledger

/// The wall-clock type's arithmetic is checked: times come from journals and clocks, and an absurd
/// one must give nil (or saturate where the ledger says so), never trap the daemon.
@Suite struct WallClockMsTests {
    @Test func differencesAndEarlierInstants() {
        let t = WallClockMs(1_700_000_000_000)
        #expect(t.millis(since: WallClockMs(1_699_999_999_000)) == 1_000)
        #expect(WallClockMs(5).millis(since: WallClockMs(8)) == -3)
        #expect(t.subtracting(ms: 86_400_000) == WallClockMs(1_699_913_600_000))
        #expect(t.subtracting(ms: -1) == WallClockMs(1_700_000_000_001))
        #expect(WallClockMs(-5) < WallClockMs(0) && !(t < t) && t == 1_700_000_000_000)
    }

    @Test func overflowGivesNilNotATrap() {
        #expect(WallClockMs(Int64.max).millis(since: WallClockMs(-1)) == nil)
        #expect(WallClockMs(Int64.min).millis(since: WallClockMs(1)) == nil)
        #expect(WallClockMs(Int64.max).millis(since: WallClockMs(Int64.min)) == nil)
        #expect(WallClockMs(Int64.min).subtracting(ms: 1) == nil)
        #expect(WallClockMs(Int64.max).subtracting(ms: -1) == nil)
        #expect(WallClockMs(Int64.min).subtracting(ms: Int64.min) == WallClockMs(0))
        #expect(WallClockMs(Int64.max).millis(since: WallClockMs(0)) == Int64.max)
    }

    /// Where the ledger measures a span between journaled times it saturates: an absurd pair reads
    /// as a very long (or negative) time, decided by the rules like any other.
    @Test func theLedgersElapsedTimeSaturates() {
        #expect(elapsedMs(from: WallClockMs(Int64.min), to: WallClockMs(Int64.max)) == Int64.max)
        #expect(elapsedMs(from: WallClockMs(Int64.max), to: WallClockMs(Int64.min)) == Int64.min)
        #expect(elapsedMs(from: WallClockMs(10), to: WallClockMs(25)) == 15)
        // credit_left over a window that would start before the earliest time: no trap, an answer
        var usage = UsageHistory()
        usage.record(atMs: WallClockMs(Int64.min), billed: WattHours(0))
        usage.record(atMs: WallClockMs(Int64.min + 3_600_000), billed: WattHours(1000))
        #expect(usage.creditLeftSeconds(balance: Nanos(1_000), pricePerKWh: Nanos(1_000), billedNow: WattHours(1000),
                                        nowMs: WallClockMs(Int64.min + 3_600_000)) == 3_600)
    }
}
