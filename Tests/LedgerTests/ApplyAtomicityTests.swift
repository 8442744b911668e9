import Testing
import TestSupport
@testable import Ledger

/// `AccountState.apply` hands its digest set and recent payments to the working copy (no
/// copy-on-write per payment); a refused event must still leave the state, both included, exactly
/// as it was.
@Suite struct ApplyAtomicityTests {
    @Test func aRefusedEventLeavesTheDigestsAndEverythingElseUnchanged() throws {
        var state = AccountState(tariff: Tariff(pricePerKWh: Nanos(250_000_000)))
        for i in 0..<100 {
            try state.apply(.paymentCredited(Payment(digest: txDigest("digest\(i)"), amount: Nanos(1_000), checkpoint: UInt64(i),
                                                     timestampMs: WallClockMs(Int64(i)))))
        }
        let before = state
        #expect(throws: LedgerError.self) {
            try state.apply(.paymentCredited(Payment(digest: txDigest("refused"), amount: Nanos(0), checkpoint: 1, timestampMs: 1)))
        }
        #expect(state == before)
        #expect(state.creditedDigests.count == 100 && !state.creditedDigests.contains(txDigest("refused")))
        #expect(throws: LedgerError.self) {
            try state.apply(.paymentCredited(Payment(digest: txDigest("big"), amount: Nanos(Int64.max), checkpoint: 1, timestampMs: 1)))
        }
        #expect(state == before)
    }

    /// A credit refused at its last check (here: billing before the tariff segment start, which only
    /// a damaged journal could describe) must not keep the payment among the recent ones.
    @Test func aCreditRefusedAfterItsAmountWasAddedLeavesTheRecentPaymentsUnchanged() throws {
        var state = AccountState(tariff: Tariff(pricePerKWh: Nanos(250_000_000)))
        try state.apply(.manualCredit(amount: Nanos(7), note: "first", atMs: 1))
        state.segmentStart = WattHours(10)
        let before = state
        #expect(throws: LedgerError.self) {
            try state.apply(.manualCredit(amount: Nanos(5), note: "refused", atMs: 2))
        }
        #expect(state == before)
        #expect(state.recentPayments.count == 1 && state.credited == Nanos(7))
    }

    /// A checkpoint is applied in place, without the working copy: a refused one must change nothing.
    @Test func aRefusedCheckpointLeavesTheStateUnchanged() throws {
        var state = AccountState(tariff: Tariff(pricePerKWh: Nanos(250_000_000)))
        try state.apply(.counterCheckpoint(counter: WattHours(100), atMs: 1, boot: nil))
        try state.apply(.counterCheckpoint(counter: WattHours(105), atMs: 2, boot: nil))
        let before = state
        #expect(throws: LedgerError.self) {        // behind the billed counter
            try state.apply(.counterCheckpoint(counter: WattHours(50), atMs: 3, boot: nil))
        }
        #expect(state == before)
        state.billed = WattHours(Int64.max)
        let full = state
        #expect(throws: LedgerError.self) {        // the billed total would overflow
            try state.apply(.counterCheckpoint(counter: WattHours(106), atMs: 4, boot: nil))
        }
        #expect(state == full && state.billed == WattHours(Int64.max) && state.counter == WattHours(105))
    }
}

