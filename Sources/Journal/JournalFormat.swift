/// The bytes on disk (the file format, version 1). All integers little-endian.
///
///     header (20 bytes): "TMJL" | u16 format version (1) | u16 zero | u32 salt | u32 generation
///                        | u32 CRC-32C of the 16 bytes before it
///     record:            varint L | body (L bytes: u8 tag, then the tag's fields) | u32 check
///     check:             CRC-32C of (u32 salt, u64 record offset, varint L, body)
///
/// The check binds each record to this file generation (the salt is new at every compaction)
/// and to its own position, which is what SQLite's WAL gets from chaining frame checksums: a
/// stale record from an earlier file, or a record moved or duplicated within this one, does not
/// verify. Unlike a chain, a record verifies without trusting its neighbour's bytes, so recovery
/// can tell a torn tail (nothing valid follows) from damage in the middle (valid records follow).
enum JournalFormat {
    static let magic: [UInt8] = [0x54, 0x4D, 0x4A, 0x4C]   // "TMJL"
    static let version: UInt16 = 1
    static let headerSize = 20
    /// varint length (≤ 4 bytes within the body limit) + tag + check: the smallest record is 6.
    static let minimumRecordSize = 6

    struct Header: Equatable {
        var salt: UInt32
        var generation: UInt32
    }

    static func encodeHeader(_ header: Header) -> [UInt8] {
        var w = FieldWriter()
        w.bytes = magic
        w.byte(UInt8(truncatingIfNeeded: version))
        w.byte(UInt8(truncatingIfNeeded: version >> 8))
        w.byte(0)
        w.byte(0)
        w.fixed32(header.salt)
        w.fixed32(header.generation)
        w.fixed32(CRC32C.checksum(w.bytes))
        return w.bytes
    }

    enum HeaderResult {
        case header(Header)
        case damaged(String)
        case newerVersion(UInt16)
    }

    static func decodeHeader(_ bytes: UnsafeBufferPointer<UInt8>) -> HeaderResult {
        guard bytes.count >= headerSize else {
            return .damaged("file is \(bytes.count) bytes, shorter than the \(headerSize)-byte header")
        }
        for k in 0..<4 where bytes[k] != magic[k] { return .damaged("not a tanglemeter journal (bad magic)") }
        var r = FieldReader(bytes, from: 16, to: 20)
        let stored = (try? r.fixed32()) ?? 0
        guard CRC32C.checksum(UnsafeBufferPointer(rebasing: bytes[0..<16])) == stored else {
            return .damaged("header checksum mismatch")
        }
        let found = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        guard found == version, bytes[6] == 0, bytes[7] == 0 else { return .newerVersion(found) }
        r = FieldReader(bytes, from: 8, to: 16)
        let salt = (try? r.fixed32()) ?? 0
        let generation = (try? r.fixed32()) ?? 0
        return .header(Header(salt: salt, generation: generation))
    }

    /// The check of a record whose length varint and body are `framed`, at file offset `offset`.
    static func check(_ framed: UnsafeBufferPointer<UInt8>, salt: UInt32, offset: Int) -> UInt32 {
        var seed = (salt.littleEndian, UInt32(truncatingIfNeeded: offset).littleEndian,
                    UInt32(truncatingIfNeeded: UInt64(offset) >> 32).littleEndian)
        let prefix = withUnsafeBytes(of: &seed) { raw in
            CRC32C.checksum(raw.bindMemory(to: UInt8.self))
        }
        return CRC32C.checksum(framed, continuing: prefix)
    }

    /// Appends one framed record (length, body, check) for file offset `offset` to `out`.
    static func frame(body: [UInt8], at offset: Int, salt: UInt32, into out: inout [UInt8]) {
        var w = FieldWriter()
        w.unsigned(UInt64(body.count))
        w.bytes.append(contentsOf: body)
        let crc = w.bytes.withUnsafeBufferPointer { check($0, salt: salt, offset: offset) }
        w.fixed32(crc)
        out.append(contentsOf: w.bytes)
    }

    enum Frame {
        /// A record whose check holds: its body is `bytes[bodyStart..<bodyEnd]`, the next record at `next`.
        case valid(bodyStart: Int, bodyEnd: Int, next: Int)
        /// A record that does not verify. `claimedEnd`: where its own length says it ends (past the
        /// end of the file when the file ends inside it); nil when it has no usable length.
        case invalid(String, claimedEnd: Int?)
    }

    /// Reads the frame at `offset` and verifies its check; never reads outside `bytes`.
    static func readFrame(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, salt: UInt32) -> Frame {
        var r = FieldReader(bytes, from: offset, to: bytes.count)
        guard let length = try? r.unsigned() else {
            // every byte to the end has the continuation bit: the file ends inside the length
            let cut = bytes.count - offset < 10 && !bytes[offset...].contains { $0 < 0x80 }
            return .invalid("incomplete record length", claimedEnd: cut ? Int.max : nil)
        }
        guard length >= 1 else { return .invalid("zero record length", claimedEnd: nil) }
        guard length <= UInt64(JournalLimits.recordBody) else { return .invalid("record length \(length) too large", claimedEnd: nil) }
        let bodyStart = r.position
        let bodyEnd = bodyStart + Int(length)
        guard bodyEnd <= bytes.count - 4 else { return .invalid("record runs past the end of the file", claimedEnd: bodyEnd + 4) }
        r.position = bodyEnd
        guard let stored = try? r.fixed32() else { return .invalid("record runs past the end of the file", claimedEnd: bodyEnd + 4) }
        let computed = check(UnsafeBufferPointer(rebasing: bytes[offset..<bodyEnd]), salt: salt, offset: offset)
        guard computed == stored else { return .invalid("checksum mismatch", claimedEnd: bodyEnd + 4) }
        return .valid(bodyStart: bodyStart, bodyEnd: bodyEnd, next: bodyEnd + 4)
    }

    /// Whether any record that verifies starts after `offset`: what separates damage (valid data
    /// follows) from a torn tail (only the remains of the last write follow).
    static func validFrameExists(_ bytes: UnsafeBufferPointer<UInt8>, after offset: Int, salt: UInt32) -> Bool {
        var start = offset + 1
        while start + minimumRecordSize <= bytes.count {
            if case .valid = readFrame(bytes, at: start, salt: salt) { return true }
            start += 1
        }
        return false
    }
}
