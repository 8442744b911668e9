import CSystem

/// When to compact: after this much journal since the latest snapshot. Both bound recovery
/// (time and memory: the events after the snapshot are replayed) and the file's size; at one
/// checkpoint a minute per meter the defaults compact every few weeks, so the snapshots cost
/// almost nothing of the SD-card write budget.
public struct CompactionPolicy: Sendable {
    public var maxBytesSinceSnapshot: Int
    public var maxRecordsSinceSnapshot: Int

    public init(maxBytesSinceSnapshot: Int = 1 << 20, maxRecordsSinceSnapshot: Int = 20_000) {
        self.maxBytesSinceSnapshot = maxBytesSinceSnapshot
        self.maxRecordsSinceSnapshot = maxRecordsSinceSnapshot
    }
}

extension JournalFile {
    /// Whether the journal has grown past `policy` since its latest snapshot.
    public func needsCompaction(_ policy: CompactionPolicy = CompactionPolicy()) -> Bool {
        size - snapshotEnd > policy.maxBytesSinceSnapshot || recordsSinceSnapshot > policy.maxRecordsSinceSnapshot
    }

    /// Replaces the journal with a new generation holding only `snapshot`, which must be the state
    /// of every acknowledged record. On failure before the rename the old file stays in use,
    /// unchanged; on failure after it the file must be reopened.
    public func compact(snapshot: JournalSnapshot) throws(JournalError) {
        try checkWritable()
        var salt = FileOps.randomSalt()
        if salt == header.salt { salt &+= 1 }   // a stale block of the old file must not verify
        let newHeader = JournalFormat.Header(salt: salt, generation: header.generation &+ 1)
        let headerBytes = JournalFormat.encodeHeader(newHeader)
        var bytes: [UInt8] = []
        var newEncoder = RecordEncoder(salt: salt)
        try newEncoder.encode(.snapshot(snapshot), fileOffset: headerBytes.count, into: &bytes)
        bytes = headerBytes + bytes
        try JournalFile.replaceAtomically(path, with: bytes, afterRename: { () throws(JournalError) in
            // from here the new file is the journal: appends must go to it, never the old inode
            FileOps.close(fd)
            fd = -1
            condition = .unusable("compaction was interrupted after its rename")
            fd = try FileOps.open(path, flags: O_RDWR)
        })
        header = newHeader
        encoder = newEncoder
        size = bytes.count
        snapshotEnd = bytes.count
        recordsSinceSnapshot = 0
        compactions += 1
        bytesAppended += bytes.count
        condition = .ready
    }

    /// Writes `bytes` as the whole new content of `path`: tmp file (0600), fsync, rename,
    /// `afterRename`, fsync of the directory. A failure before the rename removes the tmp file.
    static func replaceAtomically(_ path: String, with bytes: [UInt8],
                                  afterRename: () throws(JournalError) -> Void = {}) throws(JournalError) {
        let tmp = path + ".tmp"
        let fd = try FileOps.open(tmp, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        do {
            try FileOps.writeAll(fd, bytes, at: 0, tmp)
            try FileOps.sync(fd, tmp)
            FileOps.close(fd)
        } catch {
            FileOps.close(fd)
            try? FileOps.unlinkIfPresent(tmp)
            throw error
        }
        do {
            try FileOps.rename(tmp, to: path)
        } catch {
            try? FileOps.unlinkIfPresent(tmp)
            throw error
        }
        try afterRename()
        try FileOps.syncDirectory(FileOps.parentDirectory(of: path))
    }
}
