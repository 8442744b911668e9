import Ledger

/// Recovery as a pure function of the file's bytes: reads forward record by record, as SQLite
/// reads its WAL, and stops at the first record that does not verify. What follows decides what
/// it was. Appends are sequential and each is synced before the next, so only the last write can
/// be torn, and what it leaves is the remains of the record it was writing: a bad tail no longer
/// than the record that starts it claims to be (its own length field), with nothing valid after
/// it, is a torn tail. Anything more — a valid record after it, or a bad tail longer than that
/// record (an SD card that lost its last page leaves zeros over several acknowledged records) —
/// is damage, never dropped as a torn write. A record that verifies but has
/// a tag or format version this build does not know is neither: it is a newer writer's, and
/// opening fails with `JournalError.unsupported` rather than guess.
struct JournalScan {
    var recovery = Recovery()
    var header: JournalFormat.Header?
    /// Meter names bound in the file, in index order, and the boot id bound last, for an appender
    /// to continue with.
    var meterNames: [String] = []
    var boundBoot: BootID?
    /// Where the latest snapshot record ends (the header's end if there is none).
    var snapshotEnd = JournalFormat.headerSize

    static func scan(_ bytes: UnsafeBufferPointer<UInt8>, path: String) throws(JournalError) -> JournalScan {
        var result = JournalScan()
        switch JournalFormat.decodeHeader(bytes) {
        case .damaged(let reason):
            result.recovery.damage = JournalDamage(offset: 0, reason: reason)
            return result
        case .newerVersion(let version):
            throw .unsupported(path: path, offset: 4, what: "format version \(version)")
        case .header(let header):
            result.header = header
        }
        let salt = result.header?.salt ?? 0
        var decoder = RecordDecoder()
        var position = JournalFormat.headerSize
        while position < bytes.count {
            switch JournalFormat.readFrame(bytes, at: position, salt: salt) {
            case .invalid(let reason, let claimedEnd):
                let tail = bytes.count - position
                if JournalFormat.validFrameExists(bytes, after: position, salt: salt) {
                    result.recovery.damage = JournalDamage(offset: position, reason: reason + ", valid records follow")
                } else if let claimedEnd, bytes.count <= claimedEnd {
                    result.recovery.tornTail = TornTail(offset: position, bytes: tail, reason: reason)
                } else {
                    result.recovery.damage = JournalDamage(
                        offset: position, reason: reason + " in a bad tail of \(tail) bytes, more than one record: not a torn write")
                }
                result.finish(at: position, decoder)
                return result
            case .valid(let bodyStart, let bodyEnd, let next):
                let decoded: RecordDecoder.Decoded
                do {
                    decoded = try decoder.decode(bytes, bodyStart: bodyStart, bodyEnd: bodyEnd)
                } catch {
                    // the check held, so these bytes are as written: damage, not a torn tail
                    result.recovery.damage = JournalDamage(offset: position, reason: error.message)
                    result.finish(at: position, decoder)
                    return result
                }
                switch decoded {
                case .unknownTag(let tag):
                    throw .unsupported(path: path, offset: position, what: "record tag \(tag)")
                case .binding:
                    break
                case .record(let record):
                    result.take(record)
                    if case .snapshot = record { result.snapshotEnd = next }
                }
                position = next
            }
        }
        result.finish(at: position, decoder)
        return result
    }

    private mutating func take(_ record: JournalRecord) {
        recovery.records += 1
        recovery.recordsSinceSnapshot += 1
        switch record {
        case .started(let atMs):
            recovery.lastStartedAtMs = atMs
        case .event(let meter, let event):
            recovery.events.append(JournalEvent(meter: meter, event: event))
        case .snapshot(let snapshot):
            recovery.snapshot = snapshot
            recovery.events.removeAll(keepingCapacity: true)
            recovery.recordsSinceSnapshot = 0
        }
    }

    private mutating func finish(at position: Int, _ decoder: RecordDecoder) {
        recovery.validBytes = position
        meterNames = decoder.meterNames
        boundBoot = decoder.boundBoot
    }
}

/// Recovers a journal image held in memory, exactly as `JournalFile.open` would, without touching
/// any file (for inspecting a journal that was set aside, and for the fuzzer). `path` only names
/// the image in errors.
public func recoverJournal(image: UnsafeBufferPointer<UInt8>, path: String = "(image)") throws(JournalError) -> Recovery {
    try JournalScan.scan(image, path: path).recovery
}
