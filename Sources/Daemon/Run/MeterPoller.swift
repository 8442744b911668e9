import OS
import Config
import Control
import Journal
import Ledger
import Meters
import ModbusRTU

/// The meters' side of the loop: one transaction at a time on the shared bus, meters polled
/// round-robin at `poll.interval` each, every reading billed from the meter's own counter.
extension Daemon {
    /// Starts the next transaction when the bus is free (`BusTurn` chooses it). Returns the
    /// monotonic ms of the next poll due, if later.
    func startDuePoll(nowMono: Int64) -> Int64? {
        guard !bus.isBusy, stopRequestedMono == nil else { return nil }
        let circuits = plant.circuits
        switch BusTurn.next(circuits, nowMono: nowMono) {
        case .reset(let i):
            circuits[i].meter.resetEnergyStep = nil
            _ = bus.start(PZEM004T.resetEnergyRequest(slave: circuits[i].slave))
        case .read(let i, let block):
            _ = bus.start(circuits[i].config.model.readRequests(slave: circuits[i].slave)[block])
        case .poll(let i):
            circuits[i].meter.scheduleNextPoll(nowMono: nowMono, intervalMs: config.pollInterval.value)
            _ = bus.start(circuits[i].config.model.readRequests(slave: circuits[i].slave)[0])
        case .idle(let until):
            return until
        }
        return nil
    }

    /// Acts on the end of a bus transaction.
    func handle(busEvent: BusEvent, nowMono: Int64) {
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
        if case .resetEnergy = request {
            answerResetRequesters(c, ControlError.unavailable("\(c.name): the meter did not confirm the reset: \(why)"))
        }
        meterFailed(c, why: why)
    }

    /// The reading before a reset could not be taken or billed: the reset is not sent (it would
    /// lose what the meter counted since the last billed reading).
    private func resetReadFailed(_ c: Circuit, why: String) {
        c.meter.resetEnergyStep = nil
        answerResetRequesters(c, .unavailable("\(c.name): not reset: the counter could not be read and billed first: \(why)"))
    }

    /// Answers the clients waiting for `reset-energy`: OK, or the error.
    private func answerResetRequesters(_ c: Circuit, _ error: ControlError?) {
        var reply = Reply()
        if let error { reply.error(error) } else { reply.ok() }
        let bytes = Array(reply.text.utf8)
        for id in c.meter.resetRequesters { server.complete(bytes, to: id, now: Clock.monotonicMs()) }
        c.meter.resetRequesters.removeAll()
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
        let nowWall = Clock.wallMs()
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
        if c.meter.resetEnergyStep == .read {
            // Billing stands at this reading (in memory or journaled): the reset may go out next.
            if c.account.counter == WattHours(Int64(reading.energyWattHours)) {
                c.meter.resetEnergyStep = .reset
            } else {
                resetReadFailed(c, why: "the reading was not billed")
            }
        }
        plant.decideAndDrive(c, nowMono: nowMono)
        pushWatchLine(for: c)
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
        if c.meter.resetEnergyStep == .read { resetReadFailed(c, why: why) }
        if !c.meter.faultLogged { log.warning("\(c.name): meter does not answer: \(why)") }
        c.meter.faultLogged = true
        c.meter.answering = false
    }

    private func handleResetDone(_ c: Circuit, response: ModbusResponse) {
        guard case .resetDone = response else {
            log.error("\(c.name): the meter refused reset-energy")
            answerResetRequesters(c, .unavailable("\(c.name): the meter refused the reset"))
            return
        }
        // The meter's counter is 0 from now: bill up to the last reading, continue from zero.
        if let event = c.account.meterResetEvent(atMs: Clock.wallMs(), boot: Clock.bootStamp(bootID)) {
            do { try plant.commit([event], to: c) } catch {
                // Not journaled: the next reading shows a counter that went back, which re-baselines
                // billing just the same (only the Wh since the last reading are not billed).
                log.error("\(c.name): the reset could not be journaled: \(error.message)")
            }
        }
        log.notice("\(c.name): meter energy counter reset; billing continues from 0 Wh")
        answerResetRequesters(c, nil)
    }
}
