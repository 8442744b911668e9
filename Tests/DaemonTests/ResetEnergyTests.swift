import Ledger
import Testing
@testable import Daemon

/// `reset-energy`'s steps with plain values: read and bill first, reset only at a billed reading.
@Suite struct ResetEnergyTests {
    /// A reset asked for by clients 7 and then 8 (the second joins the first).
    func asked() -> ResetEnergy {
        var reset = ResetEnergy()
        reset.request(by: 7)
        reset.request(by: 8)
        return reset
    }

    @Test func nothingIsUnderWayUntilAsked() {
        var reset = ResetEnergy()
        #expect(reset.step == nil)
        #expect(reset.readingTaken(counter: WattHours(5), billedCounter: WattHours(4), meter: "a") == .none)
        #expect(reset.readFailed(meter: "a", why: "timeout") == .none)
        #expect(reset.step == nil && reset.requesters.isEmpty)
    }

    @Test func aReadingBilledLetsTheResetGoOutAndItsEchoConfirmsIt() {
        var reset = asked()
        #expect(reset.step == .read && reset.requesters == [7, 8])
        #expect(reset.readingTaken(counter: WattHours(1_234), billedCounter: WattHours(1_234), meter: "a") == .none)
        #expect(reset.step == .reset)
        reset.resetSent()
        #expect(reset.step == nil)
        #expect(reset.resetAnswered(confirmed: true, meter: "a") == .confirmed([7, 8]))
        #expect(reset.requesters.isEmpty)
    }

    @Test func aReadingNotBilledRefusesTheResetWithTheReason() {
        var reset = asked()
        #expect(reset.readingTaken(counter: WattHours(1_234), billedCounter: WattHours(1_200), meter: "a")
                == .refuse([7, 8], .unavailable("a: not reset: the counter could not be read and billed first: the reading was not billed")))
        #expect(reset.step == nil && reset.requesters.isEmpty)
        // An account with no counter yet has billed nothing.
        reset.request(by: 9)
        #expect(reset.readingTaken(counter: WattHours(0), billedCounter: nil, meter: "a")
                == .refuse([9], .unavailable("a: not reset: the counter could not be read and billed first: the reading was not billed")))
    }

    @Test func aReadThatFailsRefusesTheResetWithItsCause() {
        var reset = asked()
        #expect(reset.readFailed(meter: "a", why: "no reply within 500 ms")
                == .refuse([7, 8], .unavailable("a: not reset: the counter could not be read and billed first: no reply within 500 ms")))
        #expect(reset.step == nil && reset.requesters.isEmpty)
    }

    @Test func aResetTheMeterRefusesOrDoesNotAnswerIsAnError() {
        var reset = asked()
        _ = reset.readingTaken(counter: WattHours(3), billedCounter: WattHours(3), meter: "a")
        reset.resetSent()
        #expect(reset.resetAnswered(confirmed: false, meter: "a") == .refuse([7, 8], .unavailable("a: the meter refused the reset")))
        #expect(reset.requesters.isEmpty)

        reset = asked()
        _ = reset.readingTaken(counter: WattHours(3), billedCounter: WattHours(3), meter: "a")
        reset.resetSent()
        #expect(reset.resetFailed(meter: "a", why: "CRC mismatch")
                == .refuse([7, 8], .unavailable("a: the meter did not confirm the reset: CRC mismatch")))
        // A failed reset is also a failed read of the meter, which has nothing more to refuse.
        #expect(reset.readFailed(meter: "a", why: "CRC mismatch") == .none)
    }

    /// While the reset is on the bus, a new request starts a read-then-reset of its own; it hears
    /// the answer in flight too (as the daemon always did).
    @Test func aRequestDuringTheResetJoinsItAndStartsNoOther() {
        var reset = asked()
        _ = reset.readingTaken(counter: WattHours(3), billedCounter: WattHours(3), meter: "a")
        reset.resetSent()
        reset.request(by: 9)
        #expect(reset.step == nil)                       // no second read-then-reset
        #expect(reset.resetAnswered(confirmed: true, meter: "a") == .confirmed([7, 8, 9]))
        #expect(reset.step == nil && reset.requesters.isEmpty)
        reset.request(by: 10)                            // after the answer: a new reset
        #expect(reset.step == .read)
    }

    @Test func aRequestDuringAResetThatFailsHearsTheFailure() {
        var reset = asked()
        _ = reset.readingTaken(counter: WattHours(3), billedCounter: WattHours(3), meter: "a")
        reset.resetSent()
        reset.request(by: 9)
        #expect(reset.resetFailed(meter: "a", why: "timeout")
                == .refuse([7, 8, 9], .unavailable("a: the meter did not confirm the reset: timeout")))
        reset.request(by: 10)
        #expect(reset.step == .read)
    }
}
