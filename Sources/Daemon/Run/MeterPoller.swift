import OS
import Config
import Control
import Journal
import Ledger
import Meters
import ModbusRTU

/// The meters' side of the loop: one transaction at a time on the shared bus, meters polled
/// round-robin at `poll.interval` each, every reading billed from the meter's own counter.
/// Owns the bus; the meters' poll states live in the plant's circuits (`MeterPoll`). Handed the
/// plant, and two ways out: the reply to a `reset-energy` that waited, and a new reading's watch
/// lines.
final class MeterPoller {
    private var bus: MeterBus<SerialPort>
    /// `poll.interval`: a meter's next poll is due this long after its last one started.
    private var pollIntervalMs: Int64
    /// This boot, for the boot stamps of meter readings (the jump limit's clock).
    private let bootID = Clock.bootID()
    private let plant: Plant
    private let log: Log
    /// Sends a held reply to the control client that asked (`reset-energy`'s).
    private let answer: ([UInt8], ControlClientID) -> Void
    /// A reading was taken and its circuit decided: the watchers get their line.
    private let readingTaken: (Circuit) -> Void

    /// The bus on `serial.*`, not opened yet: a device that is missing now is a meter fault (retried
    /// at every poll), not a reason to refuse to start.
    init(serial: SerialSettings, pollIntervalMs: Int64, plant: Plant, log: Log,
         answer: @escaping ([UInt8], ControlClientID) -> Void, readingTaken: @escaping (Circuit) -> Void) {
        let timing = BusTiming(baud: serial.baud, format: serial.format, responseTimeoutMs: serial.timeout.value)
        bus = MeterBus(link: SerialPort.closed(device: serial.device, baud: serial.baud, format: serial.format), timing: timing)
        self.pollIntervalMs = pollIntervalMs
        self.plant = plant
        self.log = log
        self.answer = answer
        self.readingTaken = readingTaken
    }

    // MARK: what the loop asks

    /// A transaction is in flight (a stop waits for it).
    var isBusy: Bool { bus.isBusy }
    /// The serial fd, when the bus waits for bytes on it.
    var readableDescriptor: FileDescriptor? { bus.wantsReadable ? bus.link.descriptor : nil }
    /// The bus's next timer (inter-frame gap, reply timeout), monotonic ms rounded up.
    var nextDeadlineMono: Int64? { bus.nextDeadline().map { ($0 + 999) / 1000 } }
    /// The counters of one meter's transactions, for `status`, `meter` and `metrics`.
    func counters(for slave: UInt8) -> BusCounters { bus.counters(for: slave) }

    /// The bus's timers: sends what waits for a quiet line, times out a silent meter.
    func handleTimer(nowMicros: Int64, nowMono: Int64) {
        if let event = bus.handleTimer(nowMicros: nowMicros) { handle(busEvent: event, nowMono: nowMono) }
    }

    /// The serial fd is readable: the reply's bytes.
    func handleReadable(nowMicros: Int64, nowMono: Int64) {
        if let event = bus.handleReadable(nowMicros: nowMicros) { handle(busEvent: event, nowMono: nowMono) }
    }

    /// A reload changed `poll.interval`: the next polls are scheduled with it.
    func reconfigure(pollIntervalMs: Int64) { self.pollIntervalMs = pollIntervalMs }

    /// `reset-energy` of this circuit's meter: read, billed and then reset at its next turn on the
    /// bus; `id` is answered when the meter has answered.
    func requestReset(_ c: Circuit, by id: ControlClientID) { c.meter.reset.request(by: id) }

    func close() { bus.close() }

    // MARK: the bus

    /// Starts the next transaction when the bus is free (`BusTurn` chooses it). Returns the
    /// monotonic ms of the next poll due, if later.
    func startDuePoll(nowMono: Int64) -> Int64? {
        guard !bus.isBusy else { return nil }
        let circuits = plant.circuits
        switch BusTurn.next(circuits, nowMono: nowMono) {
        case .reset(let i):
            circuits[i].meter.reset.resetSent()
            _ = bus.start(PZEM004T.resetEnergyRequest(slave: circuits[i].slave))
        case .read(let i, let block):
            _ = bus.start(circuits[i].config.model.readRequests(slave: circuits[i].slave)[block])
        case .poll(let i):
            circuits[i].meter.scheduleNextPoll(nowMono: nowMono, intervalMs: pollIntervalMs)
            _ = bus.start(circuits[i].config.model.readRequests(slave: circuits[i].slave)[0])
        case .idle(let until):
            return until
        }
        return nil
    }

    /// Acts on the end of a bus transaction.
    private func handle(busEvent: BusEvent, nowMono: Int64) {
        switch busEvent {
        case .completed(let request, let response, _):
            guard let c = plant.circuits.first(where: { $0.slave == request.slave }) else { return }
            switch request {
            case .resetEnergy:
                handleResetDone(c, response: response)
            default:
                handleReading(c, response: response, nowMono: nowMono)
            }
        case .failed(let request, let error):
            guard let c = plant.circuits.first(where: { $0.slave == request.slave }) else { return }
            failed(c, request, why: error.message)
        case .portFailed(let request, let error):
            guard let c = plant.circuits.first(where: { $0.slave == request.slave }) else { return }
            failed(c, request, why: error.message)
        }
    }

    private func failed(_ c: Circuit, _ request: ModbusRequest, why: String) {
        c.meter.blocks = []   // a reading needs every part of one poll: start over at the next
        if case .resetEnergy = request { carryOut(c.meter.reset.resetFailed(meter: c.name, why: why), c) }
        meterFailed(c, why: why)
    }

    /// Answers the clients waiting for `reset-energy` as `ResetEnergy` decided: the error, or, once
    /// the meter confirmed, the reset journaled and OK.
    private func carryOut(_ action: ResetEnergy.Action, _ c: Circuit) {
        var reply = Reply()
        let requesters: [ControlClientID]
        switch action {
        case .none:
            return
        case .refuse(let waiting, let error):
            requesters = waiting
            reply.error(error)
        case .confirmed(let waiting):
            requesters = waiting
            journalMeterReset(c)
            reply.ok()
        }
        let bytes = Array(reply.text.utf8)
        for id in requesters { answer(bytes, id) }
    }

    private func handleReading(_ c: Circuit, response: ModbusResponse, nowMono: Int64) {
        let model = c.config.model
        let reading: Reading
        do {
            c.meter.blocks.append(try MeterModel.registers(of: response))
            if c.meter.blocks.count < model.readsPerPoll { return }   // the next part goes out now
            defer { c.meter.blocks = [] }
            reading = try model.decode(blocks: c.meter.blocks)
        } catch {
            c.meter.blocks = []
            meterFailed(c, why: error.message)
            return
        }
        if let implausible = model.plausibility(reading) {
            meterFailed(c, why: implausible.message)
            return
        }
        if !c.meter.answering { log.notice("\(c.name): meter answers (address \(c.config.modbusAddress))") }
        c.meter.answering = true
        c.meter.faultLogged = false
        c.meter.reading = reading
        c.meter.readingAtMono = nowMono
        let nowWall = Clock.wallNow()
        var account = c.account
        let outcome = account.observe(counter: WattHours(Int64(reading.energyWattHours)),
                                      power: Deciwatts(Int64(reading.powerDeciwatts)), atMs: nowWall,
                                      boot: Clock.bootStamp(bootID),
                                      resolution: WattHours(Int64(model.counterResolutionWattHours(near: reading.energyWattHours))))
        switch outcome {
        case .billed:
            c.account = account
        case .journal(let event):
            c.account = account
            do {
                try plant.commit([event], to: c)
                logCounterEvent(c, event)
            } catch {
                plant.report(error, c)
            }
        case .refused(let error):
            log.warning("\(c.name): reading not billed: \(error.message)")
        }
        // A reset waiting for this reading may go out only if billing now stands at it.
        carryOut(c.meter.reset.readingTaken(counter: WattHours(Int64(reading.energyWattHours)), billedCounter: c.account.counter,
                                            meter: c.name), c)
        plant.decideAndDrive(c, nowMono: nowMono)
        readingTaken(c)
    }

    private func logCounterEvent(_ c: Circuit, _ event: AccountEvent) {
        switch event {
        case .counterRebaselined(let from, let to, _, _):
            log.warning("\(c.name): meter counter went back from \(from.value) to \(to.value) Wh (reset or replaced); "
                        + "billing continues from \(to.value) Wh")
        case .counterJumpRejected(let from, let to, _, _):
            log.error("\(c.name): meter counter jumped from \(from.value) to \(to.value) Wh, more than the circuit "
                      + "can draw in the time: not billed, recorded as a fault")
        default: break
        }
    }

    /// A reading failed; one that a `reset-energy` waits for fails the reset too. Logged once per
    /// fault, with its cause — also a meter that never answered (a missing `serial.device` at start
    /// is otherwise only `meter-fault` in status).
    private func meterFailed(_ c: Circuit, why: String) {
        carryOut(c.meter.reset.readFailed(meter: c.name, why: why), c)
        if !c.meter.faultLogged { log.warning("\(c.name): meter does not answer: \(why)") }
        c.meter.faultLogged = true
        c.meter.answering = false
    }

    private func handleResetDone(_ c: Circuit, response: ModbusResponse) {
        guard case .resetDone = response else {
            log.error("\(c.name): the meter refused reset-energy")
            carryOut(c.meter.reset.resetAnswered(confirmed: false, meter: c.name), c)
            return
        }
        carryOut(c.meter.reset.resetAnswered(confirmed: true, meter: c.name), c)
    }

    /// The reset the meter confirmed, journaled and logged.
    private func journalMeterReset(_ c: Circuit) {
        // The meter's counter is 0 from now: bill up to the last reading, continue from zero.
        if let event = c.account.meterResetEvent(atMs: Clock.wallNow(), boot: Clock.bootStamp(bootID)) {
            do { try plant.commit([event], to: c) } catch {
                // Not journaled: the next reading shows a counter that went back, which re-baselines
                // billing just the same (only the Wh since the last reading are not billed).
                log.error("\(c.name): the reset could not be journaled: \(error.message)")
            }
        }
        log.notice("\(c.name): meter energy counter reset; billing continues from 0 Wh")
    }
}
