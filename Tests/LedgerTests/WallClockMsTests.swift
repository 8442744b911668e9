import Testing
import TestSupport
@testable import Ledger

/// The wall-clock type's arithmetic is checked and saturates, as every span the ledger measures
/// between journaled times does: an absurd time reads as a very long span, never a trap.
@Suite struct WallClockMsTests {
    @Test func differencesAndEarlierInstants() {
        let t = WallClockMs(1_700_000_000_000)
        #expect(t.millis(since: WallClockMs(1_699_999_999_000)) == 1_000)
        #expect(WallClockMs(5).millis(since: WallClockMs(8)) == -3)
        #expect(t.subtracting(ms: 86_400_000) == WallClockMs(1_699_913_600_000))
        #expect(t.subtracting(ms: -1) == WallClockMs(1_700_000_000_001))
        #expect(WallClockMs(-5) < WallClockMs(0) && !(t < t) && t == 1_700_000_000_000)
    }

    @Test func overflowSaturatesInsteadOfTrapping() {
        #expect(WallClockMs(Int64.max).millis(since: WallClockMs(-1)) == Int64.max)
        #expect(WallClockMs(Int64.max).millis(since: WallClockMs(Int64.min)) == Int64.max)
        #expect(WallClockMs(Int64.min).millis(since: WallClockMs(1)) == Int64.min)
        #expect(WallClockMs(Int64.min).millis(since: WallClockMs(Int64.max)) == Int64.min)
        #expect(WallClockMs(Int64.max).millis(since: WallClockMs(0)) == Int64.max)   // fits exactly
        #expect(WallClockMs(Int64.min).subtracting(ms: 1) == WallClockMs(Int64.min))
        #expect(WallClockMs(0).subtracting(ms: Int64.min) == WallClockMs(Int64.max))
        #expect(WallClockMs(Int64.max).subtracting(ms: -1) == WallClockMs(Int64.max))
        #expect(WallClockMs(Int64.min).subtracting(ms: Int64.min) == WallClockMs(0))  // fits exactly
    }

    /// The ledger's rules on absurd journaled times: answers, not traps.
    @Test func theLedgerDecidesOnAbsurdTimes() throws {
        // credit_left over a window that would start before the earliest time
        var usage = UsageHistory()
        usage.record(atMs: WallClockMs(Int64.min), billed: WattHours(0))
        usage.record(atMs: WallClockMs(Int64.min + 3_600_000), billed: WattHours(1000))
        #expect(usage.creditLeftSeconds(balance: Nanos(1_000), pricePerKWh: Nanos(1_000), billedNow: WattHours(1000),
                                        nowMs: WallClockMs(Int64.min + 3_600_000)) == 3_600)
        // a meter last read at the earliest time, asked at the latest: silent for "ever", a fault
        var policy = AccountPolicy(tariff: Tariff(pricePerKWh: Nanos(1)))
        policy.meterFaultTimeoutMs = 10_000
        let account = try Account(state: AccountState(tariff: policy.tariff), policy: policy, startedAtMs: WallClockMs(Int64.min))
        let inputs = RelayInputs(nowMs: WallClockMs(Int64.max), minuteOfDay: 0, journalDamaged: false, relayIsOn: false)
        #expect(account.decide(inputs).reason == .meterFault)
    }
}
