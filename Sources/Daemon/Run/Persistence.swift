import OS
import Config
import Control
import Journal
import Ledger
import Meters
import ModbusRTU

/// The daemon's side of the journal: recovery at start, and the one write path every change of
/// money or state takes (journal first, fdatasync, then apply — DESIGN §3.5).
extension Daemon {
    /// Opens and replays the journal, builds the circuits, and journals what start-up itself
    /// changes (a tariff edited while the daemon was down). A damaged journal is not replayed
    /// past the damage and not written to: every relay stays open until an operator acts.
    func recoverJournal(nowWall: Int64) throws(DaemonFailure) {
        let (file, recovery): (JournalFile, Recovery)
        do { (file, recovery) = try JournalFile.open(path: config.journal.path) } catch {
            throw DaemonFailure(status: 2, message: error.message)
        }
        if let torn = recovery.tornTail { log.warning(torn.message) }
        var states: [String: AccountState] = [:]
        // Billing over time, for credit_left_s: the snapshot's total, then each checkpoint.
        var usage: [String: UsageHistory] = [:]
        var order: [String] = []
        for meter in recovery.snapshot?.meters ?? [] {
            states[meter.name] = meter.state
            if let atMs = recovery.snapshot?.atMs { usage[meter.name, default: UsageHistory()].record(atMs: atMs, billed: meter.state.billed) }
            order.append(meter.name)
        }
        var accounts: [String: Account] = [:]
        let nowMono = Clock.monotonicMs()
        func fresh(_ name: String) -> AccountState {
            AccountState(tariff: config.meters.first { $0.name == name }?.tariff ?? Tariff(pricePerKWh: .zero))
        }
        do {
            // Replay into plain states, mutated in place (a million records replay in well under
            // a second), and wrap each in an Account once at the end.
            for entry in recovery.events {
                if states[entry.meter] == nil {
                    states[entry.meter] = fresh(entry.meter)
                    order.append(entry.meter)
                }
                try states[entry.meter]?.apply(entry.event)
                if case .counterCheckpoint(_, let atMs, _) = entry.event, let billed = states[entry.meter]?.billed {
                    usage[entry.meter, default: UsageHistory()].record(atMs: atMs, billed: billed)
                }
            }
            for meter in config.meters where states[meter.name] == nil {
                states[meter.name] = fresh(meter.name)
                order.append(meter.name)
            }
            for name in order {
                guard let state = states[name] else { continue }
                let meterConfig = config.meters.first { $0.name == name }
                let policy = meterConfig.map { Daemon.policy(for: $0, config: config) } ?? AccountPolicy(tariff: state.tariff)
                var account = try Account(state: state, policy: policy, startedAtMs: nowWall)
                account.usage = usage[name] ?? UsageHistory()
                accounts[name] = account
            }
        } catch {
            // An event that cannot apply is damage too: the journal does not describe a valid state.
            journalDamaged = true
            log.error("journal \(config.journal.path): replay failed: \(error.message); every relay stays open")
        }
        if let damage = recovery.damage {
            journalDamaged = true
            log.error("journal \(config.journal.path): \(damage.message); the file is left as it is, every relay "
                      + "stays open, and nothing more is journaled until an operator restores or moves it")
        }
        for meter in config.meters {
            guard let a = accounts[meter.name] else { continue }
            circuits.append(Circuit(config: meter, account: a, nowMono: nowMono))
        }
        for name in order where config.meters.first(where: { $0.name == name }) == nil {
            if let a = accounts[name] {
                orphanStates.append(MeterSnapshot(name: name, state: a.state))
                log.warning("journal: meter '\(name)' is not configured any more; its account is kept")
            }
        }
        journal = file   // kept open even when damaged: its lock keeps a second daemon off it
        if journalDamaged {
            for c in circuits { c.decision = .journalDamaged }
            return
        }
        do { try file.append([.started(atMs: nowWall)]) } catch {
            throw DaemonFailure(status: 2, message: error.message)
        }
        for c in circuits {
            let events = c.account.tariffChangeEvents(atMs: nowWall)
            if !events.isEmpty {
                guard commit(events, to: c) else { throw DaemonFailure(status: 2, message: "journal: cannot write") }
                log.notice("\(c.name): tariff is now \(c.config.tariff.pricePerKWh.value) nanos/kWh")
            }
        }
    }

    /// Journals `events` for `circuit` (one append, fdatasync) and applies them. False — and
    /// nothing applied — when they do not apply or the journal refuses them: nothing is
    /// acknowledged that is not on disk.
    @discardableResult
    func commit(_ events: [AccountEvent], to circuit: Circuit) -> Bool {
        if events.isEmpty { return true }
        guard let journal, !journalDamaged else { return false }
        let next: Account
        do { next = try circuit.account.applying(events) } catch {
            log.error("\(circuit.name): \(error.message)")
            return false
        }
        do {
            try journal.append(events.map { .event(meter: circuit.name, $0) })
        } catch {
            if case .damaged = error {
                journalBecameDamaged(error)
            } else {
                noteJournalWriteFailed(error)
            }
            return false
        }
        noteJournalWriteSucceeded()
        circuit.account = next
        compactIfDue()
        return true
    }

    /// `commit` for an admin command: nil when done, else the reply's error — 409 naming what the
    /// ledger refuses (a credit that would overflow the account), 503 when the journal cannot be
    /// written. (The ledger is asked first so an overflow is never blamed on the journal.)
    func commitForReply(_ events: [AccountEvent], to circuit: Circuit, what: String) -> ControlError? {
        do { _ = try circuit.account.applying(events) } catch {
            return .conflict("\(error.message); nothing was \(what)")
        }
        if commit(events, to: circuit) { return nil }
        return .unavailable("the journal cannot be written (journal \(journalHealth.rawValue)); nothing was \(what)")
    }

    /// Journals consumption billed in memory, at most every `journal.checkpoint` per meter.
    func checkpointIfDue(_ circuit: Circuit, nowMono: Int64, force: Bool = false) {
        guard force || nowMono - circuit.lastCheckpointMono >= config.journal.checkpoint.value else { return }
        circuit.lastCheckpointMono = nowMono
        if let event = circuit.account.checkpointEvent() { commit([event], to: circuit) }
    }

    /// Rewrites the journal as one snapshot once it has grown, so size and recovery time stay
    /// bounded however long the daemon runs.
    func compactIfDue() {
        guard let journal, journal.needsCompaction() else { return }
        let snapshot = JournalSnapshot(atMs: Clock.wallMs(),
                                       meters: circuits.map { MeterSnapshot(name: $0.name, state: $0.account.state) }
                                           + orphanStates)
        do {
            try journal.compact(snapshot: snapshot)
            log.info("journal compacted to \(journal.size) bytes")
            compactionFailing = false
        } catch {
            // Tried after every append while due: on a nearly full disk, logged once.
            if !compactionFailing { log.error("journal compaction failed: \(error.message); appending continues") }
            compactionFailing = true
        }
    }

    /// Notices, within a second, a journal deleted or replaced while the daemon runs (appends check
    /// it too, but a quiet account may not append for an hour): damage, as DESIGN §3.5 says.
    func checkJournalIfDue(nowMono: Int64) {
        guard let journal, !journalDamaged, nowMono >= nextJournalCheckMono else { return }
        nextJournalCheckMono = nowMono + Daemon.decisionTickMs
        do { try journal.checkWritable() } catch {
            if case .damaged = error { journalBecameDamaged(error) }
        }
    }

    /// The journal turned out damaged while running: logged once, nothing more is journaled or
    /// credited, and every relay opens, as for damage found at start.
    private func journalBecameDamaged(_ error: JournalError) {
        journalDamaged = true
        log.error("\(error.message); every relay opens, and nothing more is journaled or credited until an operator "
                  + "restores the journal and restarts the daemon")
        decideAndDriveAll(nowMono: Clock.monotonicMs())
    }
}
