import Ledger

/// The layout of a snapshot record (tag `snapshotV3`; `snapshotV1` lacks the counter's boot stamp,
/// `snapshotV2` the payment watermark; both stay readable): every field of `AccountState`, in a
/// fixed order. When `AccountState` gains a field, this layout gets a new tag (a test counts the fields).
enum SnapshotCodec {
    static func encode(_ snapshot: JournalSnapshot, into w: inout FieldWriter) throws(JournalError) {
        w.signed(snapshot.atMs.value)
        guard snapshot.meters.count <= JournalLimits.meters else {
            throw .invalidRecord(reason: "snapshot of \(snapshot.meters.count) meters, at most \(JournalLimits.meters)")
        }
        w.unsigned(UInt64(snapshot.meters.count))
        for meter in snapshot.meters {
            try w.string(meter.name, limit: JournalLimits.meterName, field: "meter name")
            try encode(meter.state, into: &w)
        }
    }

    static func decode(from r: inout FieldReader, stamped: Bool, watermarked: Bool) throws(JournalError) -> JournalSnapshot {
        let atMs = WallClockMs(try r.signed())
        let count = try r.count(limit: JournalLimits.meters, field: "meter count")
        var meters: [MeterSnapshot] = []
        meters.reserveCapacity(count)
        for _ in 0..<count {
            let name = try r.string(limit: JournalLimits.meterName, field: "meter name")
            meters.append(MeterSnapshot(name: name, state: try decodeState(from: &r, stamped: stamped, watermarked: watermarked)))
        }
        return JournalSnapshot(atMs: atMs, meters: meters)
    }

    static func encode(_ s: AccountState, into w: inout FieldWriter) throws(JournalError) {
        w.signed(s.credited.value)
        w.signed(s.billed.value)
        w.byte(s.counter == nil ? 0 : 1)
        if let counter = s.counter { w.signed(counter.value) }
        // when the counter was read: bounds the first delta after a restart (the jump limit)
        w.byte(s.counterAtMs == nil ? 0 : 1)
        if let at = s.counterAtMs { w.signed(at.value) }
        w.byte(s.counterBoot == nil ? 0 : 1)
        if let boot = s.counterBoot {
            w.fixed64(boot.id.high)
            w.fixed64(boot.id.low)
            EventCodec.encode(boot, into: &w)
        }
        w.signed(s.tariff.pricePerKWh.value)
        w.signed(s.segmentStart.value)
        w.signed(s.chargedBeforeSegment.value)
        w.signed(s.emergencyGranted.value)
        w.byte(s.emergencyArmed ? 1 : 0)
        w.byte(s.relayOverride.rawValue)
        // sorted: a Set's order changes from run to run, and equal states should give equal bytes.
        // Digests are Base58, ASCII, where String's order is the bytes' order (compared by memcmp).
        let digests = s.creditedDigests.texts.sorted { $0 < $1 }
        w.unsigned(UInt64(digests.count))
        for digest in digests { w.digest(digest) }
        w.unsigned(UInt64(s.recentPayments.count))
        for payment in s.recentPayments { EventCodec.encode(payment, into: &w) }
        w.signed(s.paymentCount)
        w.byte(s.paymentCursor == nil ? 0 : 1)
        if let cursor = s.paymentCursor { w.digest(cursor.text) }
        w.byte(s.paymentBaselineDone ? 1 : 0)
        w.signed(s.counterRebaselines)
        w.signed(s.counterJumpsRejected)
        w.byte(s.watermarkAddress == nil ? 0 : 1)
        if let address = s.watermarkAddress { try w.string(address, limit: JournalLimits.address, field: "watermark address") }
        w.byte(s.watermark == nil ? 0 : 1)
        if let watermark = s.watermark { w.unsigned(watermark) }
    }

    static func decodeState(from r: inout FieldReader, stamped: Bool, watermarked: Bool) throws(JournalError) -> AccountState {
        let credited = Nanos(try r.signed())
        let billed = WattHours(try r.signed())
        let counter: WattHours? = try r.bool() ? WattHours(try r.signed()) : nil
        let counterAtMs: WallClockMs? = try r.bool() ? WallClockMs(try r.signed()) : nil
        var counterBoot: BootStamp? = nil
        let hasBoot = stamped ? try r.bool() : false
        if hasBoot {
            let high = try r.fixed64()
            counterBoot = try EventCodec.decodeBoot(BootID(high: high, low: try r.fixed64()), from: &r)
        }
        var s = AccountState(tariff: Tariff(pricePerKWh: Nanos(try r.signed())))
        s.credited = credited
        s.billed = billed
        s.counter = counter
        s.counterAtMs = counterAtMs
        s.counterBoot = counterBoot
        s.segmentStart = WattHours(try r.signed())
        s.chargedBeforeSegment = Nanos(try r.signed())
        s.emergencyGranted = Nanos(try r.signed())
        s.emergencyArmed = try r.bool()
        let raw = try r.byte()
        guard let mode = RelayOverride(rawValue: raw) else { throw r.fail("relay override \(raw) unknown") }
        s.relayOverride = mode
        // every element takes at least one byte, so a count beyond the bytes left is damage,
        // refused before it can reserve memory
        let digestCount = try r.count(limit: r.remaining, field: "credited digest count")
        s.creditedDigests.reserveCapacity(digestCount)
        for _ in 0..<digestCount {
            s.creditedDigests.insert(try r.digest(field: "credited digest"))
        }
        let recentCount = try r.count(limit: r.remaining, field: "recent payment count")
        s.recentPayments.reserveCapacity(recentCount)
        for _ in 0..<recentCount { s.recentPayments.append(try EventCodec.decodePayment(from: &r, manualCredit: true)) }
        s.paymentCount = try r.signed()
        s.paymentCursor = try r.bool() ? try r.digest(field: "payment cursor") : nil
        s.paymentBaselineDone = try r.bool()
        s.counterRebaselines = try r.signed()
        s.counterJumpsRejected = try r.signed()
        if watermarked {
            s.watermarkAddress = try r.bool() ? try r.string(limit: JournalLimits.address, field: "watermark address") : nil
            s.watermark = try r.bool() ? try r.unsigned() : nil
        }
        return s
    }
}
