import Foundation
import Testing
import TestSupport
@testable import Journal
import Ledger

@Suite struct CodecTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        // continuing a checksum equals checksumming the concatenation (what record checks rely on)
        let whole = Array("tanglemeter journal record".utf8)
        #expect(CRC32C.checksum(Array(whole[9...]), continuing: CRC32C.checksum(Array(whole[..<9]))) == CRC32C.checksum(whole))
        // the slicing-by-8 path agrees with a bit-at-a-time reference on many lengths
        var rng = SeededGenerator(seed: 7)
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var c: UInt32 = ~0
            for b in bytes {
                c ^= UInt32(b)
                for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            }
            #expect(CRC32C.checksum(bytes) == ~c)
        }
    }

    @Test func varintsRoundTripAtTheLimits() throws {
        let values: [Int64] = [0, 1, -1, 63, -64, 64, Int64.max, Int64.min, Int64.max - 1, Int64.min + 1]
        var w = FieldWriter()
        for v in values { w.signed(v) }
        w.unsigned(UInt64.max)
        let bytes = w.bytes
        try bytes.withUnsafeBufferPointer { b in
            var r = FieldReader(b, from: 0, to: b.count)
            for v in values { #expect(try r.signed() == v) }
            #expect(try r.unsigned() == UInt64.max)
            try r.finish()
        }
        // an 11-byte varint, or a 10th byte above 1, is refused, not wrapped
        for bad: [UInt8] in [[UInt8](repeating: 0xFF, count: 10) + [0x01], [UInt8](repeating: 0xFF, count: 9) + [0x02]] {
            bad.withUnsafeBufferPointer { b in
                var r = FieldReader(b, from: 0, to: b.count)
                #expect(throws: JournalError.self) { try r.unsigned() }
            }
        }
    }

    /// Every record kind, with extreme and maximum-length fields, through a real file and back.
    @Test func everyRecordKindRoundTrips() throws {
        let dir = TempDir()
        let longName = String(repeating: "z", count: JournalLimits.meterName)
        let longDigest = TransactionDigest(String(repeating: "D", count: 44))!
        let shortDigest = TransactionDigest(String(repeating: "1", count: 32))!
        let longNote = String(repeating: "€", count: JournalLimits.note / 3)   // 255 bytes of UTF-8
        var state = AccountState(tariff: Tariff(pricePerKWh: Nanos(Int64.max)))
        state.credited = Nanos(Int64.min)
        state.counter = WattHours(Int64.max)
        state.counterBoot = BootStamp(id: BootID(high: .max, low: .max), ms: Int64.min, wallSynchronised: true)
        state.creditedDigests = CreditedDigests((0..<2000).map { txDigest("digest-\($0)") })
        state.recentPayments = [Payment(digest: longDigest, amount: Nanos(Int64.min), checkpoint: UInt64.max, timestampMs: WallClockMs(Int64.min)),
                                Payment(digest: .manualCredit, amount: Nanos(1), checkpoint: 0, timestampMs: 0)]
        state.paymentCursor = shortDigest
        state.watermarkAddress = "0x" + String(repeating: "f", count: 64)
        state.watermark = UInt64.max
        state.relayOverride = .off
        state.emergencyArmed = false
        let events: [AccountEvent] = [
            .paymentCredited(Payment(digest: longDigest, amount: Nanos(Int64.max), checkpoint: UInt64.max, timestampMs: WallClockMs(Int64.max))),
            .paymentCredited(Payment(digest: shortDigest, amount: Nanos(Int64.min), checkpoint: 0, timestampMs: WallClockMs(Int64.min))),
            .manualCredit(amount: Nanos(1), note: longNote, atMs: -1),
            .manualCredit(amount: Nanos(0), note: "", atMs: 0),
            .counterCheckpoint(counter: WattHours(Int64.min), atMs: WallClockMs(Int64.max)),
            .counterRebaselined(from: WattHours(Int64.max), to: WattHours(0), atMs: 1),
            .counterJumpRejected(from: WattHours(0), to: WattHours(Int64.max), atMs: 2),
            .tariffChanged(pricePerKWh: Nanos(Int64.max), atMs: 3),
            .emergencyGranted(amount: Nanos(500_000_000), atMs: 4),
            .relayOverride(.auto, atMs: 5), .relayOverride(.on, atMs: 6), .relayOverride(.off, atMs: 7),
            .paymentCursor(digest: longDigest), .paymentCursor(digest: shortDigest),
            .paymentBaseline(cursor: nil), .paymentBaseline(cursor: longDigest),
            .paymentWatermark(address: "0x" + String(repeating: "a", count: 64), checkpoint: UInt64.max),
            .paymentWatermark(address: "", checkpoint: nil), .paymentWatermark(address: "0x1", checkpoint: 0),
        ]
        let snapshot = JournalSnapshot(atMs: WallClockMs(Int64.min), meters: [
            MeterSnapshot(name: longName, state: state),
            MeterSnapshot(name: "", state: AccountState(tariff: Tariff(pricePerKWh: .zero))),
        ])
        let first: [JournalRecord] = [.started(atMs: WallClockMs(Int64.max))] + events.map { .event(meter: "main", $0) }
        let second: [JournalRecord] = [.snapshot(snapshot), .started(atMs: 42)] + events.map { .event(meter: longName, $0) }

        let (file, empty) = try openJournal(dir.file())
        #expect(empty.snapshot == nil && empty.events.isEmpty && empty.tornTail == nil && empty.damage == nil)
        try file.append(first)
        file.close()
        var (reopened, recovery) = try openJournal(dir.file())
        #expect(recovery.snapshot == nil)
        #expect(recovery.events == events.map { JournalEvent(meter: "main", event: $0) })
        #expect(recovery.lastStartedAtMs == WallClockMs(Int64.max))
        #expect(recovery.tornTail == nil && recovery.damage == nil)

        try reopened.append(second)
        reopened.close()
        (reopened, recovery) = try openJournal(dir.file())
        #expect(recovery.snapshot == snapshot)
        #expect(recovery.events == events.map { JournalEvent(meter: longName, event: $0) })
        #expect(recovery.lastStartedAtMs == 42)
        #expect(recovery.recordsSinceSnapshot == 1 + events.count)
        #expect(recovery.records == first.count + second.count)
    }

    @Test func randomRecordsRoundTrip() throws {
        var rng = SeededGenerator(seed: 2024)
        let dir = TempDir()
        let (file, _) = try openJournal(dir.file())
        var written: [JournalRecord] = []
        for _ in 0..<200 {
            let batch = (0..<Int.random(in: 1...4, using: &rng)).map { _ in rng.record() }
            try file.append(batch)
            written += batch
        }
        file.close()
        let (_, recovery) = try openJournal(dir.file())
        let (snapshot, events) = expectedRecovery(written)
        #expect(recovery.snapshot == snapshot)
        #expect(recovery.events == events)
        #expect(recovery.damage == nil && recovery.tornTail == nil)
    }

    @Test func fieldsOverTheirBoundAreRefusedBeforeAnythingIsWritten() throws {
        let dir = TempDir()
        let (file, _) = try openJournal(dir.file())
        let before = file.size
        let tooLong: [JournalRecord] = [
            .event(meter: String(repeating: "m", count: JournalLimits.meterName + 1), .paymentCursor(digest: txDigest("d"))),
            .event(meter: "main", .manualCredit(amount: .zero, note: String(repeating: "n", count: JournalLimits.note + 1), atMs: 0)),
        ]
        for record in tooLong {
            #expect(throws: JournalError.self) { try file.append([.started(atMs: 1), record]) }
            #expect(file.size == before)
        }
        // the refused name was not bound: the next event for "main" still reads back correctly
        try file.append([.event(meter: "main", .paymentCursor(digest: txDigest("ok")))])
        file.close()
        let (_, recovery) = try openJournal(dir.file())
        #expect(recovery.events == [JournalEvent(meter: "main", event: .paymentCursor(digest: txDigest("ok")))])
        #expect(recovery.records == 1)
    }

    @Test func aRecordFromANewerWriterIsRefusedNotSkipped() throws {
        let dir = TempDir()
        let (file, _) = try openJournal(dir.file())
        try file.append([.started(atMs: 1)])
        file.close()
        var bytes = readBytes(dir.file())
        guard case .header(let header) = bytes.withUnsafeBufferPointer({ JournalFormat.decodeHeader($0) }) else {
            Issue.record("header unreadable"); return
        }
        JournalFormat.frame(body: [0x7F, 1, 2, 3], at: bytes.count, salt: header.salt, into: &bytes)
        writeBytes(dir.file(), bytes)
        #expect(throws: JournalError.unsupported(path: dir.file(), offset: bytes.count - 9, what: "record tag 127")) {
            _ = try JournalFile.open(path: dir.file())
        }
        // a newer format version in the header
        var newer = JournalFormat.encodeHeader(JournalFormat.Header(salt: 1, generation: 1))
        newer[4] = 2
        let crc = CRC32C.checksum(Array(newer[0..<16]))
        for k in 0..<4 { newer[16 + k] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * k)) }
        writeBytes(dir.file("newer"), newer)
        let error = #expect(throws: JournalError.self) { _ = try JournalFile.open(path: dir.file("newer")) }
        #expect(error?.message.contains("format version 2") == true)
    }

    /// Bytes whose check holds but that do not decode were written that way: damage, not a torn tail.
    @Test func aVerifiedRecordThatDoesNotDecodeIsDamage() throws {
        let bodies: [([UInt8], String)] = [
            ([0x12, 0x05, 0x02, 0x02], "meter index 5 was never bound"),
            ([0x01, 0x01, 0x01, 0x61, 0xFF], "unexpected bytes after the last field"),
            ([0x17, 0x00, 0x09, 0x00], "relay override 9 unknown"),
            ([0x01, 0x01, 0x02, 0xC3, 0x28], "not valid UTF-8"),
        ]
        for (body, reason) in bodies {
            let dir = TempDir()
            let (file, _) = try openJournal(dir.file())
            try file.append([.event(meter: "main", .paymentCursor(digest: txDigest("a")))])
            file.close()
            var bytes = readBytes(dir.file())
            guard case .header(let header) = bytes.withUnsafeBufferPointer({ JournalFormat.decodeHeader($0) }) else { return }
            let offset = bytes.count
            JournalFormat.frame(body: body, at: offset, salt: header.salt, into: &bytes)
            writeBytes(dir.file(), bytes)
            let (_, recovery) = try openJournal(dir.file())
            #expect(recovery.damage?.offset == offset && recovery.damage?.reason.contains(reason) == true, "\(recovery.damage?.reason ?? "no damage")")
            #expect(recovery.events.count == 1)
        }
    }

    /// The snapshot layout lists AccountState's fields by hand: a new field must get a new layout.
    @Test func snapshotLayoutCoversEveryAccountStateField() {
        let fields = Mirror(reflecting: AccountState(tariff: Tariff(pricePerKWh: .zero))).children.map { $0.label ?? "" }
        #expect(fields.count == 20, "AccountState changed (\(fields)): update SnapshotCodec with a new tag")
    }
}
