import Ledger
import Testing
@testable import Daemon

/// The relay and LED schedule with plain values: which lines change, and when an LED blinks.
@Suite struct CircuitOutputsTests {
    let credit = RelayDecision(relayOn: true, reason: .credit, led: .steady)
    let lowCredit = RelayDecision(relayOn: true, reason: .credit, led: .slowBlink)
    let noCredit = RelayDecision(relayOn: false, reason: .noCredit, led: .off)

    /// DESIGN §3.6: 1 Hz for low credit, emergency and friendly hours, 4 Hz for a fault.
    @Test func blinkingPatternsHaveTheirPeriods() {
        #expect(CircuitOutputs.halfPeriodMs(.slowBlink) == 500)
        #expect(CircuitOutputs.halfPeriodMs(.fastBlink) == 125)
        #expect(CircuitOutputs.halfPeriodMs(.steady) == nil)
        #expect(CircuitOutputs.halfPeriodMs(.off) == nil)
    }

    @Test func aDecisionDrivesOnlyTheLinesThatChange() {
        var o = CircuitOutputs()
        let step1 = o.apply(credit, nowMono: 0)
        #expect(step1 == .init(relay: true, led: true, relayChanged: true))
        #expect(o.relayOn && o.ledLit && o.nextBlinkMono == nil)
        let step2 = o.apply(credit, nowMono: 10)
        #expect(step2 == .init(relay: nil, led: nil, relayChanged: false))
        // Low credit: the relay stays, the LED starts blinking (lit now, so no LED write).
        let step3 = o.apply(lowCredit, nowMono: 20)
        #expect(step3 == .init(relay: nil, led: nil, relayChanged: false))
        #expect(o.nextBlinkMono == 520)
        let step4 = o.apply(noCredit, nowMono: 30)
        #expect(step4 == .init(relay: false, led: false, relayChanged: true))
        #expect(!o.relayOn && !o.ledLit && o.decision == noCredit)
    }

    /// A new reason with the relay as it was is logged, but drives nothing.
    @Test func aNewReasonIsLoggedWithoutDriving() {
        var o = CircuitOutputs()
        _ = o.apply(credit, nowMono: 0)
        let manual = RelayDecision(relayOn: true, reason: .manual, led: .steady)
        let step5 = o.apply(manual, nowMono: 1)
        #expect(step5 == .init(relay: nil, led: nil, relayChanged: true))
    }

    /// The first decision sets the LED even when its pattern is the one status already shows: a
    /// journal found damaged at start shows `journal-damaged` before the loop has driven anything.
    @Test func theFirstDecisionSetsTheLedEvenWhenThePatternIsUnchanged() {
        var o = CircuitOutputs(decision: .journalDamaged)
        #expect(o.decision == .journalDamaged && !o.ledLit)
        let step6 = o.apply(.journalDamaged, nowMono: 1_000)
        #expect(step6 == .init(relay: nil, led: true, relayChanged: false))
        #expect(o.nextBlinkMono == 1_125)
    }

    @Test func blinkingStaysOnItsGridAndRestartsAfterALongStall() {
        var o = CircuitOutputs()
        _ = o.apply(lowCredit, nowMono: 0)              // lit, first edge at 500
        let step7 = o.blink(nowMono: 499)
        #expect(step7 == nil)
        let step8 = o.blink(nowMono: 510)         // late by 10 ms: the next edge stays at 1000
        #expect(step8 == false)
        #expect(o.nextBlinkMono == 1_000)
        let step9 = o.blink(nowMono: 1_000)
        #expect(step9 == true)
        let step10 = o.blink(nowMono: 4_000)       // the loop stalled: a new grid, no catching up
        #expect(step10 == false)
        #expect(o.nextBlinkMono == 4_500)
        _ = o.apply(credit, nowMono: 4_100)             // steady: no more edges
        #expect(o.ledLit && o.nextBlinkMono == nil)
        let late = o.blink(nowMono: 10_000)
        #expect(late == nil)
    }

    @Test func releaseDrivesOffOnlyWhatIsOn() {
        var o = CircuitOutputs()
        let nothingOn = o.release()
        _ = o.apply(credit, nowMono: 0)
        let bothOn = o.release()
        let again = o.release()
        #expect(!nothingOn && bothOn && !again)
        #expect(!o.relayOn && !o.ledLit)
    }
}
