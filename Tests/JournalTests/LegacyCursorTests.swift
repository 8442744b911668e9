import Testing
@testable import Journal
import Ledger

/// Journals written by the release before watermarks (its JSON-RPC cursor records, tags 0x18 and
/// 0x19) are read, replayed to the cursor the next scan converts, and then replaced for good.
@Suite struct LegacyCursorTests {
    let address = "0x" + String(repeating: "5f", count: 32)

    func replay(_ recovery: Recovery) throws -> AccountState {
        let meters = try JournalReplay.replay(recovery, initial: { _ in AccountState(tariff: Tariff(pricePerKWh: .zero)) },
                                              apply: { (state: inout AccountState, event: AccountEvent) throws(LedgerError) in
                                                  try state.apply(event)
                                              })
        return meters[0].state
    }

    @Test func anOldCursorIsReadThenReplacedByTheWatermark() throws {
        let dir = TempDir()
        let (file, _) = try openJournal(dir.file())
        let paid = Payment(digest: TransactionDigest("BWhX7n5HxHtTR6RDxfdhU2hVC8zBqAmFr4yMKM2avWpC")!, amount: Nanos(2_000_000_000),
                           checkpoint: 9_876_543, timestampMs: 1)
        // Exactly the records the old daemon appended: the baseline, a credit with its cursor move.
        try file.append([.started(atMs: 1), .event(meter: "main", .paymentBaseline(cursor: TransactionDigest("AAAAbase1ine1111111111111111111111")!))])
        try file.append([.event(meter: "main", .paymentCredited(paid)), .event(meter: "main", .paymentCursor(digest: paid.digest))])
        file.close()   // one daemon per journal: the file is locked while open
        let (again, recovery) = try openJournal(dir.file())
        let old = try replay(recovery)
        #expect(old.paymentBaselineDone && old.paymentCursor == paid.digest && old.watermarkAddress == nil)
        #expect(old.recentPayments.last?.checkpoint == 9_876_543 && old.creditedDigests == [paid.digest])

        // The first scan of the new release journals its watermark; the cursor is gone for good,
        // the credit stays exactly once.
        try again.append([.event(meter: "main", .paymentWatermark(address: address, checkpoint: 9_876_542))])
        again.close()
        let (_, converted) = try openJournal(dir.file())
        let new = try replay(converted)
        #expect(new.paymentCursor == nil && !new.paymentBaselineDone)
        #expect(new.watermarkAddress == address && new.watermark == 9_876_542)
        #expect(new.credited == Nanos(2_000_000_000) && new.paymentCount == 1)
    }
}
