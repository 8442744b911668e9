import Config
import Foundation
import Journal
import Ledger
import Testing
@testable import Daemon
import OS

/// The poller wired as the daemon wires it — the plant on a real journal, its replies and watch
/// pushes recorded — on a device that does not exist or on the firmware simulator's pty.
final class PollerRig {
    let plant = try! PlantFixture()
    var answers: [(ControlClientID, String)] = []
    var readings = 0
    var poller: MeterPoller!

    /// nil: a device path in the plant's temporary directory that does not exist.
    init(device: String? = nil, pollIntervalMs: Int64 = 1_000) {
        let text = "serial.device = \(device ?? plant.dir.file("no-such-tty"))\n" + PlantFixture.config("")
        let serial = try! Configuration.parse(text: text, path: "/test.conf").serial
        poller = MeterPoller(serial: serial, pollIntervalMs: pollIntervalMs, plant: plant.plant, log: plant.log,
                             answer: { bytes, id in self.answers.append((id, String(decoding: bytes, as: UTF8.self))) },
                             readingTaken: { _ in self.readings += 1 })
    }

    var meter: MeterPoll { plant.circuit.meter }

    /// The daemon's loop, bus only, until `done` or `limitMs` (a hang: the caller's expectations fail).
    func run(limitMs: Int64 = 5_000, until done: () -> Bool) throws {
        let limit = Clock.monotonicMs() + limitMs
        var set = PollSet()
        while !done() && Clock.monotonicMs() < limit {
            let now = Clock.monotonicMs()
            poller.handleTimer(nowMicros: Clock.monotonicMicros(), nowMono: now)
            let nextPoll = poller.startDuePoll(nowMono: now)
            poller.handleTimer(nowMicros: Clock.monotonicMicros(), nowMono: now)
            var deadline = now + 100
            for t in [nextPoll, poller.nextDeadlineMono] { if let t, t < deadline { deadline = t } }
            set.removeAll()
            var serial: Int? = nil
            if let fd = poller.readableDescriptor { serial = set.add(fd, .readable) }
            let before = Clock.monotonicMs()
            _ = try set.wait(timeoutMs: deadline <= before ? 0 : Int32(clamping: deadline - before))
            if let serial, !set.readiness(serial).isEmpty {
                poller.handleReadable(nowMicros: Clock.monotonicMicros(), nowMono: Clock.monotonicMs())
            }
        }
    }
}

@Suite struct MeterPollerTests {
    /// The reading a reset needs cannot be taken (no device): the reset is refused with the cause,
    /// and nothing is journaled.
    @Test func aResetWhoseReadingCannotBeTakenIsRefused() throws {
        let rig = PollerRig()
        rig.poller.requestReset(rig.plant.circuit, by: 7)
        try rig.run { !rig.answers.isEmpty }
        #expect(rig.answers.count == 1 && rig.answers.first?.0 == 7)
        let reply = rig.answers.first?.1 ?? ""
        #expect(reply.hasPrefix("ERR 503 a: not reset: the counter could not be read and billed first: ")
                && reply.contains("no-such-tty") && reply.hasSuffix("\n"), "\(reply)")
        #expect(rig.meter.reset.step == nil && !rig.meter.answering && rig.readings == 0)
        #expect(try rig.plant.journaled().isEmpty)
    }

    /// A reload's `poll.interval` schedules the next poll; polls of a missing device keep their cadence.
    @Test func aReloadedPollIntervalSchedulesTheNextPoll() throws {
        let rig = PollerRig(pollIntervalMs: 1_000)
        let now = Clock.monotonicMs()
        let first = rig.meter.nextPollMono
        #expect(rig.poller.startDuePoll(nowMono: now) == nil)     // the first poll starts
        #expect(rig.meter.nextPollMono == first + 1_000)
        rig.poller.handleTimer(nowMicros: Clock.monotonicMicros(), nowMono: now)   // it fails: no device
        #expect(!rig.poller.isBusy)
        rig.poller.reconfigure(pollIntervalMs: 60_000)
        #expect(rig.poller.startDuePoll(nowMono: first + 1_000) == nil)
        #expect(rig.meter.nextPollMono == first + 61_000)
        rig.poller.handleTimer(nowMicros: Clock.monotonicMicros(), nowMono: now)
        #expect(rig.poller.startDuePoll(nowMono: first + 1_000) == first + 61_000)   // idle until then
    }

    /// Through the simulator: the counter is read and billed, the reset sent and confirmed, the
    /// reset journaled, the client answered OK, and the next reading starts from zero.
    @Test(.enabled(if: simAvailable, "build/meter-sim missing: run `make firmware`"))
    func aResetThroughTheSimulatorIsBilledJournaledAndAnswered() throws {
        let sim = try MeterSim(["--energy", "1234", "--power", "100"])
        defer { sim.stop() }
        let rig = PollerRig(device: sim.link)
        defer { rig.poller.close() }
        try rig.run { rig.readings >= 1 }
        #expect(rig.plant.circuit.account.counter == WattHours(1234))
        rig.poller.requestReset(rig.plant.circuit, by: 7)
        rig.poller.requestReset(rig.plant.circuit, by: 8)           // joins the first
        try rig.run { rig.answers.count >= 2 }
        #expect(rig.answers.map { $0.0 } == [7, 8] && rig.answers.allSatisfy { $0.1 == "OK\n" })
        let readingsBefore = rig.readings
        try rig.run { rig.readings > readingsBefore }
        #expect(rig.meter.reading?.energyWattHours == 0)
        #expect(rig.poller.counters(for: 1).replies >= 4 && rig.poller.counters(for: 1).timeouts == 0)
        let journaled = try rig.plant.journaled()
        // The reset is journaled as billing re-baselined at zero, after the reading that preceded it.
        guard case .counterRebaselined(let from, let to, _, _)? = journaled.last else {
            Issue.record("journaled: \(names(journaled))")
            return
        }
        #expect(from.value >= 1234 && to == .zero)
    }
}
