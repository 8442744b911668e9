import Foundation
import Testing
import TestSupport
@testable import Journal
import Ledger

/// A fresh directory for one test, removed afterwards. On /dev/shm when there is one: the tests
/// open thousands of journals and every open fsyncs; a disk would make that slow, not truer.
final class TempDir {
    let path: String

    init() {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        var template = Array("\(base)/journal-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(cString: made!)
    }

    func file(_ name: String = "journal") -> String { "\(path)/\(name)" }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

func readBytes(_ path: String) -> [UInt8] { [UInt8](FileManager.default.contents(atPath: path) ?? Data()) }

func writeBytes(_ path: String, _ bytes: [UInt8]) {
    precondition(FileManager.default.createFile(atPath: path, contents: Data(bytes)), "cannot write \(path)")
}

extension SeededGenerator {
    /// Mostly everyday values, sometimes the extremes a codec gets wrong.
    mutating func int64() -> Int64 {
        switch Int.random(in: 0..<8, using: &self) {
        case 0: return [Int64.min, Int64.max, 0, -1, 1][Int.random(in: 0..<5, using: &self)]
        case 1: return Int64(bitPattern: next())
        default: return Int64.random(in: 0...2_000_000_000_000, using: &self)
        }
    }

    mutating func text(maxLength: Int, alphabet: String = "abcdefghijklmnopqrstuvwxyz0123456789_-") -> String {
        let letters = Array(alphabet)
        let length = Int.random(in: 0...maxLength, using: &self)
        return String((0..<length).map { _ in letters[Int.random(in: 0..<letters.count, using: &self)] })
    }

    /// A transaction digest: 32 to 44 Base58 letters.
    mutating func digest() -> TransactionDigest {
        let letters = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
        let length = Int.random(in: 32...44, using: &self)
        return TransactionDigest(String((0..<length).map { _ in letters[Int.random(in: 0..<letters.count, using: &self)] }))!
    }

    /// None (a record from before boot stamps), or one of two boots, so files bind and re-bind ids.
    mutating func bootStamp() -> BootStamp? {
        switch Int.random(in: 0..<3, using: &self) {
        case 0: return nil
        case let k: return BootStamp(id: BootID(high: UInt64(k), low: UInt64(k) &* 7), ms: int64(), wallSynchronised: k == 1)
        }
    }

    mutating func event() -> AccountEvent {
        switch Int.random(in: 0..<10, using: &self) {
        case 0: return .paymentCredited(Payment(digest: digest(), amount: Nanos(int64()), checkpoint: next(), timestampMs: WallClockMs(int64())))
        case 1: return .manualCredit(amount: Nanos(int64()), note: text(maxLength: 80, alphabet: "cash from flat 3 ünïcødé €"), atMs: WallClockMs(int64()))
        case 2: return .counterCheckpoint(counter: WattHours(int64()), atMs: WallClockMs(int64()), boot: bootStamp())
        case 3: return .counterRebaselined(from: WattHours(int64()), to: WattHours(int64()), atMs: WallClockMs(int64()), boot: bootStamp())
        case 4: return .counterJumpRejected(from: WattHours(int64()), to: WattHours(int64()), atMs: WallClockMs(int64()), boot: bootStamp())
        case 5: return .tariffChanged(pricePerKWh: Nanos(int64()), atMs: WallClockMs(int64()))
        case 6: return .emergencyGranted(amount: Nanos(int64()), atMs: WallClockMs(int64()))
        case 7: return .relayOverride([.auto, .on, .off][Int.random(in: 0..<3, using: &self)], atMs: WallClockMs(int64()))
        case 8: return .paymentCursor(digest: digest())
        default: return .paymentBaseline(cursor: Bool.random(using: &self) ? digest() : nil)
        }
    }

    mutating func meterName() -> String {
        ["main", "flat-3", "a", String(repeating: "m", count: 32)][Int.random(in: 0..<4, using: &self)]
    }

    mutating func accountState() -> AccountState {
        var s = AccountState(tariff: Tariff(pricePerKWh: Nanos(int64())))
        s.credited = Nanos(int64())
        s.billed = WattHours(int64())
        s.counter = Bool.random(using: &self) ? WattHours(int64()) : nil
        s.counterAtMs = Bool.random(using: &self) ? WallClockMs(int64()) : nil
        s.counterBoot = bootStamp()
        s.segmentStart = WattHours(int64())
        s.chargedBeforeSegment = Nanos(int64())
        s.emergencyGranted = Nanos(int64())
        s.emergencyArmed = Bool.random(using: &self)
        s.relayOverride = [.auto, .on, .off][Int.random(in: 0..<3, using: &self)]
        for _ in 0..<Int.random(in: 0..<20, using: &self) { s.creditedDigests.insert(digest()) }
        for _ in 0..<Int.random(in: 0..<5, using: &self) {
            // a manual credit is listed under its sentinel
            s.recentPayments.append(Payment(digest: Bool.random(using: &self) ? digest() : .manualCredit, amount: Nanos(int64()), checkpoint: next(), timestampMs: WallClockMs(int64())))
        }
        s.paymentCount = int64()
        s.paymentCursor = Bool.random(using: &self) ? digest() : nil
        s.paymentBaselineDone = Bool.random(using: &self)
        s.counterRebaselines = int64()
        s.counterJumpsRejected = int64()
        return s
    }

    mutating func record() -> JournalRecord {
        switch Int.random(in: 0..<20, using: &self) {
        case 0: return .started(atMs: WallClockMs(int64()))
        case 1: return .snapshot(JournalSnapshot(atMs: WallClockMs(int64()), meters: (0..<Int.random(in: 0..<3, using: &self)).map { k in
            MeterSnapshot(name: "m\(k)", state: accountState()) }))
        default: return .event(meter: meterName(), event())
        }
    }
}

/// What recovery must return after `records` were appended: the latest snapshot and the events after it.
func expectedRecovery(_ records: [JournalRecord]) -> (JournalSnapshot?, [JournalEvent]) {
    var snapshot: JournalSnapshot?
    var events: [JournalEvent] = []
    for record in records {
        switch record {
        case .started: break
        case .snapshot(let s): snapshot = s; events = []
        case .event(let meter, let event): events.append(JournalEvent(meter: meter, event: event))
        }
    }
    return (snapshot, events)
}

/// What opening `path` would recover, read without opening it (so without its lock: for looking at
/// a journal another `JournalFile` still holds).
func recoverFile(_ path: String) throws -> Recovery {
    try readBytes(path).withUnsafeBufferPointer { (b) throws(JournalError) in try recoverJournal(image: b, path: path) }
}

/// Opens `path`, failing the test on an error. A lock just released may still be held for a moment
/// by a child that a parallel test (ProcessCrashTests) is spawning: a `flock` belongs to the open file
/// description, which the child shares until its exec closes it (O_CLOEXEC); so `.locked` is retried
/// briefly. The daemon never forks, so it never meets this.
func openJournal(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> (JournalFile, Recovery) {
    var attempts = 0
    while true {
        do {
            return try JournalFile.open(path: path)
        } catch JournalError.locked where attempts < 200 {
            attempts += 1
            usleep(5_000)
        } catch {
            Issue.record("open \(path): \(error.message)", sourceLocation: sourceLocation)
            throw error
        }
    }
}
