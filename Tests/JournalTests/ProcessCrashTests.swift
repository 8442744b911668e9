import Foundation
import Testing
import TestSupport
@testable import Journal
import Ledger

/// A real process killed with SIGKILL in the middle of its append loop, again and again: every
/// append it acknowledged is recovered, in order, and nothing else but possibly the one append
/// that was in flight.
@Suite struct ProcessCrashTests {
    @Test func sigkillMidAppendLosesNothingAcknowledged() throws {
        let dir = TempDir()
        var rng = SeededGenerator(seed: 31)
        var acknowledged = -1
        for round in 0..<6 {
            let acks = dir.file("acks-\(round)")
            let child = try ChildProcess.start(mode: "append", journal: dir.file(), acks: acks)
            let target = Int.random(in: 20...400, using: &rng)
            let progressed = ChildProcess.await(seconds: 60) { ChildProcess.acks(acks).count >= target }
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            #expect(progressed, "round \(round): the child acknowledged too little")
            #expect(child.terminationReason == .uncaughtSignal && child.terminationStatus == SIGKILL)
            let lines = ChildProcess.acks(acks)
            #expect(!lines.contains { $0.hasPrefix("error") }, "\(lines.filter { $0.hasPrefix("error") })")
            if let last = lines.last.flatMap({ Int($0) }) { acknowledged = last }

            let (file, recovery) = try openJournal(dir.file())
            file.close()
            #expect(recovery.damage == nil)
            print("round \(round): acknowledged \(acknowledged), recovered \(recovery.events.count / 2) appends, torn \(recovery.tornTail?.message ?? "none")")
            let intended = (0...acknowledged + 1).flatMap { ChildProcess.batch($0) }
            let recovered = recovery.events.map { JournalRecord.event(meter: $0.meter, $0.event) }
            // every acknowledged batch is there, and nothing that was not written in this order
            #expect(recovered.count >= 2 * (acknowledged + 1), "round \(round): lost acknowledged records")
            #expect(recovered.count <= intended.count)
            #expect(Array(intended.prefix(recovered.count)) == recovered, "round \(round): recovered records out of order")
        }
    }

    /// Writes refused by the OS (a file-size limit standing in for a full disk): a clear error
    /// naming the file and errno, and the journal recovers to exactly what was acknowledged.
    @Test func aFileSizeLimitFailsCleanlyWithNothingUnacknowledged() throws {
        let dir = TempDir()
        let acks = dir.file("acks")
        let child = try ChildProcess.start(mode: "fsize", journal: dir.file(), acks: acks)
        child.waitUntilExit()
        let lines = ChildProcess.acks(acks)
        let error = lines.last ?? ""
        #expect(error.hasPrefix("error write \(dir.file()): File too large (EFBIG)"), "\(error)")
        let acknowledged = lines.compactMap { Int($0) }
        #expect(acknowledged == Array(0..<acknowledged.count) && acknowledged.count > 10)

        let (_, recovery) = try openJournal(dir.file())
        #expect(recovery.tornTail == nil && recovery.damage == nil, "the failed write was cut back")
        let expected = (0..<acknowledged.count).flatMap { ChildProcess.batch($0) }
        #expect(recovery.events.map { JournalRecord.event(meter: $0.meter, $0.event) } == expected)
    }
}
