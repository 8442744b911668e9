import Ledger

/// Turns records into framed bytes for one file. Events name their meter by an index that a
/// `meterName` record binds earlier in the same file, emitted the first time a name is used.
/// A value type: the appender encodes on a copy and keeps it only once the bytes are on disk.
struct RecordEncoder {
    let salt: UInt32
    private(set) var meterIndex: [String: Int] = [:]
    /// The boot id the stamped events in this file refer to, once a `bootID` record bound it.
    private(set) var boundBoot: BootID?

    init(salt: UInt32, meterNames: [String] = [], boot: BootID? = nil) {
        self.salt = salt
        self.boundBoot = boot
        for (index, name) in meterNames.enumerated() { meterIndex[name] = index }
    }

    /// Appends `record` (and a `meterName` record before it if needed) to `out`, whose first byte
    /// goes to file offset `offset`. Throws before touching `out` if a field is out of bounds.
    mutating func encode(_ record: JournalRecord, fileOffset offset: Int, into out: inout [UInt8]) throws(JournalError) {
        var w = FieldWriter()
        switch record {
        case .started(let atMs):
            w.byte(RecordTag.started.rawValue)
            w.signed(atMs.value)
        case .snapshot(let snapshot):
            w.byte(RecordTag.snapshotV3.rawValue)
            try SnapshotCodec.encode(snapshot, into: &w)
        case .event(let meter, let event):
            w.byte(EventCodec.tag(of: event).rawValue)
            if let boot = Self.bootStamp(of: event), boot.id != boundBoot {
                var b = FieldWriter()
                b.byte(RecordTag.bootID.rawValue)
                b.fixed64(boot.id.high)
                b.fixed64(boot.id.low)
                JournalFormat.frame(body: b.bytes, at: offset + out.count, salt: salt, into: &out)
                boundBoot = boot.id
            }
            var declaration: [UInt8]? = nil
            let index: Int
            if let known = meterIndex[meter] {
                index = known
            } else {
                guard meterIndex.count < JournalLimits.meters else {
                    throw .invalidRecord(reason: "more than \(JournalLimits.meters) meters in one journal")
                }
                var d = FieldWriter()
                d.byte(RecordTag.meterName.rawValue)
                index = meterIndex.count
                d.unsigned(UInt64(index))
                try d.string(meter, limit: JournalLimits.meterName, field: "meter name")
                declaration = d.bytes
            }
            w.unsigned(UInt64(index))
            try EventCodec.encode(event, into: &w)
            if let declaration {
                JournalFormat.frame(body: declaration, at: offset + out.count, salt: salt, into: &out)
                meterIndex[meter] = index
            }
        }
        guard w.bytes.count <= JournalLimits.recordBody else {
            throw .invalidRecord(reason: "record of \(w.bytes.count) bytes exceeds \(JournalLimits.recordBody)")
        }
        JournalFormat.frame(body: w.bytes, at: offset + out.count, salt: salt, into: &out)
    }

    private static func bootStamp(of event: AccountEvent) -> BootStamp? {
        switch event {
        case .counterCheckpoint(_, _, let boot), .counterRebaselined(_, _, _, let boot), .counterJumpRejected(_, _, _, let boot):
            return boot
        default:
            return nil
        }
    }
}

/// Reads record bodies back, resolving meter indexes with the `meterName` records seen so far, and
/// the boot id of stamped counter events with the latest `bootID` record.
struct RecordDecoder {
    private(set) var meterNames: [String] = []
    private(set) var boundBoot: BootID?

    enum Decoded {
        case record(JournalRecord)
        /// A `meterName` or `bootID` binding: bookkeeping of the file, not a record of the caller's.
        case binding
        /// A tag this build does not know: a newer writer.
        case unknownTag(UInt8)
    }

    mutating func decode(_ bytes: UnsafeBufferPointer<UInt8>, bodyStart: Int, bodyEnd: Int) throws(JournalError) -> Decoded {
        var r = FieldReader(bytes, from: bodyStart, to: bodyEnd)
        let raw = try r.byte()
        guard let tag = RecordTag(rawValue: raw) else { return .unknownTag(raw) }
        let decoded: Decoded
        switch tag {
        case .meterName:
            let index = try r.count(limit: JournalLimits.meters, field: "meter index")
            guard index == meterNames.count else {
                throw r.fail("meter index \(index) bound out of order (expected \(meterNames.count))")
            }
            let name = try r.string(limit: JournalLimits.meterName, field: "meter name")
            guard !meterNames.contains(name) else { throw r.fail("meter \(name) bound twice") }
            meterNames.append(name)
            decoded = .binding
        case .bootID:
            let high = try r.fixed64()
            boundBoot = BootID(high: high, low: try r.fixed64())
            decoded = .binding
        case .started:
            decoded = .record(.started(atMs: WallClockMs(try r.signed())))
        case .snapshotV1, .snapshotV2, .snapshotV3:
            decoded = .record(.snapshot(try SnapshotCodec.decode(from: &r, stamped: tag != .snapshotV1,
                                                                 watermarked: tag == .snapshotV3)))
        default:
            let index = try r.count(limit: JournalLimits.meters, field: "meter index")
            guard index < meterNames.count else { throw r.fail("meter index \(index) was never bound") }
            guard let event = try EventCodec.decode(tag, boot: boundBoot, from: &r) else { throw r.fail("tag \(raw) is not an event") }
            decoded = .record(.event(meter: meterNames[index], event))
        }
        try r.finish()
        return decoded
    }
}
