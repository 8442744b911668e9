// Fuzzes journal recovery and the record decoder. Two modes, by the first input byte:
//  - even: the input is a whole journal file, as read from disk (header, framing, scan);
//  - odd: the input is a list of record bodies (u8 length, body …) that this target frames with a
//    valid header and valid checks, so the fuzzer reaches the field decoder behind the CRC.
// Either way recovery must return or throw a JournalError, never trap, and its result must be
// self-consistent.
import Journal
import Ledger

/// CRC-32C bit by bit: an independent implementation of the journal's checksum.
private func crc32c(_ bytes: [UInt8], _ start: UInt32 = 0) -> UInt32 {
    var c = ~start
    for b in bytes {
        c ^= UInt32(b)
        for _ in 0..<8 { c = (c & 1) != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
    }
    return ~c
}

private func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> UInt32(8 * $0)) } }

private func varint(_ v: Int) -> [UInt8] {
    var v = UInt64(v), out: [UInt8] = []
    while v >= 0x80 { out.append(UInt8(truncatingIfNeeded: v) | 0x80); v >>= 7 }
    out.append(UInt8(v))
    return out
}

/// A version-1 journal whose records are `bodies`, each with a correct check.
private func framedJournal(_ bodies: [[UInt8]]) -> [UInt8] {
    let salt: UInt32 = 0x5EED_F00D
    var file: [UInt8] = [0x54, 0x4D, 0x4A, 0x4C, 1, 0, 0, 0] + le32(salt) + le32(1)
    file += le32(crc32c(file))
    for body in bodies where !body.isEmpty {
        let offset = UInt64(file.count)
        let framed = varint(body.count) + body
        let seed = crc32c(le32(salt) + le32(UInt32(truncatingIfNeeded: offset)) + le32(UInt32(truncatingIfNeeded: offset >> 32)))
        file += framed + le32(crc32c(framed, seed))
    }
    return file
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    guard let mode = input.first else { return 0 }
    var image = Array(input.dropFirst())
    if mode & 1 == 1 {
        var bodies: [[UInt8]] = []
        var rest = image[...]
        while let length = rest.first {
            rest = rest.dropFirst()
            bodies.append(Array(rest.prefix(Int(length))))
            rest = rest.dropFirst(Int(length))
        }
        image = framedJournal(bodies)
    }
    let result = image.withUnsafeBufferPointer { buffer -> Recovery? in try? recoverJournal(image: buffer) }
    if let recovery = result {
        precondition(!(recovery.tornTail != nil && recovery.damage != nil), "torn tail and damage at once")
        precondition(recovery.validBytes <= image.count, "valid bytes beyond the image")
        if let torn = recovery.tornTail { precondition(torn.offset + torn.bytes == image.count, "torn tail does not reach the end") }
        precondition(recovery.recordsSinceSnapshot <= recovery.records && recovery.events.count <= recovery.recordsSinceSnapshot)
        for event in recovery.events { precondition(event.meter.utf8.count <= JournalLimits.meterName) }
    }
    return 0
}
