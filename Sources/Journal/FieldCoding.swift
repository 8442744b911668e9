import Ledger

/// Little-endian field encoding for journal records: LEB128 varints (zigzag for signed values,
/// so small magnitudes of either sign take few bytes), fixed-width integers, and length-prefixed
/// UTF-8 strings with a per-field bound. Compact because every record costs SD-card wear.
struct FieldWriter {
    var bytes: [UInt8] = []

    mutating func byte(_ value: UInt8) { bytes.append(value) }

    mutating func unsigned(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Zigzag: 0, -1, 1, -2 … → 0, 1, 2, 3 …; Int64.min and max both fit in 10 bytes.
    mutating func signed(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func fixed32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func fixed64(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// A transaction digest's text (`TransactionDigest.text`, or one of `CreditedDigests.texts`),
    /// as a string: it always fits (at most 44 bytes, `JournalLimits.digest`), so unlike `string`
    /// this cannot refuse.
    mutating func digest(_ text: String) {
        let utf8 = text.utf8
        unsigned(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// A string of at most `limit` UTF-8 bytes; longer is refused before anything is written.
    mutating func string(_ value: String, limit: Int, field: String) throws(JournalError) {
        let utf8 = value.utf8
        guard utf8.count <= limit else {
            throw .invalidRecord(reason: "\(field) is \(utf8.count) bytes, at most \(limit) allowed")
        }
        unsigned(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }
}

/// Reads fields back from a record body, checking every bound; any byte sequence gives a value or
/// a `JournalError.malformed`, never a trap.
struct FieldReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position: Int
    let end: Int
    /// File offset of `bytes[0]`, for error messages.
    let baseOffset: Int

    init(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, baseOffset: Int = 0) {
        self.bytes = bytes
        self.position = start
        self.end = min(end, bytes.count)
        self.baseOffset = baseOffset
    }

    var remaining: Int { end - position }
    var atEnd: Bool { position >= end }

    func fail(_ reason: String) -> JournalError { .malformed(offset: baseOffset + position, reason: reason) }

    mutating func byte() throws(JournalError) -> UInt8 {
        guard position < end else { throw fail("record ends early") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func unsigned() throws(JournalError) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            // the 10th byte may carry only the top bit of a 64-bit value
            if shift == 63 && b > 1 { throw fail("varint exceeds 64 bits") }
            value |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return value }
            shift += 7
            if shift > 63 { throw fail("varint exceeds 64 bits") }
        }
    }

    mutating func signed() throws(JournalError) -> Int64 {
        let z = try unsigned()
        return Int64(bitPattern: (z >> 1) ^ (0 &- (z & 1)))
    }

    /// An unsigned varint used as a count or index, at most `limit`.
    mutating func count(limit: Int, field: String) throws(JournalError) -> Int {
        let value = try unsigned()
        guard value <= UInt64(limit) else { throw fail("\(field) \(value) exceeds \(limit)") }
        return Int(value)
    }

    mutating func fixed32() throws(JournalError) -> UInt32 {
        guard remaining >= 4 else { throw fail("record ends early") }
        var value: UInt32 = 0
        for k in 0..<4 { value |= UInt32(bytes[position + k]) << UInt32(8 * k) }
        position += 4
        return value
    }

    mutating func fixed64() throws(JournalError) -> UInt64 {
        guard remaining >= 8 else { throw fail("record ends early") }
        var value: UInt64 = 0
        for k in 0..<8 { value |= UInt64(bytes[position + k]) << UInt64(8 * k) }
        position += 8
        return value
    }

    mutating func bool() throws(JournalError) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        case let other: throw fail("flag byte \(other) is neither 0 nor 1")
        }
    }

    mutating func string(limit: Int, field: String) throws(JournalError) -> String {
        // The length read inline: `count(limit:field:)` would need "FIELD length" built for every
        // string of every record replayed, not only for the message of a bad one.
        let value = try unsigned()
        guard value <= UInt64(limit) else { throw fail("\(field) length \(value) exceeds \(limit)") }
        let length = Int(value)
        guard length <= remaining else { throw fail("\(field) runs past the record") }
        let slice = UnsafeBufferPointer(rebasing: bytes[position..<(position + length)])
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw fail("\(field) is not valid UTF-8")
        }
        position += length
        return text
    }

    /// A transaction digest, validated here once: a string that is not one (in a record whose
    /// checksum holds) makes the record malformed, like any other impossible field. `manualCredit`:
    /// `TransactionDigest.manualCredit` is accepted too (a snapshot's recent payments).
    @inline(never)
    mutating func digest(field: String, manualCredit: Bool = false) throws(JournalError) -> TransactionDigest {
        guard let digest = TransactionDigest(try string(limit: JournalLimits.digest, field: field), orManualCredit: manualCredit) else {
            throw fail("not a Base58 transaction digest")   // the offset says which field
        }
        return digest
    }

    /// A record is exactly its fields: trailing bytes mean a different layout, so they are refused.
    func finish() throws(JournalError) {
        guard atEnd else { throw fail("\(remaining) unexpected bytes after the last field") }
    }
}
