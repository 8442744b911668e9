import Foundation
import Testing
@testable import Journal
import Ledger
import OS

/// Runs mount(8) or umount(8); returns whether it succeeded.
@discardableResult
func runMount(_ arguments: [String]) -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0] == "umount" ? "/bin/umount" : "/bin/mount")
    process.arguments = Array(arguments.dropFirst())
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}

/// A tiny tmpfs makes a real full disk (ENOSPC) and, remounted, a real read-only one (EROFS);
/// root is needed to mount (and would bypass permission bits, so chmod cannot stand in).
@Suite(.enabled(if: getuid() == 0, "mounting a small tmpfs needs root")) struct DiskFullTests {
    @Test func aFullDiskIsAClearErrorAndNothingUnacknowledgedSurvives() throws {
        let dir = TempDir()
        let mnt = dir.file("mnt")
        try FileManager.default.createDirectory(atPath: mnt, withIntermediateDirectories: false)
        try #require(runMount(["mount", "-t", "tmpfs", "-o", "size=16k,mode=0700", "tmpfs", mnt]), "mount tmpfs failed")
        defer { runMount(["umount", mnt]); withExtendedLifetime(dir) {} }
        let path = "\(mnt)/journal"

        let (file, _) = try openJournal(path)
        var acknowledged = 0
        var failure: JournalError?
        while failure == nil && acknowledged < 100_000 {
            do {
                try file.append(ChildProcess.batch(acknowledged))
                acknowledged += 1
            } catch {
                failure = error
            }
        }
        guard case .system(let cause) = failure else {
            Issue.record("expected a system error, got \(String(describing: failure))"); return
        }
        #expect(cause.errno == .ENOSPC && cause.subject == path && (cause.operation == "write" || cause.operation == "fdatasync"))
        #expect(failure?.message.contains("No space left on device (ENOSPC)") == true)
        let acknowledgedSize = file.size
        #expect(readBytes(path).count == acknowledgedSize, "the partial write was cut back")
        #expect(throws: JournalError.self) { try file.append(ChildProcess.batch(acknowledged)) }
        // compaction needs room for a second copy: it fails before the rename, and the journal stays
        #expect(throws: JournalError.self) {
            try file.compact(snapshot: JournalSnapshot(atMs: 0, meters: [MeterSnapshot(name: "m0", state: AccountState(tariff: configuredTariff))]))
        }
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
        file.close()

        let (reopened, recovery) = try openJournal(path)
        reopened.close()
        #expect(recovery.tornTail == nil && recovery.damage == nil)
        let expected = (0..<acknowledged).flatMap { ChildProcess.batch($0) }
        #expect(recovery.events.map { JournalRecord.event(meter: $0.meter, $0.event) } == expected)

        // read-only: opening fails with the path and EROFS (its lock file's, opened first)
        try #require(runMount(["mount", "-o", "remount,ro", mnt]), "remount read-only failed")
        #expect(throws: JournalError.system(SystemError("open", path + ".lock", errno: .EROFS))) {
            _ = try JournalFile.open(path: path)
        }
    }
}
