import OS
import Config
import Control
import Journal
import Ledger
import Meters
import ModbusRTU

/// The relay and LED of each circuit: the ledger decides, this drives the lines, logs every relay
/// change with its reason, and blinks the LED on its own timer (DESIGN §3.6).
extension Daemon {
    /// Re-decides one circuit's relay and LED from its account and the clock, and drives the lines.
    /// Emergency credit due now is journaled first, so the decision sees it.
    func decideAndDrive(_ c: Circuit, nowMono: Int64) {
        let nowWall = Clock.wallMs()
        if journalDamaged {
            apply(.journalDamaged, to: c, nowMono: nowMono)
            return
        }
        if let grant = c.account.emergencyEvent(atMs: nowWall) {
            if commit(c.account.withCheckpoint(grant), to: c) {
                log.notice("\(c.name): emergency credit of \(c.config.emergencyCredit?.iotaText ?? "0") IOTA granted")
            }
        }
        let inputs = RelayInputs(nowMs: nowWall, minuteOfDay: Clock.localMinuteOfDay(wallMs: nowWall),
                                 journalDamaged: journalDamaged, relayIsOn: c.relayOn)
        apply(c.account.decide(inputs), to: c, nowMono: nowMono)
    }

    func decideAndDriveAll(nowMono: Int64) {
        for c in circuits { decideAndDrive(c, nowMono: nowMono) }
    }

    private func apply(_ decision: RelayDecision, to c: Circuit, nowMono: Int64) {
        let previous = c.decision
        c.decision = decision
        if decision.relayOn != c.relayOn || decision.reason != previous.reason {
            log.notice("\(c.name): relay \(decision.relayOn ? "on" : "off") (\(decision.reason.rawValue)), "
                       + "balance \(c.account.balance.value) nanos")
        }
        if decision.relayOn != c.relayOn {
            drive(line: UInt32(c.config.relay.offset), active: decision.relayOn, of: c)
            c.relayOn = decision.relayOn
        }
        if decision.led != previous.led || c.nextLedEdgeMono == nil {
            setLed(c, lit: decision.led != .off, nowMono: nowMono)
        }
    }

    /// Half a period of each blinking pattern: 1 Hz and 4 Hz.
    private static func halfPeriodMs(_ pattern: LedPattern) -> Int64? {
        switch pattern {
        case .slowBlink: return 500
        case .fastBlink: return 125
        case .steady, .off: return nil
        }
    }

    private func setLed(_ c: Circuit, lit: Bool, nowMono: Int64) {
        if let led = c.config.led, lit != c.ledLit {
            drive(line: UInt32(led.offset), active: lit, of: c)
        }
        c.ledLit = lit
        c.nextLedEdgeMono = Daemon.halfPeriodMs(c.decision.led).map { nowMono + $0 } ?? Int64.max
    }

    /// Toggles blinking LEDs whose edge is due; returns the next edge of any LED.
    func blinkLeds(nowMono: Int64) -> Int64? {
        var next: Int64? = nil
        for c in circuits {
            guard let half = Daemon.halfPeriodMs(c.decision.led), let edge = c.nextLedEdgeMono else { continue }
            if edge <= nowMono {
                if let led = c.config.led { drive(line: UInt32(led.offset), active: !c.ledLit, of: c) }
                c.ledLit.toggle()
                // Edges stay on the pattern's grid, so the blink rate does not drift with loop latency.
                var nextEdge = edge + half
                if nextEdge <= nowMono { nextEdge = nowMono + half }
                c.nextLedEdgeMono = nextEdge
            }
            if let e = c.nextLedEdgeMono { next = min(next ?? e, e) }
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
        for c in circuits where c.relayOn || c.ledLit {
            drive(line: UInt32(c.config.relay.offset), active: false, of: c)
            if let led = c.config.led { drive(line: UInt32(led.offset), active: false, of: c) }
            c.relayOn = false
            c.ledLit = false
        }
        gpio.release()
    }
}
