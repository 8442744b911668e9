import OS
import Config
import Ledger

/// The relay and LED of each circuit: the ledger decides, `CircuitOutputs` says which lines change,
/// this drives them, logs every relay change with its reason, and blinks the LEDs (DESIGN §3.6).
extension Plant {
    /// Re-decides one circuit's relay and LED from its account and the clock, and drives the lines.
    func decideAndDrive(_ c: Circuit, nowMono: Int64) {
        let nowWall = Clock.wallNow()
        if !journal.isDamaged { grantEmergencyCreditIfDue(c, nowWall: nowWall) }
        let inputs = RelayInputs(nowMs: nowWall, minuteOfDay: Clock.localMinuteOfDay(wallMs: nowWall.value),
                                 journalDamaged: journal.isDamaged, relayIsOn: c.outputs.relayOn)
        drive(c, c.outputs.apply(c.account.decide(inputs), nowMono: nowMono))
    }

    func decideAndDriveAll(nowMono: Int64) {
        for c in circuits { decideAndDrive(c, nowMono: nowMono) }
    }

    /// Emergency credit due now (the ledger says when) is journaled before the decision, so the
    /// decision sees it and the relay does not open for a moment in between.
    private func grantEmergencyCreditIfDue(_ c: Circuit, nowWall: WallClockMs) {
        let events = c.account.emergencyGrantEvents(atMs: nowWall)
        if events.isEmpty { return }
        do { try commit(events, to: c) } catch {
            report(error, c)
            return
        }
        log.notice("\(c.name): emergency credit of \(c.config.emergencyCredit?.iotaText ?? "0") IOTA granted")
    }

    private func drive(_ c: Circuit, _ change: CircuitOutputs.Change) {
        if change.relayChanged {
            log.notice("\(c.name): relay \(c.outputs.relayOn ? "on" : "off") (\(c.outputs.decision.reason.rawValue)), "
                       + "balance \(c.account.balance.value) nanos")
        }
        if let on = change.relay { drive(line: c.config.relay.offset, active: on, of: c) }
        if let lit = change.led, let led = c.config.led { drive(line: led.offset, active: lit, of: c) }
    }

    /// Toggles blinking LEDs whose edge is due; returns the next edge of any LED.
    func blinkLeds(nowMono: Int64) -> Int64? {
        var next: Int64? = nil
        for c in circuits {
            if let lit = c.outputs.blink(nowMono: nowMono), let led = c.config.led {
                drive(line: led.offset, active: lit, of: c)
            }
            if let e = c.outputs.nextBlinkMono { next = min(next ?? e, e) }
        }
        return next
    }

    private func drive(line: UInt32, active: Bool, of c: Circuit) {
        do { try gpio.set(line: line, active: active) } catch {
            log.error("\(c.name): \(error.message)")
        }
    }

    /// Every relay and LED off, then the lines go back to the kernel: the fail-safe way out.
    func releaseOutputs() {
        for c in circuits where c.outputs.release() {
            drive(line: c.config.relay.offset, active: false, of: c)
            if let led = c.config.led { drive(line: led.offset, active: false, of: c) }
        }
        gpio.release()
    }
}
