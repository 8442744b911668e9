// MeterBus + SerialPort against the real firmware simulator (build/meter-sim, `make firmware`) on
// a pty link, driven by a minimal poll loop like the daemon's.
import CSystem
import Foundation
import ModbusRTU
import Testing
import Config
@testable import Daemon
import OS

/// Where the firmware binaries are: $TM_BIN_DIR, or build/ at the package root.
let binDirectory: String = {
    if let dir = ProcessInfo.processInfo.environment["TM_BIN_DIR"], !dir.isEmpty { return dir }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    return root.appendingPathComponent("build").path
}()
let simAvailable = FileManager.default.isExecutableFile(atPath: binDirectory + "/meter-sim")

/// A running meter-sim on a pty link in a temporary directory; `stop()` kills it and cleans up.
final class MeterSim {
    let directory: String
    let link: String
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()

    init(_ arguments: [String]) throws {
        directory = makeTempDirectory()
        link = directory + "/ttyPZEM"
        process.executableURL = URL(fileURLWithPath: binDirectory + "/meter-sim")
        process.arguments = ["--link", link] + arguments
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        let line = try readLine(within: 5000)
        guard line == "ready \(link)" else { throw SimFailure(text: "meter-sim said: \(line)") }
    }

    /// One command on the simulator's stdin.
    func command(_ text: String) {
        input.fileHandleForWriting.write((text + "\n").data(using: .utf8)!)
    }

    /// `stats` and its answer lines, until the output is quiet for a moment.
    func stats() throws -> String {
        command("stats")
        return try readLine(within: 2000)
    }

    func kill() {
        if process.isRunning { process.interrupt(); Glibc.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func stop() {
        kill()
        shell("rm -rf \(directory)")
    }

    private var pending: [UInt8] = []

    private func readLine(within ms: Int64) throws -> String {
        let fd = output.fileHandleForReading.fileDescriptor
        let deadline = Clock.monotonicMs() + ms
        while Clock.monotonicMs() < deadline {
            if let newline = pending.firstIndex(of: 0x0A) {
                let line = String(decoding: pending[..<newline], as: UTF8.self)
                pending.removeSubrange(...newline)
                return line
            }
            guard waitFor(fd, events: Int16(POLLIN), ms: 50) else { continue }
            var buffer = [UInt8](repeating: 0, count: 512)
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            pending += buffer[0..<n]
        }
        throw SimFailure(text: "no line from meter-sim within \(ms) ms")
    }
}

struct SimFailure: Error { var text: String }

/// Runs one transaction to its end through a poll loop, as the daemon's loop would; nil if the
/// bus refused the request or nothing ended within `limitMs` (a hang: the test fails).
func transact(_ bus: inout MeterBus<SerialPort>, _ request: ModbusRequest, limitMs: Int64 = 3000) throws -> BusEvent? {
    guard bus.start(request) else { return nil }
    let limit = Clock.monotonicMicros() + limitMs * 1000
    var set = PollSet()
    while Clock.monotonicMicros() < limit {
        set.removeAll()
        var serial = -1
        if bus.wantsReadable, let fd = bus.link.descriptor { serial = set.add(fd, .readable) }
        // rounded up, so the turn never wakes just before the deadline and spins; a deadline in
        // the past may be Int64.min ("do not wait"), so nothing is subtracted from it
        let before = Clock.monotonicMicros()
        var timeout: Int32 = 100
        if let deadline = bus.nextDeadline() { timeout = deadline <= before ? 0 : Int32(clamping: (deadline - before) / 1000 + 1) }
        _ = try set.wait(timeoutMs: min(timeout, 100))
        let now = Clock.monotonicMicros()
        if serial >= 0, set.readiness(serial).wantsRead, let event = bus.handleReadable(nowMicros: now) {
            return event
        }
        if let deadline = bus.nextDeadline(), deadline <= now, let event = bus.handleTimer(nowMicros: now) {
            return event
        }
    }
    return nil
}

func readAll(_ slave: UInt8) -> ModbusRequest { .readInputRegisters(slave: slave, start: 0, count: 10) }

/// Active power in 0.1 W from a PZEM reply (registers 3, 4: low word first).
func powerDeciwatts(_ event: BusEvent?) -> UInt32? {
    guard case .completed(_, .registers(let r), _)? = event, r.count == 10 else { return nil }
    return UInt32(r[4]) << 16 | UInt32(r[3])
}

func openBus(_ sim: MeterSim, timeoutMs: Int64 = 300) throws -> MeterBus<SerialPort> {
    let port = try SerialPort(device: sim.link, baud: 9600, format: .eightNoneOne)
    return MeterBus(link: port, timing: BusTiming(baud: 9600, format: .eightNoneOne, responseTimeoutMs: timeoutMs))
}

@Suite(.serialized, .enabled(if: simAvailable, "build/meter-sim missing: run `make firmware`"))
struct MeterBusSimTests {
    @Test func twoMetersOnOneBusAnswerOnlyForThemselves() throws {
        let sim = try MeterSim(["--address", "1", "--address", "2", "--power", "100"])
        defer { sim.stop() }
        var bus = try openBus(sim)
        defer { bus.close() }
        sim.command("power 2 250")
        // The command travels through a pipe: read until slave 2 shows it (bounded).
        var power2: UInt32?
        let deadline = Clock.monotonicMs() + 3000
        while power2 != 2500 && Clock.monotonicMs() < deadline {
            power2 = powerDeciwatts(try transact(&bus, readAll(2)))
        }
        #expect(power2 == 2500)
        #expect(powerDeciwatts(try transact(&bus, readAll(1))) == 1000)
        #expect(bus.counters(for: 1).replies == 1 && bus.counters(for: 1).requests == 1)
        #expect(bus.counters(for: 2).timeouts == 0 && bus.counters(for: 2).crcErrors == 0)
        #expect(bus.slaves.sorted() == [1, 2])
    }

    @Test func aSilentMeterTimesOutWhileTheOtherStillReads() throws {
        let sim = try MeterSim(["--address", "1", "--address", "2", "--power", "100"])
        defer { sim.stop() }
        var bus = try openBus(sim, timeoutMs: 200)
        defer { bus.close() }
        #expect(powerDeciwatts(try transact(&bus, readAll(2))) == 1000)
        sim.command("silent 2 on")
        var event: BusEvent?
        var started = Clock.monotonicMicros()
        let deadline = Clock.monotonicMs() + 3000
        repeat {
            started = Clock.monotonicMicros()
            event = try transact(&bus, readAll(2))
        } while event != .failed(readAll(2), .timeout) && Clock.monotonicMs() < deadline
        let waited = Clock.monotonicMicros() - started
        #expect(event == .failed(readAll(2), .timeout))
        // The response timeout, counted after the request's wire time, and not much more.
        #expect(waited >= 200_000 && waited < 400_000, "timed out after \(waited) µs")
        #expect(bus.counters(for: 2).timeouts == 1)
        #expect(powerDeciwatts(try transact(&bus, readAll(1))) == 1000)
        sim.command("silent 2 off")
    }

    @Test func corruptRepliesAreCountedAndGoodReadsFollow() throws {
        let sim = try MeterSim(["--corrupt", "0.5", "--seed", "7", "--power", "100"])
        defer { sim.stop() }
        var bus = try openBus(sim)
        defer { bus.close() }
        var good = 0, failed = 0, goodAfterFailure = false
        for _ in 0..<24 {
            switch try transact(&bus, readAll(1)) {
            case .completed?:
                good += 1
                if failed > 0 { goodAfterFailure = true }
            case .failed?: failed += 1
            default: Issue.record("no outcome")
            }
        }
        let counters = bus.counters(for: 1)
        #expect(failed > 0 && good > 0 && goodAfterFailure)
        #expect(counters.crcErrors > 0)
        #expect(counters.replies == good && counters.requests == 24)
        #expect(counters.crcErrors + counters.badFrames + counters.timeouts == failed)
    }

    @Test func garbageBeforeRepliesIsSkippedAndCounted() throws {
        let sim = try MeterSim(["--garbage", "1", "--seed", "3", "--power", "100"])
        defer { sim.stop() }
        var bus = try openBus(sim)
        defer { bus.close() }
        var decoded = 0
        for _ in 0..<10 where powerDeciwatts(try transact(&bus, readAll(1))) == 1000 { decoded += 1 }
        // 1–8 random bytes may happen to form a frame start; nearly every read still decodes.
        #expect(decoded >= 8)
        #expect(bus.counters(for: 1).garbageBytes >= 10)
    }

    @Test func wireTimedLineAt9600Baud() throws {
        let sim = try MeterSim(["--wire-timing", "9600", "--power", "100"])
        defer { sim.stop() }
        var bus = try openBus(sim)
        defer { bus.close() }
        let event = try transact(&bus, readAll(1))
        #expect(powerDeciwatts(event) == 1000)
        // 25 reply bytes at 1.042 ms each cannot arrive sooner than 26 ms.
        if case .completed(_, _, let elapsed)? = event { #expect(elapsed >= 26_000, "\(elapsed) µs") }
    }

    @Test func simulatorKilledIsAnErrorNotAHang() throws {
        let sim = try MeterSim(["--power", "100"])
        defer { sim.stop() }
        var bus = try openBus(sim)
        defer { bus.close() }
        #expect(powerDeciwatts(try transact(&bus, readAll(1))) == 1000)
        sim.kill()
        let event = try transact(&bus, readAll(1))
        guard case .portFailed(_, let error)? = event else {
            Issue.record("expected a port failure, got \(String(describing: event))")
            return
        }
        #expect(error == .hangUp(device: sim.link))
        #expect(error.message.contains(sim.link))
        // A stale link could name a pts number another process has been given since: remove it.
        _ = unlink(sim.link)
        // Next request: the bus tries to reopen the link, and says why it cannot.
        let again = try transact(&bus, readAll(1))
        guard case .portFailed(_, let reopenError)? = again else {
            Issue.record("expected a reopen failure, got \(String(describing: again))")
            return
        }
        #expect(reopenError.message.contains(sim.link))
        #expect(bus.counters(for: 1).portErrors == 2)
    }

    /// Not a timed test: prints back-to-back throughput on a wire-timed 9600 line beside
    /// meters.md §4's physical limit (24.0 tx/s for a read of 10 registers).
    @Test func throughputOnAWireTimedLine() throws {
        let sim = try MeterSim(["--wire-timing", "9600", "--power", "100"])
        defer { sim.stop() }
        var bus = try openBus(sim)
        defer { bus.close() }
        let count = 50
        let started = Clock.monotonicMicros()
        var completed = 0
        for _ in 0..<count where powerDeciwatts(try transact(&bus, readAll(1))) != nil { completed += 1 }
        let elapsed = Clock.monotonicMicros() - started
        let perSecond = Double(completed) * 1_000_000 / Double(elapsed)
        let limit = 1_000_000 / Double(bus.timing.minimumTransactionMicros(registers: 10))
        print("bus throughput at 9600 baud (wire-timed meter-sim): \(completed)/\(count) reads in \(elapsed / 1000) ms = "
              + "\(String(format: "%.1f", perSecond)) tx/s, limit \(String(format: "%.1f", limit)) tx/s "
              + "(\(String(format: "%.0f", 100 * perSecond / limit)) %)")
        #expect(completed == count)
    }
}
