import Foundation
import Testing
import TestSupport
@testable import Journal
import Ledger

/// Crashes at every point, as SQLite's crash tests do: every truncation of a journal recovers
/// to exactly the complete records, and damage before the last record is never passed over.
@Suite struct CrashTests {
    /// A journal of varied records, one append each, with the file size after each append.
    static func makeJournal(in dir: TempDir, count: Int, seed: UInt64) throws -> (records: [JournalRecord], ends: [Int]) {
        var rng = SeededGenerator(seed: seed)
        let (file, _) = try openJournal(dir.file())
        var records: [JournalRecord] = []
        var ends: [Int] = [file.size]
        for _ in 0..<count {
            let record = rng.record()
            try file.append([record])
            records.append(record)
            ends.append(file.size)
        }
        file.close()
        return (records, ends)
    }

    @Test func everyTruncationRecoversTheCompleteRecords() throws {
        let dir = TempDir()
        let (records, ends) = try Self.makeJournal(in: dir, count: 40, seed: 11)
        let full = readBytes(dir.file())
        #expect(full.count == ends.last)
        let copy = dir.file("copy")
        for cut in JournalFormat.headerSize...full.count {
            writeBytes(copy, Array(full[..<cut]))
            let (file, recovery) = try openJournal(copy)
            let complete = ends.lastIndex { $0 <= cut }! // records 0..<complete are whole
            let (snapshot, events) = expectedRecovery(Array(records[..<complete]))
            #expect(recovery.damage == nil, "cut at \(cut): \(recovery.damage?.message ?? "")")
            #expect(recovery.snapshot == snapshot, "cut at \(cut)")
            #expect(recovery.events == events, "cut at \(cut)")
            // whole records end at record boundaries; a cut inside an append may also leave a
            // complete meter-name binding, which is bookkeeping and kept
            if let torn = recovery.tornTail {
                #expect(torn.offset >= ends[complete] && torn.offset + torn.bytes == cut, "cut at \(cut)")
                #expect(file.size == torn.offset)
            } else {
                #expect(file.size == cut)
            }
            if ends[complete] == cut { #expect(recovery.tornTail == nil, "cut at \(cut)") }
            // the torn bytes are gone, so the next append lands right after the last good record
            #expect(readBytes(copy).count == file.size)
            try file.append([.started(atMs: 99)])
            file.close()
            let (againFile, again) = try openJournal(copy)
            againFile.close()
            #expect(again.tornTail == nil && again.damage == nil && again.lastStartedAtMs == 99, "cut at \(cut)")
        }
    }

    @Test func aTruncatedHeaderIsDamageNotAFreshJournal() throws {
        let dir = TempDir()
        _ = try Self.makeJournal(in: dir, count: 3, seed: 1)
        let full = readBytes(dir.file())
        for cut in 0..<JournalFormat.headerSize {
            writeBytes(dir.file("copy"), Array(full[..<cut]))
            let (file, recovery) = try openJournal(dir.file("copy"))
            #expect(recovery.damage?.offset == 0)
            #expect(throws: JournalError.self) { try file.append([.started(atMs: 1)]) }
        }
    }

    /// A single flipped bit anywhere before the last record: damage, reported, file untouched.
    @Test func flippedBitsBeforeTheLastRecordAreDamage() throws {
        let dir = TempDir()
        let (records, ends) = try Self.makeJournal(in: dir, count: 60, seed: 5)
        let full = readBytes(dir.file())
        let lastStart = ends[ends.count - 2]
        var rng = SeededGenerator(seed: 99)
        let copy = dir.file("copy")
        var positions = Array(0..<lastStart).shuffled(using: &rng).prefix(600)
        positions.append(contentsOf: [0, 4, 16, JournalFormat.headerSize, lastStart - 1])  // header, first, boundary
        for position in positions {
            var bytes = full
            bytes[position] ^= UInt8(1) << UInt8.random(in: 0..<8, using: &rng)
            writeBytes(copy, bytes)
            let (file, recovery) = try openJournal(copy)
            guard let damage = recovery.damage else {
                Issue.record("bit flip at \(position) not reported (torn tail: \(String(describing: recovery.tornTail)))")
                continue
            }
            #expect(recovery.tornTail == nil)
            // everything before the damaged append was recovered, nothing after it
            if position < JournalFormat.headerSize {
                #expect(damage.offset == 0)
            } else {
                let intact = ends.lastIndex { $0 <= position }!
                #expect(damage.offset >= ends[intact] && damage.offset < ends[intact + 1], "flip at \(position)")
                let (snapshot, events) = expectedRecovery(Array(records[..<intact]))
                #expect(recovery.snapshot == snapshot && recovery.events == events, "flip at \(position)")
            }
            #expect(throws: JournalError.self) { try file.append([.started(atMs: 1)]) }
            #expect(readBytes(copy) == bytes, "a damaged journal must be left as it was")
        }
    }

    /// The one thing recovery cannot tell apart: a flip in the last record looks like a torn write.
    @Test func aFlipInTheLastRecordReadsAsATornTail() throws {
        let dir = TempDir()
        let (records, ends) = try Self.makeJournal(in: dir, count: 5, seed: 3)
        var bytes = readBytes(dir.file())
        bytes[ends[4] + 1] ^= 0x10
        writeBytes(dir.file(), bytes)
        let (_, recovery) = try openJournal(dir.file())
        #expect(recovery.damage == nil)
        #expect(recovery.tornTail?.offset == ends[4])
        #expect(recovery.events == expectedRecovery(Array(records[..<4])).1)
    }

    @Test func createsItsDirectoryAndFileWithPrivateModes() throws {
        let dir = TempDir()
        let path = "\(dir.path)/var/lib/tanglemeter/journal"
        let (file, _) = try openJournal(path)
        try file.append([.started(atMs: 1)])
        let attributes = { (p: String) in ((try? FileManager.default.attributesOfItem(atPath: p))?[.posixPermissions] as? Int) ?? -1 }
        #expect(attributes(path) == 0o600)
        #expect(attributes("\(dir.path)/var/lib/tanglemeter") == 0o700)
        #expect(attributes("\(dir.path)/var") == 0o700)
    }
}
