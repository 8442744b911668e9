import Ledger
import OS

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
/// - open: the lock `PATH.lock` first (one daemon per journal); a torn tail is saved to
///   `PATH.torn-OFFSET` (fsync, fsync of the directory), then cut with ftruncate + fsync before
///   anything is appended after it.
public final class JournalFile {
    public let path: String
    /// `closedFD` once closed.
    var fd: FileDescriptor
    /// Held from open to close; nil once released.
    var lock: JournalLock?
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
    /// the caller must do with a torn tail (log it) or damage (refuse to run on it). Takes the
    /// journal's lock first (`JournalLock`): a journal another process holds throws `.locked`.
    public static func open(path: String) throws(JournalError) -> (JournalFile, Recovery) {
        try os { () throws(SystemError) in
            try FileSystem.makeDirectories(FileSystem.parentDirectory(of: path), permissions: 0o700, durable: true)
        }
        let lock = try JournalLock.acquire(journalPath: path)
        var fd = closedFD
        do {
            // a creation or compaction that never reached its rename
            try os { () throws(SystemError) in try FileSystem.removeIfPresent(path + ".tmp") }
            if !(try os { () throws(SystemError) in try FileSystem.exists(path) }) {
                let header = JournalFormat.Header(salt: randomSalt(), generation: 1)
                try replaceAtomically(path, with: JournalFormat.encodeHeader(header))
            }
            fd = try os { () throws(SystemError) in try FileDescriptor.open(path, .readWrite) }
            let bytes = try os { () throws(SystemError) in try fd.readAll(path) }
            let scan = try bytes.withUnsafeBufferPointer { (b) throws(JournalError) in try JournalScan.scan(b, path: path) }
            var recovery = scan.recovery
            if recovery.tornTail != nil && recovery.damage == nil {
                // never acknowledged, but evidence: kept beside the journal before it is cut off
                recovery.tornTail?.savedAs = try saveTornTail(bytes[recovery.validBytes...], of: path, at: recovery.validBytes)
                try os { () throws(SystemError) in
                    try fd.truncate(to: recovery.validBytes, path)
                    try fd.sync(path)
                }
            }
            let file = JournalFile(path: path, fd: fd, lock: lock, header: scan.header ?? JournalFormat.Header(salt: 0, generation: 0),
                                   meterNames: scan.meterNames, boot: scan.boundBoot, size: recovery.validBytes,
                                   snapshotEnd: scan.snapshotEnd, recordsSinceSnapshot: recovery.recordsSinceSnapshot)
            if let damage = recovery.damage { file.condition = .damaged(damage) }
            return (file, recovery)
        } catch {
            if fd != closedFD { fd.close() }
            lock.release()
            throw error
        }
    }

    /// Writes the bytes a torn tail cut off to `PATH.torn-OFFSET` (`-2`, `-3` … if taken), durably
    /// (as a new journal is: tmp, fsync, rename, fsync of the directory); returns the name.
    private static func saveTornTail(_ bytes: ArraySlice<UInt8>, of path: String, at offset: Int) throws(JournalError) -> String {
        let base = path + ".torn-\(offset)"
        var name = base
        var n = 1
        while try os({ () throws(SystemError) in try FileSystem.exists(name) }) {
            n += 1
            name = base + "-\(n)"
        }
        try replaceAtomically(name, with: Array(bytes))
        return name
    }

    private init(path: String, fd: FileDescriptor, lock: JournalLock, header: JournalFormat.Header, meterNames: [String], boot: BootID?, size: Int,
                 snapshotEnd: Int, recordsSinceSnapshot: Int) {
        self.path = path
        self.fd = fd
        self.lock = lock
        self.header = header
        self.encoder = RecordEncoder(salt: header.salt, meterNames: meterNames, boot: boot)
        self.condition = .ready
        self.size = size
        self.snapshotEnd = snapshotEnd
        self.recordsSinceSnapshot = recordsSinceSnapshot
    }

    deinit { close() }

    /// Closes the descriptor and releases the lock; later calls throw `unusable`.
    public func close() {
        if fd != closedFD { fd.close() }
        fd = closedFD
        lock?.release()
        lock = nil
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
            try fd.writeAll(bytes, at: size, path)
            try fd.syncData(path)
        } catch {
            rollBack()
            throw .system(error)
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
            try fd.truncate(to: size, path)
            try fd.syncData(path)
        } catch {
            condition = .unusable("a failed write could not be cut back (\(error.message))")
        }
    }

    /// Throws unless the journal may be written: not damaged, not unusable, and still the file at
    /// `path` (checked at every append and compaction, and by the daemon on a timer).
    public func checkWritable() throws(JournalError) {
        switch condition {
        case .ready:
            if let reason = displacement() {
                condition = .damaged(JournalDamage(offset: size, reason: reason))
                throw .damaged(path: path, offset: size, reason: reason)
            }
        case .damaged(let damage): throw .damaged(path: path, offset: damage.offset, reason: damage.reason)
        case .unusable(let reason): throw .unusable(path: path, reason: reason)
        }
    }

    /// Why the open file is no longer the journal at `path`, if it is not: deleted (`rm`), renamed
    /// away, or replaced (a restore or an editor's save over it). Appending on would write to a file
    /// nobody reads, and the next start would be a silent new start that knows no credit.
    private func displacement() -> String? {
        guard let open = try? fd.info(path) else { return nil }   // cannot tell; the write itself will fail
        if open.linkCount == 0 { return "the file was deleted while open" }
        let named: FileInfo?
        do { named = try FileSystem.info(path) } catch { return nil }
        guard let named else { return "the file is gone from its path (deleted or renamed while open)" }
        if !named.isSameFile(as: open) { return "the path names another file (replaced while open)" }
        return nil
    }
}

/// The descriptor of a journal file that is not open.
let closedFD = FileDescriptor(rawValue: -1)

/// Runs OS calls for the journal: a failure becomes `JournalError.system`, naming the call, the
/// path and errno (`fdatasync /var/lib/tanglemeter/journal: No space left on device (ENOSPC)`).
func os<T>(_ body: () throws(SystemError) -> T) throws(JournalError) -> T {
    do { return try body() } catch { throw .system(error) }
}

/// 32 bits for a file generation's salt, from the kernel's random source; the clock if that fails.
func randomSalt() -> UInt32 {
    var salt: UInt32 = 0
    if let fd = try? FileDescriptor.open("/dev/urandom", .readOnly) {
        _ = withUnsafeMutableBytes(of: &salt) { try? fd.read(into: $0) }
        fd.close()
    }
    if salt == 0 {
        let ns = Clock.wallNanos()
        salt = UInt32(truncatingIfNeeded: ns ^ ns >> 32) | 1
    }
    return salt
}
