import OS
import Config
import Control
import Journal
import Ledger
import Meters
import ModbusRTU

/// The Control module's framer is the server's: 512-byte lines, `\r\n`, 413 on overlong lines.
extension LineFramer: ControlFraming {
    public mutating func consume(_ bytes: ArraySlice<UInt8>) -> [Event] {
        append(contentsOf: bytes)
        return drain()
    }

    /// The client half-closed: complete lines first, then a last line that had no `\n`.
    public mutating func finish() -> [Event] {
        var items = drain()
        let last: Event? = finish()          // the framer's own finish, for the unterminated rest
        if let last { items.append(last) }
        return items
    }

    private mutating func drain() -> [Event] {
        var items: [Event] = []
        while let item = next() { items.append(item) }
        return items
    }
}

/// The socket protocol's commands (DESIGN §3.3), answered from the daemon's state. Admin changes
/// are journaled before the reply says OK.
extension Daemon {
    func handle(peer: ControlPeer, item: LineFramer.Event) -> ControlReply {
        var reply = Reply()
        switch item {
        case .refused(let error):
            reply.error(error)
            return ControlReply(reply.text, then: error.closesConnection ? .close : .keepOpen)
        case .line(let line):
            if peer.isWatching {
                // Any line from a watching client ends its watch; the watch request's reply ends now.
                watch.remove(peer.id)
                reply.ok()
                return ControlReply(reply.text, then: .stopWatching)
            }
            let command: Command
            do {
                command = try Request.parse(Substring(line), isAdmin: peer.isAdmin, meters: plant.circuits.map { $0.name })
            } catch {
                reply.error(error)
                return ControlReply(reply.text)
            }
            return execute(command, peer: peer, reply: &reply)
        }
    }

    private func execute(_ command: Command, peer: ControlPeer, reply: inout Reply) -> ControlReply {
        let nowMono = Clock.monotonicMs()
        switch command {
        case .help:
            reply.help()
        case .version:
            reply.version(tanglemeterVersion)
        case .status(let meter):
            reply.status(statusView(nowMono: nowMono), meter: meter)
        case .meter(let name):
            guard let c = plant.circuit(named: name) else { break }
            reply.meterDetail(meterView(c, nowMono: nowMono))
        case .payments(let name, let count):
            guard let c = plant.circuit(named: name) else { break }
            reply.payments(c.account.state.recentPayments, count: count)
        case .metrics:
            reply.metrics(statusView(nowMono: nowMono))
        case .watch(let meter):
            watch.add(peer.id, meter: meter)
            return ControlReply(reply.text, then: .startWatching)
        case .credit(let name, let amount, let note):
            guard let c = plant.circuit(named: name) else { break }
            guard !journal.isDamaged else {
                reply.error(.conflict("the journal is damaged: nothing can be credited until an operator acts"))
                return ControlReply(reply.text)
            }
            let event = AccountEvent.manualCredit(amount: amount, note: note, atMs: Clock.wallNow())
            do { try plant.commit(c.account.withCheckpoint(event), to: c) } catch {
                reply.error(error.reply(nothingWas: "credited"))
                return ControlReply(reply.text)
            }
            log.notice("\(c.name): manual credit of \(amount.iotaText) IOTA by uid \(peer.credentials.uid)"
                       + (note.isEmpty ? "" : " (\(Reply.sanitized(note)))"))
            plant.decideAndDrive(c, nowMono: nowMono)
        case .relay(let name, let mode):
            guard let c = plant.circuit(named: name) else { break }
            guard !journal.isDamaged else {
                reply.error(.conflict("the journal is damaged: every relay stays open until an operator acts"))
                return ControlReply(reply.text)
            }
            do { try plant.commit([.relayOverride(mode, atMs: Clock.wallNow())], to: c) } catch {
                reply.error(error.reply(nothingWas: "changed"))
                return ControlReply(reply.text)
            }
            log.notice("\(c.name): relay override \(mode.name) by uid \(peer.credentials.uid)")
            plant.decideAndDrive(c, nowMono: nowMono)
        case .resetEnergy(let name):
            guard let c = plant.circuit(named: name) else { break }
            guard c.config.model.canResetEnergy else {
                reply.error(.malformed("\(c.name): model \(c.config.model.rawValue) cannot reset its energy counter over Modbus "
                                        + "(only at the meter, with its password); billing follows the counter as it is"))
                return ControlReply(reply.text)
            }
            guard !journal.isDamaged else {
                reply.error(.conflict("the journal is damaged"))
                return ControlReply(reply.text)
            }
            // Read, billed and then reset at the meter's next turn on the bus; the reply waits for
            // the meter's answer. A second request while one is under way joins it.
            poller.requestReset(c, by: peer.id)
            return ControlReply(bytes: [], then: .hold)
        case .reload:
            if let problem = reload() {
                reply.error(problem)
                return ControlReply(reply.text)
            }
        }
        reply.ok()
        return ControlReply(reply.text)
    }

    // MARK: views

    func statusView(nowMono: Int64) -> DaemonStatusView {
        var view = DaemonStatusView(meters: plant.circuits.map { meterView($0, nowMono: nowMono) },
                                    node: payments?.health ?? .off, journal: journal.health, uptimeSeconds: uptimeSeconds,
                                    gpio: plant.gpio.statusName, watchdog: watchdog != nil)
        if let payments {
            view.nodeURL = payments.activeURL
            (view.nodeFailovers, view.paymentsSkipped, view.paymentHistoryGaps) = payments.counters
        }
        return view
    }

    func meterView(_ c: Circuit, nowMono: Int64) -> MeterStatusView {
        let counters = poller.counters(for: c.slave)
        let reading = c.meter.reading.map { r in
            MeterReadingView(voltageDecivolts: Int64(r.voltageDecivolts), currentMilliamps: Int64(r.currentMilliamps),
                             powerDeciwatts: Int64(r.powerDeciwatts), energyWh: Int64(r.energyWattHours),
                             frequencyDecihertz: Int64(r.frequencyDecihertz),
                             powerFactorHundredths: Int64(r.powerFactorHundredths), alarm: r.alarm,
                             ageMs: nowMono - (c.meter.readingAtMono ?? nowMono),
                             phases: r.phases.map {
                                 MeterPhaseView(voltageDecivolts: Int64($0.voltageDecivolts),
                                                currentMilliamps: Int64($0.currentMilliamps),
                                                powerDeciwatts: Int64($0.powerDeciwatts))
                             })
        }
        return MeterStatusView(name: c.name, relayOn: c.outputs.relayOn, reason: c.outputs.decision.reason,
                               credited: c.account.credited, charged: c.account.charged, billed: c.account.billed,
                               meterOK: c.meter.answering, payments: c.account.paymentCount, reading: reading,
                               counters: MeterCountersView(reads: Int64(counters.replies),
                                                           timeouts: Int64(counters.timeouts),
                                                           crcErrors: Int64(counters.crcErrors),
                                                           exceptions: Int64(counters.exceptions)),
                               creditLeftSeconds: c.account.creditLeftSeconds(nowMs: Clock.wallNow()),
                               model: c.config.model.rawValue)
    }

    /// One `watch` line to every client watching this meter (or all meters).
    func pushWatchLine(for c: Circuit) {
        if watch.isEmpty { return }
        let line = Array(watchLine(unixMs: Clock.wallMs(), meter: meterView(c, nowMono: Clock.monotonicMs()),
                                   moneyKnown: !journal.isDamaged).utf8)
        let now = Clock.monotonicMs()
        watch.push(line, about: c.name) { id, line in server.push(line, to: id, now: now) }
    }
}

extension CommitError {
    /// The reply to an admin change that was not made: 409 naming what the ledger refuses (a credit
    /// that would overflow the account), 503 when the journal cannot be written.
    func reply(nothingWas what: String) -> ControlError {
        switch self {
        case .refused: return .conflict("\(message); nothing was \(what)")
        case .journal: return .unavailable("\(message); nothing was \(what)")
        }
    }
}
