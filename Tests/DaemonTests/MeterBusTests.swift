// MeterBus's state machine against a scripted line: every wait and counter checked with
// explicit instants, no I/O and no clock.
import ModbusRTU
import Testing
import Config
@testable import Daemon
import OS

/// The far end of a scripted line, shared by reference so the test can feed it while the bus owns the link.
final class ScriptedWire {
    var inbox: [UInt8] = []
    var written: [[UInt8]] = []
    var flushes = 0
    var open = true
    var readFailure: SerialError?
    var reopenFailure: SerialError?
    var reopens = 0
}

struct ScriptedLink: SerialLink {
    let wire: ScriptedWire
    var device: String { "/dev/scripted" }
    var descriptor: FileDescriptor? { wire.open ? FileDescriptor(rawValue: -1) : nil }
    mutating func reopen() throws(SerialError) {
        wire.reopens += 1
        if let failure = wire.reopenFailure { throw failure }
        wire.open = true
    }
    mutating func close() { wire.open = false }
    mutating func flushInput() throws(SerialError) { wire.flushes += 1; wire.inbox = [] }
    mutating func write(_ bytes: [UInt8]) throws(SerialError) -> Int { wire.written.append(bytes); return bytes.count }
    mutating func read(upTo count: Int) throws(SerialError) -> [UInt8] {
        if let failure = wire.readFailure { wire.open = false; throw failure }
        let chunk = Array(wire.inbox.prefix(count))
        wire.inbox.removeFirst(chunk.count)
        return chunk
    }
}

let readAll1 = ModbusRequest.readInputRegisters(slave: 1, start: 0, count: 10)
/// meters.md §1: Tasmota/ESPHome sample reply (225.7 V, 0.108 A, 24.4 W, 38 Wh, 50.0 Hz, PF 1.00).
let sampleReply: [UInt8] = [0x01, 0x04, 0x14, 0x08, 0xD1, 0x00, 0x6C, 0x00, 0x00, 0x00, 0xF4, 0x00, 0x00,
                            0x00, 0x26, 0x00, 0x00, 0x01, 0xF4, 0x00, 0x64, 0x00, 0x00, 0x51, 0x34]
let sampleRegisters: [UInt16] = [0x08D1, 0x006C, 0x0000, 0x00F4, 0x0000, 0x0026, 0x0000, 0x01F4, 0x0064, 0x0000]

@Suite struct BusTimingTests {
    @Test func figuresAt9600Baud8N1() {
        let timing = BusTiming(baud: 9600, format: .eightNoneOne, responseTimeoutMs: 300)
        #expect(timing.frame.characterMicros == 1042)
        #expect(timing.frame.t35Micros == 3646)
        #expect(timing.responseTimeoutMicros == 300_000)
        #expect(timing.quietMicros == 3646 + 1000)
        // Within meters.md's "~5–20 ms at 9600" window, and above an FTDI latency tick.
        #expect(timing.gapTimeoutMicros > 16_000 && timing.gapTimeoutMicros <= 20_000)
        #expect(timing.firstByteDeadline(sentAt: 1_000, requestBytes: 8) == 1_000 + 8 * 1042 + 300_000)
        // meters.md §4: 41.7 ms per read of 10 registers, 24.0 tx/s.
        let floor = timing.minimumTransactionMicros(registers: 10)
        #expect(floor == 33 * 1042 + 2 * 3646)
        #expect(1_000_000 / floor == 23)   // 23.99…
    }

    @Test func elevenBitCharactersAndFastLines() {
        let slow = BusTiming(baud: 2400, format: SerialFormat(dataBits: 8, parity: .even, stopBits: 1))
        #expect(slow.frame.characterMicros == 4584)   // 11 bits at 2400 baud
        #expect(slow.gapTimeoutMicros == Int64(slow.frame.t35Micros) + 16_000)
        let fast = BusTiming(baud: 115200, format: .eightNoneOne, responseTimeoutMs: 100)
        #expect(fast.frame.t35Micros == 1750)   // fixed above 19200 baud
        #expect(fast.quietMicros == 2750)
        #expect(fast.responseTimeoutMicros == 100_000)
    }
}

@Suite struct MeterBusTests {
    let timing = BusTiming(baud: 9600, format: .eightNoneOne)

    func makeBus() -> (MeterBus<ScriptedLink>, ScriptedWire) {
        let wire = ScriptedWire()
        return (MeterBus(link: ScriptedLink(wire: wire), timing: timing), wire)
    }

    @Test func readCompletesAndCounts() throws {
        var (bus, wire) = makeBus()
        #expect(!bus.isBusy && bus.nextDeadline() == nil && !bus.wantsReadable)
        let accepted1 = bus.start(readAll1)
        #expect(accepted1)
        let accepted2 = bus.start(readAll1)
        #expect(!accepted2, "a second request while one is in progress")
        let now: Int64 = 1_000_000
        #expect(try #require(bus.nextDeadline()) <= now)
        let event1 = bus.handleTimer(nowMicros: now)
        #expect(event1 == nil)
        #expect(wire.written == [[0x01, 0x04, 0x00, 0x00, 0x00, 0x0A, 0x70, 0x0D]])
        #expect(wire.flushes == 1)
        #expect(bus.wantsReadable && bus.isBusy)
        #expect(bus.nextDeadline() == timing.firstByteDeadline(sentAt: now, requestBytes: 8))

        wire.inbox = Array(sampleReply[0..<10])
        let event2 = bus.handleReadable(nowMicros: now + 20_000)
        #expect(event2 == nil)
        #expect(bus.nextDeadline() == now + 20_000 + timing.gapTimeoutMicros)
        wire.inbox = Array(sampleReply[10...])
        let event = bus.handleReadable(nowMicros: now + 45_000)
        #expect(event == .completed(readAll1, .registers(sampleRegisters), elapsedMicros: 45_000))
        #expect(!bus.isBusy && !bus.wantsReadable)
        var expected = BusCounters()
        expected.requests = 1
        expected.replies = 1
        #expect(bus.counters(for: 1) == expected)
        #expect(bus.slaves == [1])
    }

    @Test func nextRequestWaitsForT35OfQuiet() {
        var (bus, wire) = makeBus()
        _ = bus.start(readAll1)
        _ = bus.handleTimer(nowMicros: 0)
        wire.inbox = sampleReply
        let done: Int64 = 40_000
        _ = bus.handleReadable(nowMicros: done)
        let second = ModbusRequest.readInputRegisters(slave: 2, start: 0, count: 10)
        let accepted1 = bus.start(second)
        #expect(accepted1)
        #expect(bus.nextDeadline() == done + timing.quietMicros)
        let event1 = bus.handleTimer(nowMicros: done + timing.quietMicros - 1)
        #expect(event1 == nil)
        #expect(wire.written.count == 1)
        let event2 = bus.handleTimer(nowMicros: done + timing.quietMicros)
        #expect(event2 == nil)
        #expect(wire.written.count == 2 && wire.written[1].first == 2)
    }

    @Test func silenceIsATimeoutAtTheDeadlineAndNotBefore() {
        var (bus, _) = makeBus()
        _ = bus.start(readAll1)
        _ = bus.handleTimer(nowMicros: 0)
        let deadline = timing.firstByteDeadline(sentAt: 0, requestBytes: 8)
        let event1 = bus.handleTimer(nowMicros: deadline - 1)
        #expect(event1 == nil)
        let event2 = bus.handleTimer(nowMicros: deadline)
        #expect(event2 == .failed(readAll1, .timeout))
        #expect(!bus.isBusy)
        #expect(bus.counters(for: 1).timeouts == 1)
        #expect(bus.counters(for: 1).requests == 1)
    }

    @Test func badCRCFailsWhenTheLineFallsSilent() {
        var (bus, wire) = makeBus()
        _ = bus.start(readAll1)
        _ = bus.handleTimer(nowMicros: 0)
        var corrupt = sampleReply
        corrupt[6] ^= 0x10
        wire.inbox = corrupt
        let event1 = bus.handleReadable(nowMicros: 40_000)
        #expect(event1 == nil)
        let event2 = bus.handleTimer(nowMicros: 40_000 + timing.gapTimeoutMicros - 1)
        #expect(event2 == nil)
        let event = bus.handleTimer(nowMicros: 40_000 + timing.gapTimeoutMicros)
        guard case .failed(_, .badCRC)? = event else {
            Issue.record("expected a CRC failure, got \(String(describing: event))")
            return
        }
        #expect(bus.counters(for: 1).crcErrors == 1)
        // A good read right after works.
        let accepted1 = bus.start(readAll1)
        #expect(accepted1)
        let later: Int64 = 100_000
        _ = bus.handleTimer(nowMicros: later)
        wire.inbox = sampleReply
        let event3 = bus.handleReadable(nowMicros: later + 40_000)
        #expect(event3 == .completed(readAll1, .registers(sampleRegisters), elapsedMicros: 40_000))
    }

    @Test func garbageBeforeTheFrameIsSkippedAndCounted() {
        var (bus, wire) = makeBus()
        _ = bus.start(readAll1)
        _ = bus.handleTimer(nowMicros: 0)
        wire.inbox = [0x00, 0xFF, 0x13, 0x01] + sampleReply
        let event1 = bus.handleReadable(nowMicros: 40_000)
        #expect(event1 == .completed(readAll1, .registers(sampleRegisters), elapsedMicros: 40_000))
        #expect(bus.counters(for: 1).garbageBytes == 4)
    }

    @Test func exceptionReplyCompletesAndIsCounted() {
        var (bus, wire) = makeBus()
        _ = bus.start(readAll1)
        _ = bus.handleTimer(nowMicros: 0)
        wire.inbox = [0x01, 0x84, 0x02, 0xC2, 0xC1]   // meters.md: illegal address
        let event = bus.handleReadable(nowMicros: 30_000)
        #expect(event == .completed(readAll1, .exception(function: 0x04, code: .illegalDataAddress), elapsedMicros: 30_000))
        #expect(bus.counters(for: 1).exceptions == 1 && bus.counters(for: 1).replies == 1)
    }

    @Test func aFrameFromAnotherSlaveFailsAndTheLineIsDrained() throws {
        var (bus, wire) = makeBus()
        _ = bus.start(readAll1)
        _ = bus.handleTimer(nowMicros: 0)
        // A CRC-valid reply from slave 2 (the read-exception frame re-addressed).
        var other: [UInt8] = [0x02, 0x84, 0x02]
        ModbusCRC.append(to: &other)
        wire.inbox = other
        let event1 = bus.handleReadable(nowMicros: 30_000)
        #expect(event1 == .failed(readAll1, .wrongSlave(expected: 1, got: 2)))
        #expect(bus.counters(for: 1).badFrames == 1)
        #expect(bus.wantsReadable, "drains after a failure")
        let accepted1 = bus.start(readAll1)
        #expect(accepted1)
        // More noise keeps the line busy: the next request waits for t3.5 after it.
        wire.inbox = [0x55, 0x55, 0x55]
        let event2 = bus.handleReadable(nowMicros: 33_000)
        #expect(event2 == nil)
        #expect(bus.counters(for: 1).garbageBytes == 3)
        #expect(bus.nextDeadline() == 33_000 + timing.quietMicros)
        let event3 = bus.handleTimer(nowMicros: 33_000 + timing.quietMicros - 1)
        #expect(event3 == nil)
        #expect(wire.written.count == 1)
        let event4 = bus.handleTimer(nowMicros: 33_000 + timing.quietMicros)
        #expect(event4 == nil)
        #expect(wire.written.count == 2 && bus.wantsReadable)
    }

    @Test func aBabblingLineIsGivenUpOn() {
        var (bus, wire) = makeBus()
        _ = bus.start(readAll1)
        _ = bus.handleTimer(nowMicros: 0)
        let giveUp = timing.replyDeadline(firstByteDeadline: timing.firstByteDeadline(sentAt: 0, requestBytes: 8))
        var now: Int64 = 10_000
        var event: BusEvent?
        while event == nil && now <= giveUp + 10_000 {
            wire.inbox = [0x01]   // a slave address forever, never a frame
            event = bus.handleReadable(nowMicros: now) ?? bus.handleTimer(nowMicros: now)
            now += 5_000
        }
        guard case .failed(_, let error)? = event else {
            Issue.record("no failure while babbling")
            return
        }
        #expect(error != .timeout)
        #expect(now - 5_000 >= giveUp)
    }

    @Test func portFailureIsAnEventAndTheNextSendReopens() {
        var (bus, wire) = makeBus()
        _ = bus.start(readAll1)
        _ = bus.handleTimer(nowMicros: 0)
        wire.readFailure = .hangUp(device: "/dev/scripted")
        let event1 = bus.handleReadable(nowMicros: 1_000)
        #expect(event1 == .portFailed(readAll1, .hangUp(device: "/dev/scripted")))
        #expect(!bus.isBusy && bus.counters(for: 1).portErrors == 1)
        wire.readFailure = nil
        wire.reopenFailure = .system(SystemError("open", "/dev/scripted", errno: .ENOENT))
        _ = bus.start(readAll1)
        let event2 = bus.handleTimer(nowMicros: 500_000)
        #expect(event2 == .portFailed(readAll1, .system(SystemError("open", "/dev/scripted", errno: .ENOENT))))
        wire.reopenFailure = nil
        _ = bus.start(readAll1)
        let event3 = bus.handleTimer(nowMicros: 600_000)
        #expect(event3 == nil)
        #expect(wire.reopens == 2 && wire.written.count == 2)
        wire.inbox = sampleReply
        let event4 = bus.handleReadable(nowMicros: 640_000)
        #expect(event4 == .completed(readAll1, .registers(sampleRegisters), elapsedMicros: 40_000))
    }

    @Test func closeAbandonsTheExchangeAndTheNextStartReopens() {
        var (bus, wire) = makeBus()
        _ = bus.start(readAll1)
        _ = bus.handleTimer(nowMicros: 0)
        bus.close()
        #expect(!bus.isBusy && !bus.wantsReadable && bus.nextDeadline() == nil && !wire.open)
        let accepted = bus.start(readAll1)
        let event = bus.handleTimer(nowMicros: 10_000)
        #expect(accepted && event == nil && wire.open && wire.reopens == 1 && wire.written.count == 2)
    }
}
