import Testing
import TestSupport
@testable import Ledger

@Suite struct ScanCommitTests {
    let address = "0x" + String(repeating: "5f", count: 32)

    func account() throws -> Account {
        try Account(state: AccountState(tariff: Tariff(pricePerKWh: Nanos(1))), policy: AccountPolicy(tariff: Tariff(pricePerKWh: Nanos(1))),
                    startedAtMs: 0)
    }

    func payment(_ digest: String, _ amount: Int64) -> Payment {
        Payment(digest: txDigest(digest), amount: Nanos(amount), checkpoint: 7, timestampMs: 1)
    }

    @Test func creditsAndTheWatermarkGoInOneCommit() throws {
        let a = try account()
        let (events, refused) = a.scanEvents(payments: [payment("d1", 5), payment("d2", 6)], address: address,
                                             watermark: 12, creditedBy: { _ in nil })
        #expect(events == [.paymentCredited(payment("d1", 5)), .paymentCredited(payment("d2", 6)),
                           .paymentWatermark(address: address, checkpoint: 12)])
        #expect(refused.isEmpty)
    }

    /// Two meters' addresses swapped and restarted: the payment one meter credited is not credited
    /// to the other.
    @Test func aDigestAnotherMeterCreditedIsRefused() throws {
        let a = try account()
        let (events, refused) = a.scanEvents(payments: [payment("d1", 5), payment("d2", 6)], address: address, watermark: 12,
                                             creditedBy: { $0 == txDigest("d1") ? "flat-2" : nil })
        #expect(events == [.paymentCredited(payment("d2", 6)), .paymentWatermark(address: address, checkpoint: 12)])
        #expect(refused.map(\.1) == ["already credited to meter flat-2"])
    }

    @Test func aCreditTheTotalsCannotHoldCostsItselfAlone() throws {
        var a = try account()
        try a.apply(.paymentCredited(payment("big", Int64.max - 10)))
        let (events, refused) = a.scanEvents(payments: [payment("over", 11), payment("fits", 10)], address: address,
                                             watermark: 3, creditedBy: { _ in nil })
        #expect(events == [.paymentCredited(payment("fits", 10)), .paymentWatermark(address: address, checkpoint: 3)])
        #expect(refused.map(\.0.digest) == [txDigest("over")])
        // Applying the events as the daemon journals them works.
        _ = try a.applying(events)
    }

    @Test func nothingNewJournalsNothing_aNewAddressStartsItsOwnWatermark() throws {
        var a = try account()
        try a.apply(.paymentCredited(payment("d1", 5)))
        try a.apply(.paymentWatermark(address: address, checkpoint: 12))
        #expect(a.scanEvents(payments: [payment("d1", 5)], address: address, watermark: 12, creditedBy: { _ in nil }).events.isEmpty)
        let other = "0x" + String(repeating: "77", count: 32)
        #expect(a.scanEvents(payments: [], address: other, watermark: 12, creditedBy: { _ in nil }).events
                == [.paymentWatermark(address: other, checkpoint: 12)])
        // A watermark replaces an old journal's cursor for good.
        var old = try account()
        try old.apply(.paymentBaseline(cursor: txDigest("c")))
        try old.apply(.paymentWatermark(address: address, checkpoint: 4))
        #expect(old.state.paymentCursor == nil && !old.state.paymentBaselineDone && old.state.watermark == 4)
    }

    /// A reading billed in memory is checkpointed in front of the scan's events, once, so replay sees
    /// the balance the running account saw (the daemon used to add it again on top).
    @Test func aPendingReadingIsCheckpointedOnceInFront() throws {
        var a = try account()
        guard case .journal(let baseline) = a.observe(counter: WattHours(10), power: Deciwatts(0), atMs: 0, boot: nil) else {
            Issue.record("the first reading is journaled as the baseline")
            return
        }
        try a.apply(baseline)
        #expect(a.observe(counter: WattHours(12), power: Deciwatts(0), atMs: 3_600_000, boot: nil) == .billed(delta: WattHours(2)))
        let checkpoint = try #require(a.checkpointEvent())
        let (events, _) = a.scanEvents(payments: [payment("d1", 5)], address: address, watermark: 12, creditedBy: { _ in nil })
        #expect(events == [checkpoint, .paymentCredited(payment("d1", 5)), .paymentWatermark(address: address, checkpoint: 12)])
        _ = try a.applying(events)
        // Nothing to journal: no checkpoint either (the next `journal.checkpoint` writes it).
        try a.apply(.paymentWatermark(address: address, checkpoint: 12))
        #expect(a.scanEvents(payments: [], address: address, watermark: 12, creditedBy: { _ in nil }).events.isEmpty)
    }
}
