import Foundation
import Testing
import TestSupport
@testable import Journal
import Ledger

/// DESIGN §3.5's guards around the file itself (issue 17): one daemon per journal, a journal deleted
/// or replaced while open is damage, a torn tail is only the remains of one record and is kept.
@Suite struct GuardTests {
    @Test func aSecondOpenIsRefusedNamingTheHolderUntilTheFirstCloses() throws {
        let dir = TempDir()
        let (first, _) = try openJournal(dir.file())
        #expect(readBytes(dir.file("journal.lock")) == Array("\(getpid())\n".utf8))
        #expect(throws: JournalError.locked(path: dir.file(), holder: "pid \(getpid())")) {
            _ = try JournalFile.open(path: dir.file())
        }
        // the refused open touched nothing: the holder's appends go on
        try first.append([.started(atMs: 1)])
        first.close()
        let (second, recovery) = try openJournal(dir.file())
        #expect(recovery.records == 1)
        second.close()
    }

    @Test func aJournalDeletedWhileOpenIsDamage() throws {
        let dir = TempDir()
        let (file, _) = try openJournal(dir.file())
        try file.append([.started(atMs: 1)])
        unlink(dir.file())
        #expect { try file.checkWritable() } throws: { error in
            guard case .damaged(_, _, let reason) = error as? JournalError else { return false }
            return reason.contains("deleted")
        }
        #expect(throws: JournalError.self) { try file.append([.started(atMs: 2)]) }
        #expect(!FileManager.default.fileExists(atPath: dir.file()), "nothing may start a new journal silently")
    }

    @Test func aJournalRenamedAwayOrReplacedWhileOpenIsDamage() throws {
        for replace in [false, true] {
            let dir = TempDir()
            let (file, _) = try openJournal(dir.file())
            try file.append([.started(atMs: 1)])
            let before = readBytes(dir.file())
            rename(dir.file(), dir.file("journal.moved"))
            if replace { writeBytes(dir.file(), before) }    // a restore of an older copy over it
            #expect(throws: JournalError.self) { try file.append([.started(atMs: 2)]) }
            #expect(readBytes(dir.file("journal.moved")) == before)
        }
    }

    /// `count` manual credits to one meter, one append each (the first also binds the meter's name);
    /// the records and where each append ended (the header's end first).
    static func credits(in dir: TempDir, count: Int) throws -> (records: [JournalRecord], ends: [Int]) {
        let (file, _) = try openJournal(dir.file())
        var records: [JournalRecord] = []
        var ends = [file.size]
        for k in 1...count {
            let record = JournalRecord.event(meter: "main", .manualCredit(amount: Nanos(Int64(k) * 1_000_000_000),
                                                                          note: "cash \(k)", atMs: WallClockMs(Int64(k))))
            try file.append([record])
            records.append(record)
            ends.append(file.size)
        }
        file.close()
        return (records, ends)
    }

    /// An SD card that lost its last page: zeros over the last 64 bytes, several whole records.
    @Test func aZeroedTailIsDamageAndLeftUntouched() throws {
        let dir = TempDir()
        _ = try Self.credits(in: dir, count: 8)
        var bytes = readBytes(dir.file())
        for k in (bytes.count - 64)..<bytes.count { bytes[k] = 0 }
        writeBytes(dir.file(), bytes)
        let (_, recovery) = try openJournal(dir.file())
        #expect(recovery.tornTail == nil)
        #expect(recovery.damage?.reason.contains("not a torn write") == true, "\(recovery.damage?.message ?? "no damage")")
        #expect(readBytes(dir.file()) == bytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains("torn") }.isEmpty)
    }

    /// The rule, exactly: a bad tail is torn only while the file ends inside the record that starts it.
    @Test func aBadTailLongerThanItsRecordIsDamageAndOneRecordOrLessIsTorn() throws {
        let dir = TempDir()
        let (records, ends) = try Self.credits(in: dir, count: 6)
        let full = readBytes(dir.file())
        let last = ends[5]
        // the last record whole but with a bad check, plus one garbage byte after it: damage
        var longer = full + [0x00]
        longer[full.count - 5] ^= 0x10
        writeBytes(dir.file("a"), longer)
        let (_, a) = try openJournal(dir.file("a"))
        #expect(a.damage?.offset == last && a.tornTail == nil)
        // cut anywhere inside the last record: torn, and the cut bytes are kept
        for cut in (last + 1)..<full.count {
            let name = dir.file("cut\(cut)")
            writeBytes(name, Array(full[..<cut]))
            let (file, recovery) = try openJournal(name)
            #expect(recovery.damage == nil && recovery.tornTail?.offset == last, "cut at \(cut)")
            #expect(recovery.tornTail?.savedAs == "\(name).torn-\(last)")
            #expect(readBytes("\(name).torn-\(last)") == Array(full[last..<cut]))
            #expect(readBytes(name) == Array(full[..<last]))
            #expect(recovery.events == expectedRecovery(Array(records[..<5])).1)
            file.close()
        }
    }

    @Test func aSecondTornTailAtTheSameOffsetIsSavedBesideTheFirst() throws {
        let dir = TempDir()
        let (_, ends) = try Self.credits(in: dir, count: 3)
        let full = readBytes(dir.file())
        for round in 1...2 {
            writeBytes(dir.file(), Array(full[..<(full.count - 1)]))
            let (file, recovery) = try openJournal(dir.file())
            let expected = round == 1 ? dir.file("journal.torn-\(ends[2])") : dir.file("journal.torn-\(ends[2])-2")
            #expect(recovery.tornTail?.savedAs == expected)
            #expect(recovery.tornTail?.message.hasSuffix("saved as \(expected)") == true)
            file.close()
        }
    }

    /// Boot stamps cost the checkpoint only their boot-clock ms and a flag: the id is bound once
    /// per file (and again after a compaction or a new boot).
    @Test func stampedCheckpointsBindTheBootIdOncePerFile() throws {
        let dir = TempDir()
        let (file, _) = try openJournal(dir.file())
        let bootA = BootID(high: 1, low: 2)
        let bootB = BootID(high: 3, low: 4)
        func checkpoint(_ counter: Int64, _ boot: BootID) -> JournalRecord {
            .event(meter: "main", .counterCheckpoint(counter: WattHours(counter), atMs: WallClockMs(1_800_000_000_000 + counter * 60_000),
                                                     boot: BootStamp(id: boot, ms: 86_400_000 + counter * 60_000, wallSynchronised: true)))
        }
        try file.append([checkpoint(1, bootA)])
        let first = file.size
        try file.append([checkpoint(2, bootA)])
        let plain = file.size - first
        #expect(plain <= 22, "a stamped checkpoint is \(plain) bytes")
        try file.append([checkpoint(3, bootB)])
        #expect(file.size - first - plain > plain + 16, "a new boot binds its id")
        try file.append([checkpoint(4, bootB)])
        file.close()
        let (reopened, recovery) = try openJournal(dir.file())
        #expect(recovery.events.map(\.event) == [1, 2, 3, 4].map { k -> AccountEvent in
            guard case .event(_, let e) = checkpoint(Int64(k), k <= 2 ? bootA : bootB) else { fatalError() }
            return e
        })
        // the appender continues with the binding it found: no second binding for the same boot
        let before = reopened.size
        try reopened.append([checkpoint(5, bootB)])
        #expect(reopened.size - before == plain)
        reopened.close()
    }
}
