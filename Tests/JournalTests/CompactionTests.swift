import Foundation
import Testing
import TestSupport
@testable import Journal
import Ledger
import OS

/// A stand-in for the Ledger's `Account.apply` (built in parallel): enough money and energy rules
/// to show that replay after compaction rebuilds the same state as replaying the whole history.
func testApply(_ s: inout AccountState, _ event: AccountEvent) throws(LedgerError) {
    switch event {
    case .paymentCredited(let p):
        guard !s.creditedDigests.contains(p.digest) else { return }
        s.credited = try s.credited.adding(p.amount)
        s.creditedDigests.insert(p.digest)
        s.recentPayments = Array((s.recentPayments + [p]).suffix(10))
        s.paymentCount += 1
    case .manualCredit(let amount, _, _):
        s.credited = try s.credited.adding(amount)
    case .counterCheckpoint(let counter, _, _):
        if let last = s.counter { s.billed = try s.billed.adding(WattHours(counter.value - last.value)) }
        s.counter = counter
    case .counterRebaselined(_, let to, _, _):
        s.counter = to
        s.counterRebaselines += 1
    case .counterJumpRejected(_, let to, _, _):
        s.counter = to
        s.counterJumpsRejected += 1
    case .tariffChanged(let price, _):
        s.chargedBeforeSegment = try s.chargedBeforeSegment.adding(s.tariff.charge(for: WattHours(s.billed.value - s.segmentStart.value)))
        s.segmentStart = s.billed
        s.tariff = Tariff(pricePerKWh: price)
    case .emergencyGranted(let amount, _):
        s.emergencyGranted = try s.emergencyGranted.adding(amount)
        s.emergencyArmed = false
    case .relayOverride(let mode, _):
        s.relayOverride = mode
    case .paymentWatermark(let address, let checkpoint):
        s.watermarkAddress = address
        s.watermark = checkpoint
    case .paymentCursor(let digest):
        s.paymentCursor = digest
    case .paymentBaseline(let cursor):
        s.paymentCursor = cursor
        s.paymentBaselineDone = true
    }
}

let configuredTariff = Tariff(pricePerKWh: Nanos(250_000_000))

/// Everyday traffic: checkpoints of a rising counter, payments, now and then a reset or a tariff change.
func realisticEvents(_ count: Int, seed: UInt64) -> [JournalRecord] {
    var rng = SeededGenerator(seed: seed)
    var counters = ["main": Int64(1000), "flat-3": Int64(0)]
    return (0..<count).map { n in
        let meter = Bool.random(using: &rng) ? "main" : "flat-3"
        let atMs = WallClockMs(1_700_000_000_000 + Int64(n) * 60_000)
        switch Int.random(in: 0..<20, using: &rng) {
        case 0: return .event(meter: meter, .paymentCredited(Payment(digest: txDigest("tx\(n)"), amount: Nanos(Int64.random(in: 1...5_000_000_000, using: &rng)), checkpoint: UInt64(n), timestampMs: atMs)))
        case 1: counters[meter] = 0; return .event(meter: meter, .counterRebaselined(from: WattHours(counters[meter]!), to: WattHours(0), atMs: atMs))
        case 2: return .event(meter: meter, .tariffChanged(pricePerKWh: Nanos(Int64.random(in: 1...900_000_000, using: &rng)), atMs: atMs))
        case 3: return .event(meter: meter, .manualCredit(amount: Nanos(2_500_000_000), note: "cash", atMs: atMs))
        case 4: return .event(meter: meter, .paymentCursor(digest: txDigest("tx\(n)")))
        default:
            counters[meter]! += Int64.random(in: 0...30, using: &rng)
            return .event(meter: meter, .counterCheckpoint(counter: WattHours(counters[meter]!), atMs: atMs))
        }
    }
}

func replayed(_ recovery: Recovery) throws -> [MeterSnapshot] {
    try JournalReplay.replay(recovery, initial: { _ in AccountState(tariff: configuredTariff) }, apply: testApply)
}

/// The state after `records`, computed without any journal.
func directState(_ records: [JournalRecord]) throws -> [String: AccountState] {
    var states: [String: AccountState] = [:]
    for case .event(let meter, let event) in records {
        var s = states[meter] ?? AccountState(tariff: configuredTariff)
        try testApply(&s, event)
        states[meter] = s
    }
    return states
}

func byName(_ meters: [MeterSnapshot]) -> [String: AccountState] {
    Dictionary(uniqueKeysWithValues: meters.map { ($0.name, $0.state) })
}

@Suite struct CompactionTests {
    @Test func recoveryAfterCompactionGivesTheSameState() throws {
        let dir = TempDir()
        let before = realisticEvents(500, seed: 1)
        let after = realisticEvents(300, seed: 2)
        let (file, _) = try openJournal(dir.file())
        for chunk in stride(from: 0, to: before.count, by: 7) { try file.append(Array(before[chunk..<min(chunk + 7, before.count)])) }
        let sizeBefore = file.size
        let oldBytes = readBytes(dir.file())

        let recovered = try recoverFile(dir.file())
        let state = try replayed(recovered)
        #expect(byName(state) == (try directState(before)))
        try file.compact(snapshot: JournalSnapshot(atMs: 5, meters: state))
        #expect(file.size < sizeBefore && file.recordsSinceSnapshot == 0 && file.compactions == 1)
        #expect(!FileManager.default.fileExists(atPath: dir.file("journal.tmp")))
        try file.append(after)

        let final = try recoverFile(dir.file())
        #expect(final.snapshot?.meters == state)
        #expect(final.events.count == after.count && final.recordsSinceSnapshot == after.count)
        #expect(byName(try replayed(final)) == (try directState(before + after)))

        // a record of the old generation, at a position that exists in the new file, does not verify
        let compacted = readBytes(dir.file())
        let stale = Array(oldBytes[compacted.count..<min(compacted.count + 40, oldBytes.count)])
        writeBytes(dir.file(), compacted + stale)
        let withStale = try recoverFile(dir.file())
        // none of them verifies; whether what follows reads as one torn record or as damage (a bad
        // tail longer than one record) depends on the lengths the stale bytes happen to claim
        #expect(withStale.events.count == after.count && (withStale.damage != nil || withStale.tornTail != nil))
    }

    /// A crash after the temporary file was written but before the rename: the old file is the journal.
    @Test func aCrashBeforeTheRenameLeavesTheOldJournal() throws {
        let dir = TempDir()
        let records = realisticEvents(100, seed: 3)
        let (file, _) = try openJournal(dir.file())
        try file.append(records)
        file.close()
        // what compaction had written to the temporary file (complete, or cut anywhere)
        let other = TempDir()
        let (scratch, _) = try openJournal(other.file())
        try scratch.compact(snapshot: JournalSnapshot(atMs: 1, meters: [MeterSnapshot(name: "x", state: AccountState(tariff: configuredTariff))]))
        let tmpImage = readBytes(other.file())
        for cut in [tmpImage.count, tmpImage.count / 2, 0] {
            writeBytes(dir.file("journal.tmp"), Array(tmpImage[..<cut]))
            let (reopened, recovery) = try openJournal(dir.file())
            reopened.close()
            #expect(recovery.snapshot == nil && recovery.damage == nil && recovery.tornTail == nil)
            #expect(byName(try replayed(recovery)) == (try directState(records)))
            #expect(!FileManager.default.fileExists(atPath: dir.file("journal.tmp")), "the stale tmp is removed")
        }
    }

    @Test func aFailedCompactionLeavesTheOldFileInUse() throws {
        let dir = TempDir()
        let records = realisticEvents(50, seed: 4)
        let (file, _) = try openJournal(dir.file())
        try file.append(records)
        try FileManager.default.createDirectory(atPath: dir.file("journal.tmp"), withIntermediateDirectories: false)
        #expect(throws: JournalError.system(SystemError("open", dir.file("journal.tmp"), errno: .EISDIR))) {
            try file.compact(snapshot: JournalSnapshot(atMs: 1, meters: []))
        }
        try file.append([.started(atMs: 7)])
        try FileManager.default.removeItem(atPath: dir.file("journal.tmp"))
        let recovery = try recoverFile(dir.file())
        #expect(recovery.snapshot == nil && recovery.lastStartedAtMs == 7)
        #expect(byName(try replayed(recovery)) == (try directState(records)))
    }

    @Test func policyBoundsRecordsAndBytesSinceTheSnapshot() throws {
        let dir = TempDir()
        let (file, _) = try openJournal(dir.file())
        let policy = CompactionPolicy(maxBytesSinceSnapshot: 400, maxRecordsSinceSnapshot: 30)
        var appended = 0
        while !file.needsCompaction(policy) {
            try file.append([.event(meter: "main", .counterCheckpoint(counter: WattHours(Int64(appended)), atMs: 0))])
            appended += 1
        }
        #expect(appended == 31 || file.size - JournalFormat.headerSize > 400)
        // a large snapshot alone does not keep asking for compaction: only what follows it counts
        var big = AccountState(tariff: configuredTariff)
        big.creditedDigests = CreditedDigests((0..<100).map { txDigest("digest-\($0)") })
        try file.compact(snapshot: JournalSnapshot(atMs: 0, meters: [MeterSnapshot(name: "main", state: big)]))
        #expect(file.size > 400 && !file.needsCompaction(policy))
        file.close()
        let (reopened, _) = try openJournal(dir.file())
        #expect(!reopened.needsCompaction(policy))
        #expect(CompactionPolicy().maxRecordsSinceSnapshot == 20_000)
    }
}
