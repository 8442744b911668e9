import Testing
@testable import Ledger

/// The jump limit's clock (issue 17, item 4): elapsed time comes from the boot clock within a boot,
/// from synchronised wall clocks across boots, and is otherwise unknown — never from a wall clock
/// that may have stepped. Plain values: the wall ms and the boot stamp are passed in.
@Suite struct ClockTests {
    static let hour: Int64 = 3_600_000
    static let otherBoot = BootID(high: 7, low: 7)

    /// 20 kW for 10 s is 55.6 Wh: real use, under the PZEM-004T's 23 kW.
    @Test func aWallClockSteppedBackWhileRunningDoesNotRejectRealUse() throws {
        var account = try makeAccount()
        let wall: Int64 = 1_800_000_000_000
        if case .journal(let e) = account.observe(counter: WattHours(1000), power: .zero, atMs: WallClockMs(wall), boot: boot(50_000)) {
            try account.apply(e)
        }
        // NTP steps the wall clock back an hour; the boot clock moves on by 10 s
        #expect(account.observe(counter: WattHours(1055), power: .zero, atMs: WallClockMs(wall - Self.hour + 10_000), boot: boot(60_000))
                == .billed(delta: WattHours(55)))
        // and the next one, measured from the stepped reading, too
        #expect(account.observe(counter: WattHours(1110), power: .zero, atMs: WallClockMs(wall - Self.hour + 20_000), boot: boot(70_000))
                == .billed(delta: WattHours(55)))
    }

    @Test func aRestartInTheSameBootWithTheWallClockAnHourBehindBillsRealUse() throws {
        var h = Harness(account: try makeAccount())
        try h.read(1000, atMs: 1_800_000_000_000)              // boot clock = wall ms in the harness
        try h.checkpoint()
        var restarted = try h.replayed()
        // 60 s later by the boot clock, an hour earlier by the wall clock: 300 Wh at 18 kW is real
        #expect(restarted.observe(counter: WattHours(1300), power: .zero, atMs: WallClockMs(1_800_000_000_000 - Self.hour),
                                  boot: boot(1_800_000_060_000)) == .billed(delta: WattHours(300)))
    }

    @Test func aWallClockSteppedForwardCannotMakeAnImpossibleJumpPlausible() throws {
        var h = Harness(account: try makeAccount())
        try h.read(1000, atMs: 0)
        // the wall clock says a day passed, the boot clock one second: 50 kWh is not physics
        #expect(h.account.observe(counter: WattHours(51_000), power: .zero, atMs: WallClockMs(24 * Self.hour), boot: boot(1000))
                == .journal(.counterJumpRejected(from: WattHours(1000), to: WattHours(51_000), atMs: WallClockMs(24 * Self.hour), boot: boot(1000))))
    }

    @Test func acrossABootSynchronisedWallClocksBoundTheJump() throws {
        var account = try makeAccount()
        if case .journal(let e) = account.observe(counter: WattHours(1000), power: .zero, atMs: 0, boot: boot(9_999_999, synchronised: true)) {
            try account.apply(e)
        }
        let later = BootStamp(id: Self.otherBoot, ms: 20_000, wallSynchronised: true)
        // ten minutes by two synchronised wall clocks: 23 kW × 10 min ≈ 3.8 kWh at most
        #expect(account.observe(counter: WattHours(4_000), power: .zero, atMs: 600_000, boot: later) == .billed(delta: WattHours(3_000)))
        var other = try makeAccount()
        if case .journal(let e) = other.observe(counter: WattHours(1000), power: .zero, atMs: 0, boot: boot(9_999_999, synchronised: true)) {
            try other.apply(e)
        }
        #expect(other.observe(counter: WattHours(9_000), power: .zero, atMs: 600_000, boot: later)
                == .journal(.counterJumpRejected(from: WattHours(1000), to: WattHours(9_000), atMs: 600_000, boot: later)))
    }

    @Test func acrossABootWithoutSynchronisedClocksElapsedTimeIsUnknownAndTheStepIsBilled() throws {
        for (thenSynchronised, nowSynchronised, nowWall) in [(false, true, Int64(600_000)), (true, false, 600_000),
                                                              (true, true, -Self.hour)] {
            var account = try makeAccount()
            if case .journal(let e) = account.observe(counter: WattHours(1000), power: .zero, atMs: 0,
                                                      boot: boot(5_000, synchronised: thenSynchronised)) {
                try account.apply(e)
            }
            let now = BootStamp(id: Self.otherBoot, ms: 20_000, wallSynchronised: nowSynchronised)
            #expect(account.observe(counter: WattHours(9_000), power: .zero, atMs: WallClockMs(nowWall), boot: now) == .billed(delta: WattHours(8_000)))
        }
    }

    @Test func elapsedTimeByTheRules() {
        let a = ReadingTime(wallMs: 1_000, boot: boot(10))
        #expect(ReadingTime(wallMs: -5_000, boot: boot(30)).elapsedMs(since: a) == 20)
        #expect(ReadingTime(wallMs: 9_000, boot: boot(5)).elapsedMs(since: a) == nil)       // a boot clock never goes back
        #expect(ReadingTime(wallMs: 9_000, boot: nil).elapsedMs(since: a) == nil)
        #expect(ReadingTime(wallMs: 9_000, boot: boot(20)).elapsedMs(since: ReadingTime(wallMs: 0, boot: nil)) == nil)
        let synced = ReadingTime(wallMs: 1_000, boot: boot(10, synchronised: true))
        let next = BootStamp(id: Self.otherBoot, ms: 1, wallSynchronised: true)
        #expect(ReadingTime(wallMs: 4_000, boot: next).elapsedMs(since: synced) == 3_000)
        #expect(ReadingTime(wallMs: WallClockMs(Int64.max), boot: boot(Int64.max)).elapsedMs(since: ReadingTime(wallMs: 0, boot: boot(Int64.min)))
                == Int64.max)                                                             // saturates
    }
}
