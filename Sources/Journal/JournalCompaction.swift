import OS

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
        var salt = randomSalt()
        if salt == header.salt { salt &+= 1 }   // a stale block of the old file must not verify
        let newHeader = JournalFormat.Header(salt: salt, generation: header.generation &+ 1)
        let headerBytes = JournalFormat.encodeHeader(newHeader)
        var bytes: [UInt8] = []
        var newEncoder = RecordEncoder(salt: salt)
        try newEncoder.encode(.snapshot(snapshot), fileOffset: headerBytes.count, into: &bytes)
        bytes = headerBytes + bytes
        try os { () throws(SystemError) in
            try FileSystem.replace(path, with: bytes, temporary: path + ".tmp", permissions: 0o600, durability: .contentSynced)
        }
        // From here the new file is the journal: appends must go to it, never the old inode, so it
        // is reopened before the directory sync that makes the rename durable.
        fd.close()
        fd = closedFD
        condition = .unusable("compaction was interrupted after its rename")
        try os { () throws(SystemError) in
            fd = try FileDescriptor.open(path, .readWrite)
            try FileSystem.syncDirectory(FileSystem.parentDirectory(of: path))
        }
        header = newHeader
        encoder = newEncoder
        size = bytes.count
        snapshotEnd = bytes.count
        recordsSinceSnapshot = 0
        compactions += 1
        bytesAppended += bytes.count
        condition = .ready
    }

    /// Writes `bytes` as the whole new content of `path`, durably: tmp file (0600), fsync, rename,
    /// fsync of the directory. A failure before the rename removes the tmp file.
    static func replaceAtomically(_ path: String, with bytes: [UInt8]) throws(JournalError) {
        try os { () throws(SystemError) in
            try FileSystem.replace(path, with: bytes, temporary: path + ".tmp", permissions: 0o600, durability: .durable)
        }
    }
}
