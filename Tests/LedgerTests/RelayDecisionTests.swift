import Testing
@testable import Ledger

/// Every relay reason, their precedence, and the LED pattern each one shows.
@Suite struct RelayDecisionTests {
    /// An account whose meter answered at `readAtMs`, with `credit` nanos and 100 Wh (25 000 000 nanos)
    /// low mark; no physical jump limit, so the tests may move the counter as they like.
    func account(credit: Int64 = 100_000_000, readAtMs: Int64? = 0,
                 _ configure: (inout AccountPolicy) -> Void = { _ in }) throws -> Harness {
        var h = Harness(account: try makeAccount {
            $0.physicalMaxPower = Deciwatts(Int64.max)
            configure(&$0)
        })
        if credit > 0 { try h.pay("0xcredit", credit) }
        if let readAtMs { try h.read(0, atMs: readAtMs) }
        return h
    }

    func inputs(_ nowMs: Int64 = 1000, minute: Int = 720, damaged: Bool = false, on: Bool = true) -> RelayInputs {
        RelayInputs(nowMs: WallClockMs(nowMs), minuteOfDay: minute, journalDamaged: damaged, relayIsOn: on)
    }

    @Test func creditClosesTheRelayAndTheLedWarnsBelowLowCredit() throws {
        var h = try account()
        #expect(h.account.decide(inputs()) == RelayDecision(relayOn: true, reason: .credit, led: .steady))
        try h.read(300, atMs: 500)                          // 75 000 000 nanos used, 25 000 000 left: not below
        #expect(h.account.decide(inputs()).led == .steady)
        try h.read(301, atMs: 800)
        #expect(h.account.decide(inputs()) == RelayDecision(relayOn: true, reason: .credit, led: .slowBlink))
        try h.read(400, atMs: 900)                          // balance exactly zero: credit has run out
        #expect(h.account.decide(inputs()) == RelayDecision(relayOn: false, reason: .noCredit, led: .off))
    }

    @Test func journalDamagedBeatsEverything() throws {
        var h = try account()
        try h.record([.relayOverride(.on, atMs: 0)])
        #expect(h.account.decide(inputs(damaged: true)) == .journalDamaged)
        #expect(RelayDecision.journalDamaged == RelayDecision(relayOn: false, reason: .journalDamaged, led: .fastBlink))
    }

    @Test func startingUntilTheMeterAnswersThenMeterFault() throws {
        var h = try account(readAtMs: nil)
        try h.record([.relayOverride(.on, atMs: 0)])        // not even a manual `on` before the first reading
        #expect(h.account.decide(inputs(9_999)) == RelayDecision(relayOn: false, reason: .starting, led: .off))
        #expect(h.account.decide(inputs(10_000)).reason == .manual)   // never answered: fault rules apply
        try h.record([.relayOverride(.auto, atMs: 0)])
        #expect(h.account.decide(inputs(10_000)) == RelayDecision(relayOn: false, reason: .meterFault, led: .fastBlink))
        try h.read(0, atMs: 10_500)
        #expect(h.account.decide(inputs(10_600)).reason == .credit)
    }

    @Test func manualOverrideBeatsMeterFaultOverloadAndCredit() throws {
        var h = try account(credit: 0) { $0.maxPower = Deciwatts(10) ; $0.maxPowerGraceMs = 0 }
        try h.read(0, atMs: 100, power: 11)                  // overload tripped, no credit
        try h.record([.relayOverride(.on, atMs: 0)])
        #expect(h.account.decide(inputs(60_000)) == RelayDecision(relayOn: true, reason: .manual, led: .slowBlink))
        try h.record([.relayOverride(.off, atMs: 0)])
        try h.pay("0xp", 1_000_000_000)
        #expect(h.account.decide(inputs(1000)) == RelayDecision(relayOn: false, reason: .manual, led: .off))
        try h.record([.relayOverride(.on, atMs: 0)])
        #expect(h.account.decide(inputs(1000)) == RelayDecision(relayOn: true, reason: .manual, led: .steady))
    }

    @Test func meterFaultAfterTheTimeoutBeatsOverloadAndCredit() throws {
        var h = try account(readAtMs: 5_000) { $0.meterFaultTimeoutMs = 2_000 }
        #expect(h.account.decide(inputs(6_999)).reason == .credit)
        #expect(h.account.decide(inputs(7_000)) == RelayDecision(relayOn: false, reason: .meterFault, led: .fastBlink))
        #expect(h.account.decide(inputs(Int64.min)).reason == .credit)   // a clock gone backwards is no fault
        h.account.policy.maxPower = Deciwatts(1)
        h.account.policy.maxPowerGraceMs = 0
        try h.read(0, atMs: 5_000, power: 2)                // tripped, and then the meter falls silent
        #expect(h.account.decide(inputs(6_999)).reason == .overload)
        #expect(h.account.decide(inputs(7_000)) == RelayDecision(relayOn: false, reason: .meterFault, led: .fastBlink))
        #expect(h.account.decide(inputs(Int64.max)).reason == .meterFault)
    }

    @Test func overloadTripsAfterGraceAndLatchesUntilAnAdminRelayCommand() throws {
        var h = try account { $0.maxPower = Deciwatts(20_000); $0.maxPowerGraceMs = 5_000 }
        try h.read(0, atMs: 1_000, power: 20_000)            // at the limit is not above it
        try h.read(0, atMs: 2_000, power: 20_001)
        try h.read(0, atMs: 6_999, power: 25_000)
        #expect(h.account.decide(inputs(7_000)).reason == .credit)
        try h.read(0, atMs: 3_000_000, power: 100)           // a dip resets the grace
        try h.read(0, atMs: 3_001_000, power: 20_001)
        try h.read(0, atMs: 3_005_999, power: 20_001)
        #expect(!h.account.overloadTripped)
        try h.read(0, atMs: 3_006_000, power: 20_001)
        #expect(h.account.decide(inputs(3_006_000)) == RelayDecision(relayOn: false, reason: .overload, led: .fastBlink))
        try h.read(0, atMs: 3_007_000, power: 0)             // the relay opened: power falls, the trip stays
        try h.pay("0xmore", 1_000_000_000)                   // a top-up does not reset a trip either
        #expect(h.account.decide(inputs(3_008_000)).reason == .overload)
        try h.record([.relayOverride(.auto, atMs: 3_009_000)])
        #expect(h.account.decide(inputs(3_009_000)).reason == .credit)
    }

    @Test func noPowerLimitMeansNoOverload() throws {
        var h = try account()
        try h.read(0, atMs: 1_000, power: Int64.max)
        try h.read(0, atMs: Int64.max, power: Int64.max)
        #expect(!h.account.overloadTripped)
    }

    @Test func emergencyCreditKeepsTheRelayOnUntilUsedUp() throws {
        var h = try account(credit: 1_000_000) { $0.emergencyCredit = Nanos(500_000) }
        try h.read(4, atMs: 1_000)                           // balance 0
        #expect(h.account.decide(inputs()).reason == .noCredit)   // until the grant is journaled
        try h.record(h.account.withCheckpoint(try #require(h.account.emergencyEvent(atMs: 1_000))))
        #expect(h.account.decide(inputs()) == RelayDecision(relayOn: true, reason: .emergency, led: .slowBlink))
        try h.read(5, atMs: 2_000)                           // −250 000 > −500 000
        #expect(h.account.decide(inputs()).reason == .emergency)
        try h.read(6, atMs: 3_000)                           // −500 000: used up
        #expect(h.account.decide(inputs()) == RelayDecision(relayOn: false, reason: .noCredit, led: .off))
    }

    @Test func emergencyBeatsFriendlyHours() throws {
        var h = try account(credit: 1_000_000) {
            $0.emergencyCredit = Nanos(500_000)
            $0.friendlyHours = try? FriendlyHours.parse("20:00-08:00")
        }
        try h.read(4, atMs: 1_000)
        try h.record([try #require(h.account.emergencyEvent(atMs: 1_000))])
        #expect(h.account.decide(inputs(minute: 23 * 60)).reason == .emergency)
        try h.read(10, atMs: 2_000)
        #expect(h.account.decide(inputs(minute: 23 * 60)).reason == .friendlyHours)
    }

    @Test func friendlyHoursKeepAClosedRelayClosedAcrossMidnight() throws {
        var h = try account(credit: 1_000_000) { $0.friendlyHours = try? FriendlyHours.parse("20:00-08:00") }
        try h.read(100, atMs: 1_000)                         // deep in debt
        let friendly = RelayDecision(relayOn: true, reason: .friendlyHours, led: .slowBlink)
        for minute in [20 * 60, 23 * 60 + 59, 0, 7 * 60 + 59] {
            #expect(h.account.decide(inputs(minute: minute, on: true)) == friendly)
        }
        #expect(h.account.decide(inputs(minute: 8 * 60, on: true)).reason == .noCredit)
        #expect(h.account.decide(inputs(minute: 19 * 60 + 59, on: true)).reason == .noCredit)
        // An open relay is not closed by friendly hours: no credit never starts drawing.
        #expect(h.account.decide(inputs(minute: 23 * 60, on: false)).reason == .noCredit)
    }

    @Test func everyReasonHasTheContractsText() {
        let texts = [RelayReason.credit, .emergency, .noCredit, .friendlyHours, .overload, .meterFault, .manual,
                     .journalDamaged, .starting].map(\.rawValue)
        #expect(texts == ["credit", "emergency", "no-credit", "friendly-hours", "overload", "meter-fault", "manual",
                          "journal-damaged", "starting"])
    }
}
