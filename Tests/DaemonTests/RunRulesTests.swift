import Config
import Journal
import Ledger
import Foundation
import Testing
@testable import Daemon
import OS

/// A meter's turn on the bus, with plain values.
@Suite struct MeterPollTests {
    @Test func pollsKeepTheirCadenceAndSkipABacklog() {
        var poll = MeterPoll(nextPollMono: 1_000)
        poll.scheduleNextPoll(nowMono: 1_040, intervalMs: 1_000)    // started 40 ms late: no drift
        #expect(poll.nextPollMono == 2_000)
        poll.scheduleNextPoll(nowMono: 7_500, intervalMs: 1_000)    // the bus was busy for five turns
        #expect(poll.nextPollMono == 8_500)
    }
}

/// What a reload may change in place, and what needs a restart.
@Suite struct RestartNeededTests {
    let base = "serial.device = /dev/ttyUSB0\n[meter a]\nrelay.line = 1\ntariff = 1 IOTA/kWh\n"

    func config(_ text: String) throws -> Configuration { try Configuration.parse(text: text, path: "/test.conf") }

    @Test func tariffsAndLimitsChangeInPlace() throws {
        let old = try config(base)
        let new = try config(base.replacingOccurrences(of: "1 IOTA/kWh", with: "2 IOTA/kWh") + "max_power = 2kW\n")
        #expect(Daemon.restartNeeded(from: old, to: new) == nil)
    }

    @Test func theBusLinesAndMetersNeedARestart() throws {
        let old = try config(base)
        #expect(Daemon.restartNeeded(from: old, to: try config(base.replacingOccurrences(of: "ttyUSB0", with: "ttyUSB1")))
                == "changing serial.*")
        #expect(Daemon.restartNeeded(from: old, to: try config(base.replacingOccurrences(of: "relay.line = 1", with: "relay.line = 2")))
                == "changing a's modbus.address, relay, led or model")
        #expect(Daemon.restartNeeded(from: old, to: try config(base + "[meter b]\nmodbus.address = 2\nrelay.line = 3\ntariff = 1 IOTA/kWh\n"))
                == "adding, removing or renaming meters")
    }
}

/// What `status` says of the journal, from plain values.
@Suite struct JournalHealthTests {
    @Test func spaceRunningOutIsFullAnyOtherWriteErrorIsFailing() {
        func health(_ code: Int32, damaged: Bool = false) -> String {
            JournalGate.health(damaged: damaged, writeError: .system(SystemError("pwrite", "/j", errno: Errno(rawValue: code)))).rawValue
        }
        #expect(health(ENOSPC) == "full" && health(EDQUOT) == "full" && health(EFBIG) == "full")
        #expect(health(EIO) == "failing" && health(EROFS) == "failing")
        #expect(JournalGate.health(damaged: false, writeError: nil).rawValue == "ok")
        #expect(health(ENOSPC, damaged: true) == "damaged")
    }
}

/// Which transaction goes on the bus next, from the circuits' poll states.
@Suite struct BusTurnTests {
    func poll(_ next: Int64, blocks: Int = 0, reset: ResetEnergy.Step? = nil) throws -> Circuit {
        let meter = try Configuration.parse(text: "[meter a]\nrelay.line = 1\ntariff = 1 IOTA/kWh\n", path: "/test.conf").meters[0]
        let account = try Account(state: AccountState(tariff: meter.tariff), policy: AccountPolicy(tariff: meter.tariff),
                                   startedAtMs: WallClockMs(0))
        let c = Circuit(config: meter, account: account, outputs: CircuitOutputs(), nowMono: next)
        c.meter.blocks = Array(repeating: [0], count: blocks)
        if reset != nil { c.meter.reset.request(by: 1) }
        if reset == .reset { _ = c.meter.reset.readingTaken(counter: WattHours(0), billedCounter: WattHours(0), meter: "a") }
        return c
    }

    @Test func theMostOverdueMeterIsPolledAndNothingEarly() throws {
        #expect(try BusTurn.next([poll(900), poll(500), poll(700)], nowMono: 1_000) == .poll(1))
        #expect(try BusTurn.next([poll(900), poll(500), poll(500)], nowMono: 1_000) == .poll(1))   // a tie: the first
        #expect(try BusTurn.next([poll(1_300), poll(1_200)], nowMono: 1_000) == .idle(until: 1_200))
        #expect(try BusTurn.next([], nowMono: 1_000) == .idle(until: nil))
    }

    /// A poll of several reads goes on before any other meter's poll: its parts make one reading.
    @Test func aPollOfSeveralReadsGoesOnAtOnce() throws {
        #expect(try BusTurn.next([poll(0), poll(2_000, blocks: 1)], nowMono: 1_000) == .read(1, block: 1))
    }

    /// A `reset-energy` goes first: its reading, then (once billed) the reset itself.
    @Test func aResetGoesFirstReadingThenReset() throws {
        #expect(try BusTurn.next([poll(0, blocks: 1), poll(2_000, reset: .read)], nowMono: 1_000) == .read(1, block: 0))
        #expect(try BusTurn.next([poll(0), poll(2_000, reset: .reset)], nowMono: 1_000) == .reset(1))
    }
}
