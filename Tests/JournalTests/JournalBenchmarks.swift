import Foundation
import Testing
import Journal
import Ledger

/// The journal's budgets of DESIGN §4, measured and printed (not timed tests: machines differ).
/// The recovery benchmark is heavy; it runs with JOURNAL_BENCH=1, in release:
///     JOURNAL_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter JournalBenchmarks
@Suite struct JournalBenchmarks {
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// One meter under a constant 1 kW load, polled at 1 Hz, consumption journaled every 60 s
    /// (journal.checkpoint): one checkpoint record a minute, all day.
    /// With JOURNAL_BENCH_DIR set (a disk-backed folder), the bytes the kernel sent to the device
    /// for this process (/proc/self/io write_bytes: whole pages, so each synced append costs a page).
    @Test func bytesWrittenPerDayAtSteadyState() throws {
        let dir = TempDir()
        let benchDir = ProcessInfo.processInfo.environment["JOURNAL_BENCH_DIR"]
        let path = benchDir.map { "\($0)/journal-day-\(getpid())" } ?? dir.file()
        defer { if benchDir != nil { try? FileManager.default.removeItem(atPath: path) } }
        let deviceBytesBefore = Self.deviceWriteBytes()
        let (file, _) = try JournalFile.open(path: path)
        let startMs: Int64 = 1_764_000_000_000
        try file.append([.started(atMs: WallClockMs(startMs))])
        let energyAtStart: Int64 = 9_876_543   // a meter that has counted ~10 MWh
        var lastJournaled: Int64 = -1
        var checkpoints = 0
        for second in 1...86_400 {
            let counter = energyAtStart + Int64(second) * 1000 / 3600   // 1 kW: 1 Wh every 3.6 s
            if second % 60 == 0 && counter != lastJournaled {
                try file.append([.event(meter: String(repeating: "m", count: 32), .counterCheckpoint(counter: WattHours(counter), atMs: WallClockMs(startMs + Int64(second) * 1000)))])
                lastJournaled = counter
                checkpoints += 1
            }
        }
        let perCheckpoint = Double(file.bytesAppended) / Double(checkpoints)
        print("journal: simulated day, 1 meter, 1 kW, checkpoint 60 s: \(checkpoints) checkpoints, \(file.appends) appends (fdatasync each), \(file.bytesAppended) bytes written (budget 65536), ~\(String(format: "%.1f", perCheckpoint)) bytes per checkpoint incl. the one-time header, start record and meter binding")
        if benchDir != nil {
            print("journal: the same day on \(path): \(Self.deviceWriteBytes() - deviceBytesBefore) bytes sent to the block device by this process")
        }
        #expect(checkpoints == 1440)
        #expect(file.bytesAppended <= 65_536 && file.size <= 65_536)
    }

    static func deviceWriteBytes() -> Int {
        let io = (try? String(contentsOfFile: "/proc/self/io", encoding: .utf8)) ?? ""
        let line = io.split(separator: "\n").first { $0.hasPrefix("write_bytes:") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
    }

    @Test(.enabled(if: ProcessInfo.processInfo.environment["JOURNAL_BENCH"] == "1"))
    func recoveryOfAMillionRecords() throws {
        let dir = TempDir()
        let records = realisticEvents(1_000_000, seed: 42)
        let (file, _) = try JournalFile.open(path: dir.file())
        let writeTime = try Self.seconds {
            for chunk in stride(from: 0, to: records.count, by: 10_000) { try file.append(Array(records[chunk..<(chunk + 10_000)])) }
        }
        file.close()
        var recovery = Recovery()
        var reopened: JournalFile?
        let openTime = try Self.seconds { (reopened, recovery) = try JournalFile.open(path: dir.file()) }
        var meters: [MeterSnapshot] = []
        let replayTime = try Self.seconds { meters = try replayed(recovery) }
        print("journal: 1,000,000 records, \(reopened?.size ?? 0) bytes: open+recover \(String(format: "%.3f", openTime)) s, replay \(String(format: "%.3f", replayTime)) s, total \(String(format: "%.3f", openTime + replayTime)) s (budget 1 s); written in \(String(format: "%.2f", writeTime)) s")
        #expect(recovery.events.count == 1_000_000 && meters.count == 2)
    }
}
