import Foundation
import Testing
import TestSupport
@testable import Journal
import Ledger

/// Tests that need a process of their own (to be killed with SIGKILL, or to run under a file-size
/// limit) re-run this test binary with `JOURNAL_CHILD` set; `childEntry` then does the child's
/// work instead of being a test. The child reports what it acknowledged by write(2) to an ack
/// file, one line per append that returned, so the parent knows exactly what was promised.
enum ChildProcess {
    static let modeVariable = "JOURNAL_CHILD"

    /// Runs the child in `mode` on `journal`, writing acknowledgements to `acks`; returns it running.
    static func start(mode: String, journal: String, acks: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = ["--testing-library", "swift-testing", "--filter", "ChildProcessEntry"]
        var environment = ProcessInfo.processInfo.environment
        environment[modeVariable] = mode
        environment["JOURNAL_CHILD_PATH"] = journal
        environment["JOURNAL_CHILD_ACKS"] = acks
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// The ack file's lines.
    static func acks(_ path: String) -> [String] {
        (String(data: FileManager.default.contents(atPath: path) ?? Data(), encoding: .utf8) ?? "")
            .split(separator: "\n").map(String.init)
    }

    /// Waits until `condition` holds or `seconds` pass; returns whether it held.
    static func await(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(2_000)
        }
        return condition()
    }

    /// The records of append number `n` in the children's append loop: a payment and a checkpoint
    /// for one of three meters (the first use of each meter also binds its name).
    static func batch(_ n: Int) -> [JournalRecord] {
        let meter = "m\(n % 3)"
        return [.event(meter: meter, .paymentCredited(Payment(digest: txDigest("tx-\(n)"), amount: Nanos(Int64(n)), checkpoint: UInt64(n), timestampMs: WallClockMs(Int64(n))))),
                .event(meter: meter, .counterCheckpoint(counter: WattHours(Int64(n)), atMs: WallClockMs(Int64(n))))]
    }
}

@Suite struct ChildProcessEntry {
    @Test func childEntry() throws {
        let env = ProcessInfo.processInfo.environment
        guard let mode = env[ChildProcess.modeVariable], let path = env["JOURNAL_CHILD_PATH"],
              let ackPath = env["JOURNAL_CHILD_ACKS"] else { return }   // not a child: nothing to do
        let ackFD = open(ackPath, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        func ack(_ line: String) { _ = line.utf8CString.withUnsafeBufferPointer { write(ackFD, $0.baseAddress, $0.count - 1) } }
        if mode == "fsize" {
            // the disk-full stand-in: writes past 4 KiB fail with EFBIG instead of killing us
            signal(SIGXFSZ, SIG_IGN)
            var limit = rlimit(rlim_cur: 4096, rlim_max: 4096)
            setrlimit(Int32(RLIMIT_FSIZE.rawValue), &limit)
        }
        let (file, recovery) = try JournalFile.open(path: path)
        var n = recovery.events.count / 2   // continue where the last child was killed
        while true {
            do {
                try file.append(ChildProcess.batch(n))
            } catch {
                ack("error \(error.message)\n")
                return
            }
            ack("\(n)\n")
            n += 1
        }
    }
}
