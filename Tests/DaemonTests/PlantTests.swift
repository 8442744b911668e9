import Config
import Foundation
import Journal
import Ledger
import Testing
@testable import Daemon
import OS

/// Lines driven, as the plant drives them; nothing is claimed.
final class RecordingGPIO: GPIOBackend {
    var active: [UInt32: Bool] = [:]
    func claim(lines: [GPIOLine]) throws(GPIOError) {}
    func set(line: UInt32, active: Bool) throws(GPIOError) { self.active[line] = active }
    func release() {}
    var statusName: String { "test" }
}

/// The plant on a real journal file in a temporary directory, with the configuration's own parser.
final class PlantFixture {
    let dir = TempDir()
    let gpio = RecordingGPIO()
    let log = Log(.stderr, threshold: .error)
    var journalPath: String { dir.file("journal") }
    let gate: JournalGate
    let plant: Plant

    init(_ meterLines: String = "") throws {
        let config = try Configuration.parse(text: PlantFixture.config(meterLines), path: "/test.conf")
        let recovery: Recovery
        (gate, recovery) = try JournalGate.open(path: dir.file("journal"), log: log)
        plant = Plant(config: config, recovery: recovery, journal: gate, gpio: gpio, log: log,
                      nowWall: Clock.wallNow(), nowMono: Clock.monotonicMs())
        try gate.journalStart(atMs: WallClockMs(Clock.wallMs()))
    }

    static func config(_ meterLines: String, tariff: String = "1 IOTA/kWh") -> String {
        "[meter a]\nrelay.line = 1\nled.line = 2\ntariff = \(tariff)\n" + meterLines
    }

    var circuit: Circuit { plant.circuits[0] }

    /// A reading of the meter's counter now, journaled when the ledger asks for it.
    func read(_ wattHours: Int64) throws {
        let outcome = circuit.account.observe(counter: WattHours(wattHours), power: Deciwatts(0), atMs: WallClockMs(Clock.wallMs()), boot: nil)
        if case .journal(let event) = outcome { try plant.commit([event], to: circuit) }
    }

    /// Every account event journaled so far, read back by a fresh recovery of the file.
    func journaled() throws -> [AccountEvent] {
        gate.close()
        let (file, recovery) = try JournalFile.open(path: journalPath)
        file.close()
        return recovery.events.map(\.event)
    }
}

/// Short names of events, for comparing what was journaled.
func names(_ events: [AccountEvent]) -> [String] {
    events.map { event in
        switch event {
        case .counterCheckpoint(let counter, _, _): return "checkpoint \(counter.value)"
        case .tariffChanged(let price, _): return "tariff \(price.value)"
        case .manualCredit(let amount, _, _): return "credit \(amount.value)"
        case .emergencyGranted(let amount, _): return "emergency \(amount.value)"
        case .relayOverride: return "override"
        default: return "other"
        }
    }
}

@Suite struct PlantTests {
    /// A tariff reload journals one checkpoint of the in-memory reading, then the change (it used to
    /// journal the checkpoint twice: the ledger puts it in front, and so did the reload).
    @Test func aTariffReloadJournalsOneCheckpointThenTheChange() throws {
        let f = try PlantFixture()
        try f.read(100)                      // the first reading is journaled as the baseline
        try f.read(105)                      // billed in memory
        let config = try Configuration.parse(text: PlantFixture.config("", tariff: "2 IOTA/kWh"), path: "/test.conf")
        f.plant.reconfigure(config, nowWall: Clock.wallNow())
        #expect(f.circuit.account.state.tariff.pricePerKWh == Nanos(2_000_000_000))
        f.plant.reconfigure(config, nowWall: Clock.wallNow())   // unchanged: nothing more
        #expect(try names(f.journaled()) == ["checkpoint 100", "checkpoint 105", "tariff 2000000000"])
    }

    /// Emergency credit is journaled (behind its checkpoint) before the decision, so the relay
    /// stays on when credit runs out instead of opening for a turn.
    @Test func emergencyCreditIsJournaledBeforeTheDecision() throws {
        let f = try PlantFixture("emergency_credit = 0.001 IOTA\n")
        try f.plant.commit([.manualCredit(amount: Nanos(1_000_000), note: "", atMs: WallClockMs(Clock.wallMs()))], to: f.circuit)
        try f.read(0)
        f.plant.decideAndDrive(f.circuit, nowMono: Clock.monotonicMs())
        #expect(f.circuit.outputs.decision.reason == .credit && f.gpio.active[1] == true)
        try f.read(1)                        // 1 Wh at 1 IOTA/kWh: the balance is exactly 0
        f.plant.decideAndDrive(f.circuit, nowMono: Clock.monotonicMs())
        #expect(f.circuit.outputs.decision.reason == .emergency && f.gpio.active[1] == true)
        #expect(f.circuit.outputs.decision.led == .slowBlink)
        #expect(try names(f.journaled()) == ["credit 1000000", "checkpoint 0", "checkpoint 1", "emergency 1000000"])
    }

    /// A commit the ledger refuses throws `.refused` and writes nothing; the account is unchanged.
    @Test func aRefusedCommitThrowsAndWritesNothing() throws {
        let f = try PlantFixture()
        let big = AccountEvent.manualCredit(amount: Nanos(Int64.max), note: "", atMs: WallClockMs(0))
        try f.plant.commit([big], to: f.circuit)
        #expect(throws: CommitError.self) { try f.plant.commit([big], to: f.circuit) }
        do { try f.plant.commit([big], to: f.circuit) } catch {
            guard case .refused = error else { Issue.record("expected .refused, got \(error.message)"); return }
            #expect(error.reply(nothingWas: "credited").code == 409)
        }
        #expect(f.circuit.account.credited == Nanos(Int64.max))
        #expect(try names(f.journaled()) == ["credit \(Int64.max)"])
    }

    /// A journal deleted while running is damage: every relay opens, and every commit throws.
    @Test func aJournalFoundDamagedOpensTheRelaysAndRefusesCommits() throws {
        let f = try PlantFixture()
        try f.plant.commit([.relayOverride(.on, atMs: WallClockMs(Clock.wallMs()))], to: f.circuit)
        try f.read(0)
        f.plant.decideAndDrive(f.circuit, nowMono: Clock.monotonicMs())
        #expect(f.gpio.active[1] == true && f.gate.health == .ok)
        try FileManager.default.removeItem(atPath: f.journalPath)
        f.gate.checkIfDue(nowMono: Clock.monotonicMs(), everyMs: 1_000)
        #expect(f.gate.isDamaged && f.gate.health == .damaged && !f.plant.acceptsPayments)
        f.plant.decideAndDriveAll(nowMono: Clock.monotonicMs())
        #expect(f.circuit.outputs.decision == .journalDamaged && f.gpio.active[1] == false)
        do {
            try f.plant.commit([.manualCredit(amount: Nanos(1), note: "", atMs: WallClockMs(0))], to: f.circuit)
            Issue.record("a damaged journal took a commit")
        } catch {
            #expect(error.reply(nothingWas: "credited").code == 503)
        }
        #expect(f.circuit.account.credited == .zero)
    }
}
