import CSystem

/// The journal file, open for appending. Owns its descriptor; single-threaded like the daemon.
///
/// Fsync order (what makes each step crash-safe):
/// - create: header → `path.tmp` (0600), fsync, rename to `path`, fsync the directory; so a
///   journal either does not exist or has a complete header. A missing directory is created
///   (0700) and made durable in its parent first.
/// - append: one pwrite of all records at the end, then fdatasync; only then is the write
///   acknowledged (the call returns). A failed write or sync truncates back to the last
///   acknowledged byte and syncs that, so the file recovers to exactly the acknowledged records.
/// - compact: header + snapshot → `path.tmp`, fsync, rename over `path`, fsync the directory,
///   reopen. A crash before the rename leaves the old file (and a stale tmp that `open` removes);
///   after it, either name is a complete journal of the same state.
/// - open: a torn tail is cut with ftruncate + fsync before anything is appended after it.
public final class JournalFile {
    public let path: String
    var fd: Int32
    var header: JournalFormat.Header
    var encoder: RecordEncoder
    var condition: Condition
    /// The end of the acknowledged data: the next record goes here.
    public internal(set) var size: Int
    /// Where the latest snapshot ends: size − snapshotEnd bytes would be replayed on recovery.
    var snapshotEnd: Int
    /// Records after the latest snapshot (recovery replays them).
    public internal(set) var recordsSinceSnapshot: Int
    /// Counters for metrics and the SD-card wear budget.
    public internal(set) var appends = 0
    public internal(set) var bytesAppended = 0
    public internal(set) var compactions = 0

    enum Condition {
        case ready
        case damaged(JournalDamage)
        case unusable(String)
    }

    /// Opens (creating if missing) the journal at `path` and recovers it; see `Recovery` for what
    /// the caller must do with a torn tail (log it) or damage (refuse to run on it).
    public static func open(path: String) throws(JournalError) -> (JournalFile, Recovery) {
        try FileOps.makeDirectories(FileOps.parentDirectory(of: path))
        try FileOps.unlinkIfPresent(path + ".tmp")   // a creation or compaction that never reached its rename
        if !(try FileOps.exists(path)) {
            let header = JournalFormat.Header(salt: FileOps.randomSalt(), generation: 1)
            try replaceAtomically(path, with: JournalFormat.encodeHeader(header))
        }
        let fd = try FileOps.open(path, flags: O_RDWR)
        do {
            let bytes = try FileOps.readAll(fd, path)
            let scan = try bytes.withUnsafeBufferPointer { (b) throws(JournalError) in try JournalScan.scan(b, path: path) }
            let recovery = scan.recovery
            if recovery.tornTail != nil && recovery.damage == nil {
                try FileOps.truncate(fd, to: recovery.validBytes, path)
                try FileOps.sync(fd, path)
            }
            let file = JournalFile(path: path, fd: fd, header: scan.header ?? JournalFormat.Header(salt: 0, generation: 0),
                                   meterNames: scan.meterNames, size: recovery.validBytes,
                                   snapshotEnd: scan.snapshotEnd, recordsSinceSnapshot: recovery.recordsSinceSnapshot)
            if let damage = recovery.damage { file.condition = .damaged(damage) }
            return (file, recovery)
        } catch {
            FileOps.close(fd)
            throw error
        }
    }

    private init(path: String, fd: Int32, header: JournalFormat.Header, meterNames: [String], size: Int,
                 snapshotEnd: Int, recordsSinceSnapshot: Int) {
        self.path = path
        self.fd = fd
        self.header = header
        self.encoder = RecordEncoder(salt: header.salt, meterNames: meterNames)
        self.condition = .ready
        self.size = size
        self.snapshotEnd = snapshotEnd
        self.recordsSinceSnapshot = recordsSinceSnapshot
    }

    deinit { close() }

    /// Closes the descriptor; later calls throw `unusable`.
    public func close() {
        if fd >= 0 { FileOps.close(fd) }
        fd = -1
        condition = .unusable("closed")
    }

    /// Writes `records` in one write and fdatasyncs: when this returns they are on disk, and not
    /// before. On any error nothing is acknowledged and the file ends at the last acknowledged
    /// record again (or, if even that fails, the file refuses further appends until reopened).
    public func append(_ records: [JournalRecord]) throws(JournalError) {
        try checkWritable()
        var next = encoder
        var bytes: [UInt8] = []
        for record in records { try next.encode(record, fileOffset: size, into: &bytes) }
        if bytes.isEmpty { return }
        do {
            try FileOps.writeAll(fd, bytes, at: size, path)
            try FileOps.syncData(fd, path)
        } catch {
            rollBack()
            throw error
        }
        encoder = next
        size += bytes.count
        appends += 1
        bytesAppended += bytes.count
        for record in records {
            if case .snapshot = record { recordsSinceSnapshot = 0; snapshotEnd = size } else { recordsSinceSnapshot += 1 }
        }
    }

    /// Cuts a failed write back to the acknowledged size, so no partial record is left for a later
    /// append to bury (which would turn a torn tail into damage).
    private func rollBack() {
        do {
            try FileOps.truncate(fd, to: size, path)
            try FileOps.syncData(fd, path)
        } catch {
            condition = .unusable("a failed write could not be cut back (\(error.message))")
        }
    }

    func checkWritable() throws(JournalError) {
        switch condition {
        case .ready: return
        case .damaged(let damage): throw .damaged(path: path, offset: damage.offset, reason: damage.reason)
        case .unusable(let reason): throw .unusable(path: path, reason: reason)
        }
    }
}
