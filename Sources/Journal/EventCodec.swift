import Ledger

/// The payload layout of each `AccountEvent` case, after its tag and meter index. One function
/// writes and one reads, side by side, so the two cannot drift apart.
enum EventCodec {
    static func tag(of event: AccountEvent) -> RecordTag {
        switch event {
        case .paymentCredited: return .paymentCredited
        case .manualCredit: return .manualCredit
        case .counterCheckpoint(_, _, let boot): return boot == nil ? .counterCheckpoint : .counterCheckpointStamped
        case .counterRebaselined(_, _, _, let boot): return boot == nil ? .counterRebaselined : .counterRebaselinedStamped
        case .counterJumpRejected(_, _, _, let boot): return boot == nil ? .counterJumpRejected : .counterJumpRejectedStamped
        case .tariffChanged: return .tariffChanged
        case .emergencyGranted: return .emergencyGranted
        case .relayOverride: return .relayOverride
        case .paymentWatermark: return .paymentWatermark
        case .paymentCursor: return .paymentCursor
        case .paymentBaseline: return .paymentBaseline
        }
    }

    static func encode(_ event: AccountEvent, into w: inout FieldWriter) throws(JournalError) {
        switch event {
        case .paymentCredited(let payment):
            // Never under `TransactionDigest.manualCredit`: the ledger refuses that payment, and the
            // daemon applies every event before it appends it; a reader would refuse the record.
            encode(payment, into: &w)
        case .manualCredit(let amount, let note, let atMs):
            w.signed(amount.value)
            try w.string(note, limit: JournalLimits.note, field: "note")
            w.signed(atMs.value)
        case .counterCheckpoint(let counter, let atMs, let boot):
            w.signed(counter.value)
            w.signed(atMs.value)
            encode(boot, into: &w)
        case .counterRebaselined(let from, let to, let atMs, let boot), .counterJumpRejected(let from, let to, let atMs, let boot):
            w.signed(from.value)
            w.signed(to.value)
            w.signed(atMs.value)
            encode(boot, into: &w)
        case .tariffChanged(let price, let atMs), .emergencyGranted(let price, let atMs):
            w.signed(price.value)
            w.signed(atMs.value)
        case .relayOverride(let mode, let atMs):
            w.byte(mode.rawValue)
            w.signed(atMs.value)
        case .paymentWatermark(let address, let checkpoint):
            try w.string(address, limit: JournalLimits.address, field: "watermark address")
            w.byte(checkpoint == nil ? 0 : 1)
            if let checkpoint { w.unsigned(checkpoint) }
        case .paymentCursor(let digest):
            // Old journals only; still encodable so tests can write a journal the old way.
            w.digest(digest.text)
        case .paymentBaseline(let cursor):
            w.byte(cursor == nil ? 0 : 1)
            if let cursor { w.digest(cursor.text) }
        }
    }

    /// A stamped event's boot-clock fields (its id is bound by a `bootID` record); nothing for nil.
    static func encode(_ boot: BootStamp?, into w: inout FieldWriter) {
        guard let boot else { return }
        w.signed(boot.ms)
        w.byte(boot.wallSynchronised ? 1 : 0)
    }

    static func decodeBoot(_ id: BootID?, from r: inout FieldReader) throws(JournalError) -> BootStamp {
        guard let id else { throw r.fail("a stamped counter event before any boot id") }
        let ms = try r.signed()
        return BootStamp(id: id, ms: ms, wallSynchronised: try r.bool())
    }

    /// `boot`: the boot id bound last in this file, for the stamped counter events.
    static func decode(_ tag: RecordTag, boot: BootID?, from r: inout FieldReader) throws(JournalError) -> AccountEvent? {
        switch tag {
        case .paymentCredited:
            return .paymentCredited(try decodePayment(from: &r, manualCredit: false))
        case .manualCredit:
            let amount = Nanos(try r.signed())
            let note = try r.string(limit: JournalLimits.note, field: "note")
            return .manualCredit(amount: amount, note: note, atMs: WallClockMs(try r.signed()))
        case .counterCheckpoint, .counterCheckpointStamped:
            let counter = WattHours(try r.signed())
            let atMs = WallClockMs(try r.signed())
            let stamp = tag == .counterCheckpointStamped ? try decodeBoot(boot, from: &r) : nil
            return .counterCheckpoint(counter: counter, atMs: atMs, boot: stamp)
        case .counterRebaselined, .counterJumpRejected, .counterRebaselinedStamped, .counterJumpRejectedStamped:
            let from = WattHours(try r.signed())
            let to = WattHours(try r.signed())
            let atMs = WallClockMs(try r.signed())
            let stamped = tag == .counterRebaselinedStamped || tag == .counterJumpRejectedStamped
            let stamp = stamped ? try decodeBoot(boot, from: &r) : nil
            return tag == .counterRebaselined || tag == .counterRebaselinedStamped
                ? .counterRebaselined(from: from, to: to, atMs: atMs, boot: stamp)
                : .counterJumpRejected(from: from, to: to, atMs: atMs, boot: stamp)
        case .tariffChanged:
            let price = Nanos(try r.signed())
            return .tariffChanged(pricePerKWh: price, atMs: WallClockMs(try r.signed()))
        case .emergencyGranted:
            let amount = Nanos(try r.signed())
            return .emergencyGranted(amount: amount, atMs: WallClockMs(try r.signed()))
        case .relayOverride:
            let raw = try r.byte()
            guard let mode = RelayOverride(rawValue: raw) else { throw r.fail("relay override \(raw) unknown") }
            return .relayOverride(mode, atMs: WallClockMs(try r.signed()))
        case .paymentWatermark:
            let address = try r.string(limit: JournalLimits.address, field: "watermark address")
            return .paymentWatermark(address: address, checkpoint: try r.bool() ? try r.unsigned() : nil)
        case .paymentCursor:
            return .paymentCursor(digest: try r.digest(field: "payment cursor"))
        case .paymentBaseline:
            let present = try r.bool()
            return .paymentBaseline(cursor: present ? try r.digest(field: "baseline cursor") : nil)
        case .meterName, .started, .snapshotV1, .snapshotV2, .snapshotV3, .bootID:
            return nil
        }
    }

    static func encode(_ payment: Payment, into w: inout FieldWriter) {
        w.digest(payment.digest.text)
        w.signed(payment.amount.value)
        w.unsigned(payment.checkpoint)
        w.signed(payment.timestampMs.value)
    }

    /// `manualCredit`: whether `TransactionDigest.manualCredit` may stand for the digest (a
    /// snapshot's recent payments list manual credits; a payment credit never is one).
    static func decodePayment(from r: inout FieldReader, manualCredit: Bool) throws(JournalError) -> Payment {
        let digest = try r.digest(field: "payment digest", manualCredit: manualCredit)
        let amount = Nanos(try r.signed())
        let checkpoint = try r.unsigned()
        return Payment(digest: digest, amount: amount, checkpoint: checkpoint, timestampMs: WallClockMs(try r.signed()))
    }
}
