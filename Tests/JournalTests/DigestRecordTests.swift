import Testing
import TestSupport
@testable import Journal
import Ledger

/// Digests cross into the journal typed: written as their text, byte for byte as when they were
/// strings, and validated once when read back.
@Suite struct DigestRecordTests {
    let digest = TransactionDigest("BWhX7n5HxHtTR6RDxfdhU2hVC8zBqAmFr4yMKM2avWpC")!
    let salt: UInt32 = 0x5EED_1234

    /// A length-prefixed string field.
    func field(_ text: String) -> [UInt8] { [UInt8(text.utf8.count)] + Array(text.utf8) }

    func framed(_ bodies: [[UInt8]], at offset: Int) -> [UInt8] {
        var out: [UInt8] = []
        for body in bodies { JournalFormat.frame(body: body, at: offset + out.count, salt: salt, into: &out) }
        return out
    }

    var paymentFields: [UInt8] {
        field(digest.text)
            + [0x80, 0xD0, 0xAC, 0xF3, 0x0E]          // 2,000,000,000 nanos, zigzag
            + [0xBF, 0xE8, 0xDA, 0x04]                // checkpoint 9,876,543
            + [0x80, 0xA0, 0xAB, 0xFE, 0xF9, 0x62]    // 1,700,000,000,000 ms, zigzag
    }

    var payment: Payment {
        Payment(digest: digest, amount: Nanos(2_000_000_000), checkpoint: 9_876_543, timestampMs: 1_700_000_000_000)
    }

    /// The bytes of a payment credit (the meter's binding, then tag, meter index, digest text,
    /// amount, checkpoint, timestamp), as Tests/bench/make_journal.py also writes them.
    @Test func aPaymentCreditsBytesArePinned() throws {
        var encoder = RecordEncoder(salt: salt)
        var out: [UInt8] = []
        try encoder.encode(.event(meter: "main", .paymentCredited(payment)), fileOffset: 20, into: &out)
        #expect(out == framed([[0x01, 0x00] + field("main"), [0x10, 0x00] + paymentFields], at: 20))
    }

    var snapshotBody: [UInt8] {
        let billion: [UInt8] = [0x80, 0xA8, 0xD6, 0xB9, 0x07]
        return [0x06] + [0x80, 0xF3, 0xB9, 0xFE, 0xF9, 0x62] + [0x01] + field("main")   // tag, at, 1 meter
            + billion + [0x00] + [0x00, 0x00, 0x00]     // credited, billed, no counter, time or boot
            + billion + [0x00, 0x00, 0x00] + [0x01, 0x00]   // tariff, segment, before it, emergency; armed, auto
            + [0x01] + field(digest.text)               // the credited digest
            + [0x02] + paymentFields                    // recent payments: the payment, then
            + field("manual") + [0xE8, 0x07, 0x00, 0xC0, 0xC9, 0xB2, 0xFE, 0xF9, 0x62]   // 500 nanos by hand
            + [0x04] + [0x00, 0x00] + [0x00, 0x00] + [0x00, 0x00]   // 2 payments; no cursor, counts, watermark
    }

    /// A snapshot lists a manual credit under the word `manual`, as before digests were typed.
    @Test func aSnapshotsManualCreditIsPinned() throws {
        var state = AccountState(tariff: Tariff(pricePerKWh: Nanos(1_000_000_000)))
        state.credited = Nanos(1_000_000_000)
        state.creditedDigests = [digest]
        state.recentPayments = [payment, Payment(digest: .manualCredit, amount: Nanos(500), checkpoint: 0,
                                                 timestampMs: 1_700_000_060_000)]
        state.paymentCount = 2
        let snapshot = JournalSnapshot(atMs: 1_700_000_120_000, meters: [MeterSnapshot(name: "main", state: state)])
        var encoder = RecordEncoder(salt: salt)
        var out: [UInt8] = []
        try encoder.encode(.snapshot(snapshot), fileOffset: 20, into: &out)
        #expect(out == framed([snapshotBody], at: 20))
        // and it reads back to the same state, the manual credit included
        let dir = TempDir()
        let (file, _) = try openJournal(dir.file())
        try file.append([.snapshot(snapshot)])
        file.close()
        let (_, recovery) = try openJournal(dir.file())
        #expect(recovery.snapshot == snapshot && recovery.damage == nil)
    }

    /// A snapshot lists the credited digests in byte order (equal states, equal bytes), as it always has.
    @Test func aSnapshotListsCreditedDigestsInByteOrder() throws {
        let texts = ["a" + String(repeating: "1", count: 31), "B" + String(repeating: "1", count: 43),
                     "1" + String(repeating: "z", count: 31), "Z" + String(repeating: "1", count: 31)]
        var state = AccountState(tariff: Tariff(pricePerKWh: .zero))
        state.creditedDigests = CreditedDigests(texts.map { TransactionDigest($0)! })
        var w = FieldWriter()
        try SnapshotCodec.encode(state, into: &w)
        let order = texts.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        #expect(order == [texts[2], texts[1], texts[3], texts[0]])
        let listed = order.flatMap(field)
        #expect(w.bytes.count > listed.count && w.bytes.indices.contains { Array(w.bytes[$0...].prefix(listed.count)) == listed })
    }

    /// A record whose check holds but whose digest is not one was written by something else: damage,
    /// exactly like any other impossible field, never a digest the ledger could credit.
    @Test func aVerifiedRecordWithAnInvalidDigestIsDamage() throws {
        var snapshot = snapshotBody
        let at = snapshot.firstIndex(of: UInt8(ascii: "B"))!   // the credited digest's first letter
        snapshot[at] = UInt8(ascii: "O")
        let bodies: [([UInt8], String)] = [
            ([0x18, 0x00] + field("tx-1"), "not a Base58 transaction digest"),
            ([0x18, 0x00] + field("0" + digest.text.dropFirst()), "not a Base58 transaction digest"),
            ([0x19, 0x00, 0x01] + field(String(repeating: "1", count: 31)), "not a Base58 transaction digest"),
            ([0x19, 0x00, 0x01] + field(String(repeating: "1", count: 45)), "not a Base58 transaction digest"),
            // the manual-credit word is a digest only in a snapshot's recent payments
            ([0x10, 0x00] + field("manual") + [0x02, 0x01, 0x02], "not a Base58 transaction digest"),
            (snapshot, "not a Base58 transaction digest"),
        ]
        for (body, reason) in bodies {
            let dir = TempDir()
            let (file, _) = try openJournal(dir.file())
            try file.append([.event(meter: "main", .paymentCursor(digest: digest))])
            file.close()
            var bytes = readBytes(dir.file())
            guard case .header(let header) = bytes.withUnsafeBufferPointer({ JournalFormat.decodeHeader($0) }) else {
                Issue.record("header unreadable"); return
            }
            let offset = bytes.count
            JournalFormat.frame(body: body, at: offset, salt: header.salt, into: &bytes)
            writeBytes(dir.file(), bytes)
            let (_, recovery) = try openJournal(dir.file())
            #expect(recovery.damage?.offset == offset && recovery.damage?.reason.contains(reason) == true,
                    "\(recovery.damage?.reason ?? "no damage")")
            #expect(recovery.events == [JournalEvent(meter: "main", event: .paymentCursor(digest: digest))])
        }
    }
}
