import CSystem
import Config
import Control
import Journal
import Ledger
import Meters
import ModbusRTU

/// The meters' side of the loop: one transaction at a time on the shared bus, meters polled
/// round-robin at `poll.interval` each, every reading billed from the meter's own counter.
extension Daemon {
    /// Starts the next transaction when the bus is free: a pending `reset-energy` first, then the
    /// meter whose poll is most overdue. Returns the monotonic ms of the next poll due, if later.
    func startDuePoll(nowMono: Int64) -> Int64? {
        guard !bus.isBusy, stopRequestedMono == nil else { return nil }
        if let c = circuits.first(where: { $0.resetEnergyPending }) {
            c.resetEnergyPending = false
            _ = bus.start(PZEM004T.resetEnergyRequest(slave: c.slave))
            return nil
        }
        var due: Circuit? = nil
        for c in circuits where c.nextPollMono <= nowMono {
            if due == nil || c.nextPollMono < due!.nextPollMono { due = c }
        }
        guard let c = due else { return circuits.map { $0.nextPollMono }.min() }
        // Keep the cadence (no drift), but never try to catch up a backlog of missed polls.
        c.nextPollMono += config.pollInterval.value
        if c.nextPollMono <= nowMono { c.nextPollMono = nowMono + config.pollInterval.value }
        _ = bus.start(PZEM004T.readRequest(slave: c.slave))
        return nil
    }

    /// Acts on the end of a bus transaction.
    func handle(busEvent: BusEvent, nowMono: Int64) {
        switch busEvent {
        case .completed(let request, let response, _):
            guard let c = circuits.first(where: { $0.slave == request.slave }) else { return }
            switch request {
            case .resetEnergy:
                handleResetDone(c, response: response)
            default:
                handleReading(c, response: response, nowMono: nowMono)
            }
        case .failed(let request, let error):
            guard let c = circuits.first(where: { $0.slave == request.slave }) else { return }
            failed(c, request, why: error.message)
        case .portFailed(let request, let error):
            guard let c = circuits.first(where: { $0.slave == request.slave }) else { return }
            failed(c, request, why: error.message)
        }
    }

    private func failed(_ c: Circuit, _ request: ModbusRequest, why: String) {
        if case .resetEnergy = request {
            answerResetRequesters(c, ControlError.unavailable("\(c.name): the meter did not confirm the reset: \(why)"))
        }
        meterFailed(c, why: why)
    }

    /// Answers the clients waiting for `reset-energy`: OK, or the error.
    private func answerResetRequesters(_ c: Circuit, _ error: ControlError?) {
        var reply = Reply()
        if let error { reply.error(error) } else { reply.ok() }
        let bytes = Array(reply.text.utf8)
        for id in c.resetRequesters { server.complete(bytes, to: id, now: Clock.monotonicMs()) }
        c.resetRequesters.removeAll()
    }

    private func handleReading(_ c: Circuit, response: ModbusResponse, nowMono: Int64) {
        let reading: Reading
        do { reading = try PZEM004T.decode(response: response) } catch {
            meterFailed(c, why: error.message)
            return
        }
        if let implausible = PZEM004T.plausibility(reading) {
            meterFailed(c, why: implausible.message)
            return
        }
        if !c.meterAnswering { log.notice("\(c.name): meter answers (address \(c.config.modbusAddress))") }
        c.meterAnswering = true
        c.meterFaultLogged = false
        c.reading = reading
        c.readingAtMono = nowMono
        let nowWall = Clock.wallMs()
        var account = c.account
        let outcome = account.observe(counter: WattHours(Int64(reading.energyWattHours)),
                                      power: Deciwatts(Int64(reading.powerDeciwatts)), atMs: nowWall)
        switch outcome {
        case .billed:
            c.account = account
        case .journal(let event):
            c.account = account
            if commit([event], to: c) { logCounterEvent(c, event) }
        case .refused(let error):
            log.warning("\(c.name): reading not billed: \(error.message)")
        }
        decideAndDrive(c, nowMono: nowMono)
        pushWatchLine(for: c)
    }

    private func logCounterEvent(_ c: Circuit, _ event: AccountEvent) {
        switch event {
        case .counterRebaselined(let from, let to, _):
            log.warning("\(c.name): meter counter went back from \(from.value) to \(to.value) Wh (reset or replaced); "
                        + "billing continues from \(to.value) Wh")
        case .counterJumpRejected(let from, let to, _):
            log.error("\(c.name): meter counter jumped from \(from.value) to \(to.value) Wh, more than the circuit "
                      + "can draw in the time: not billed, recorded as a fault")
        default: break
        }
    }

    /// Logged once per fault, with its cause — also a meter that never answered (a missing
    /// `serial.device` at start is otherwise only `meter-fault` in status).
    private func meterFailed(_ c: Circuit, why: String) {
        if !c.meterFaultLogged { log.warning("\(c.name): meter does not answer: \(why)") }
        c.meterFaultLogged = true
        c.meterAnswering = false
    }

    private func handleResetDone(_ c: Circuit, response: ModbusResponse) {
        guard case .resetDone = response else {
            log.error("\(c.name): the meter refused reset-energy")
            answerResetRequesters(c, .unavailable("\(c.name): the meter refused the reset"))
            return
        }
        // The meter's counter is 0 from now: bill up to the last reading, continue from zero.
        if let event = c.account.meterResetEvent(atMs: Clock.wallMs()), !commit([event], to: c) {
            // Not journaled: the next reading shows a counter that went back, which re-baselines
            // billing just the same (only the Wh since the last reading are not billed).
            log.error("\(c.name): the reset could not be journaled")
        }
        log.notice("\(c.name): meter energy counter reset; billing continues from 0 Wh")
        answerResetRequesters(c, nil)
    }
}
