import Testing
@testable import Ledger

private let hour: Int64 = 3_600_000
private let minute: Int64 = 60_000

/// `credit_left_s`: the balance over the last 24 h's average cost rate, from journaled checkpoints.
@Suite struct CreditLeftTests {
    /// 1 kW for `hours` hours, a checkpoint every minute, as the daemon journals them.
    private func harness(hours: Int64, watts: Int64 = 1000, credit: Int64 = 1_000_000_000) throws -> Harness {
        var h = Harness(account: try makeAccount())
        try h.read(0, atMs: 0)                                   // the baseline checkpoint
        try h.pay("d1", credit)
        for m in 1...(hours * 60) {
            try h.read(watts * m / 60, atMs: m * minute, power: watts * 10)
            try h.checkpoint()
        }
        return h
    }

    @Test func unknownBeforeAnHourOfHistory() throws {
        var h = Harness(account: try makeAccount())
        try h.read(0, atMs: 0)
        try h.pay("d1", 1_000_000_000)
        for m in 1...59 {
            try h.read(1000 * Int64(m) / 60, atMs: Int64(m) * minute, power: 10_000)
            try h.checkpoint()
        }
        #expect(h.account.creditLeftSeconds(nowMs: WallClockMs(59 * minute)) == nil)
        try h.read(1000, atMs: hour, power: 10_000)
        // 1 IOTA at 0.25 IOTA/kWh is 4 kWh; 1 kWh is billed; 3 kWh left at 1 kW: 3 h.
        #expect(h.account.creditLeftSeconds(nowMs: WallClockMs(hour)) == Int64(3 * 3600))
    }

    @Test func averagesTheLastDayNotEverything() throws {
        // 30 h at 1 kW (7.5 IOTA), then 0.5 kW would be another story; here the day's average decides.
        var h = try harness(hours: 30, credit: 10_000_000_000)
        // 10 IOTA = 40 kWh; 30 kWh used; 10 kWh at 1 kW = 36 000 s.
        #expect(h.account.creditLeftSeconds(nowMs: WallClockMs(30 * hour)) == 36_000)
        // Six hours without load: the day's average falls to 18/24 kW.
        for m in 1...360 { try h.read(30_000, atMs: 30 * hour + Int64(m) * minute); try h.checkpoint() }
        let left = try #require(h.account.creditLeftSeconds(nowMs: WallClockMs(36 * hour)))
        #expect(left >= 47_000 && left <= 48_500)                // 10 kWh at ~0.75 kW ≈ 48 000 s
        #expect(h.account.usage.samples.count <= 24 * 6 + 2)     // bounded: one per 10 min in the window
    }

    @Test func unknownWithNoLoadOrFreeEnergyAndZeroWhenSpent() throws {
        var idle = Harness(account: try makeAccount())
        try idle.read(500, atMs: 0)
        for m in 1...120 { try idle.read(500, atMs: Int64(m) * minute); try idle.checkpoint() }
        #expect(idle.account.creditLeftSeconds(nowMs: WallClockMs(2 * hour)) == nil)
        var spent = try harness(hours: 2, credit: 100_000_000)        // 0.1 IOTA = 400 Wh, 2 kWh used
        #expect(spent.account.balance.value < 0)
        #expect(spent.account.creditLeftSeconds(nowMs: WallClockMs(2 * hour)) == 0)
        try spent.record([.tariffChanged(pricePerKWh: .zero, atMs: WallClockMs(2 * hour))])
        #expect(spent.account.creditLeftSeconds(nowMs: WallClockMs(2 * hour)) == nil)
    }

    @Test func replayRebuildsTheSameFigure() throws {
        let h = try harness(hours: 5, credit: 3_000_000_000)
        let replayed = try h.replayed()
        #expect(replayed.usage == h.account.usage)
        #expect(replayed.creditLeftSeconds(nowMs: WallClockMs(5 * hour)) == h.account.creditLeftSeconds(nowMs: WallClockMs(5 * hour)))
        #expect(h.account.creditLeftSeconds(nowMs: WallClockMs(5 * hour)) == Int64(7 * 3600))   // 12 kWh − 5 kWh at 1 kW
    }

    @Test func aClockSetBackRestartsTheHistory() {
        var usage = UsageHistory()
        usage.record(atMs: WallClockMs(10 * hour), billed: WattHours(100))
        usage.record(atMs: WallClockMs(12 * hour), billed: WattHours(300))
        usage.record(atMs: WallClockMs(1 * hour), billed: WattHours(400))
        #expect(usage.samples.count == 1)
        #expect(usage.creditLeftSeconds(balance: Nanos(1), pricePerKWh: Nanos(1), billedNow: WattHours(500), nowMs: WallClockMs(90 * minute)) == nil)
    }

    @Test func absurdJournaledTimesNeitherTrapNorGiveAFigure() {
        // Times come from the journal: the fuzzer found Int64.min after a large time trapping.
        var history = UsageHistory()
        history.record(atMs: WallClockMs(Int64.max), billed: WattHours(5))
        history.record(atMs: WallClockMs(Int64.max), billed: WattHours(Int64.max))
        var back = UsageHistory()
        back.record(atMs: WallClockMs(Int64.min), billed: .zero)
        back.record(atMs: WallClockMs(Int64.max), billed: WattHours(Int64.max))
        back.record(atMs: WallClockMs(Int64.min + 1), billed: WattHours(1))
        #expect(back.samples.count == 1)
        #expect(history.creditLeftSeconds(balance: Nanos(1), pricePerKWh: Nanos(1), billedNow: WattHours(Int64.min),
                                          nowMs: WallClockMs(Int64.min)) == nil)
        var wide = UsageHistory()
        wide.record(atMs: WallClockMs(Int64.min), billed: .zero)
        #expect(wide.creditLeftSeconds(balance: Nanos(1), pricePerKWh: Nanos(1), billedNow: WattHours(1),
                                       nowMs: WallClockMs(Int64.max)) != nil)
    }

    @Test func aFloatCounterStepIsNotAJump() throws {
        // An SDM's float32 kWh counter above 65 536 kWh moves in 7.8 Wh steps: with its resolution
        // as slack, a step after one second at low power is billed, not rejected.
        var account = try makeAccount { $0.physicalMaxPower = Deciwatts(100) }
        _ = account.observe(counter: WattHours(100_000_000), power: .zero, atMs: 0, boot: boot(0))
        try account.apply(.counterCheckpoint(counter: WattHours(100_000_000), atMs: 0, boot: boot(0)))
        #expect(account.observe(counter: WattHours(100_000_008), power: Deciwatts(100), atMs: 1000, boot: boot(1000), resolution: WattHours(9))
                == .billed(delta: WattHours(8)))
        var strict = try makeAccount { $0.physicalMaxPower = Deciwatts(100) }
        try strict.apply(.counterCheckpoint(counter: WattHours(100_000_000), atMs: 0, boot: boot(0)))
        guard case .journal(.counterJumpRejected) = strict.observe(counter: WattHours(100_000_008), power: Deciwatts(100), atMs: 1000, boot: boot(1000)) else {
            Issue.record("a PZEM-like 1 Wh resolution should reject 8 Wh in a second at 10 W")
            return
        }
    }
}
