import OS
import Config
import Journal
import Ledger
import Meters

/// The circuits: each meter's account, its relay and LED, and the decisions that move them. Every
/// change of an account goes through `commit` (the journal gate first); every relay and LED
/// change through `decideAndDrive` (the ledger decides, `CircuitOutputs` says which lines change,
/// the plant drives them and logs relay changes with their reason).
final class Plant {
    let circuits: [Circuit]
    /// Accounts found in the journal whose meter is no longer configured: kept, never dropped,
    /// so their money survives in every snapshot.
    let orphans: [MeterSnapshot]
    let journal: JournalGate
    let gpio: any GPIOBackend
    let log: Log
    /// `journal.checkpoint`: how often consumption billed in memory is journaled.
    private var checkpointMs: Int64

    /// Builds the circuits from the recovered journal (see `Replay`). A journal found damaged, or
    /// whose events do not apply, leaves every relay open until an operator acts.
    init(config: Configuration, recovery: Recovery, journal: JournalGate, gpio: any GPIOBackend, log: Log,
         nowWall: WallClockMs, nowMono: Int64) {
        self.journal = journal
        self.gpio = gpio
        self.log = log
        checkpointMs = config.journal.checkpoint.value
        var replay = Replay(config: config, recovery: recovery, startedAtMs: nowWall)
        if let failure = replay.failure { journal.replayFailed(failure) }
        let start = CircuitOutputs(decision: journal.isDamaged ? .journalDamaged
                                                               : RelayDecision(relayOn: false, reason: .starting, led: .off))
        var circuits: [Circuit] = []
        for meter in config.meters {
            guard let account = replay.accounts.removeValue(forKey: meter.name) else { continue }
            circuits.append(Circuit(config: meter, account: account, outputs: start, nowMono: nowMono))
        }
        self.circuits = circuits
        var orphans: [MeterSnapshot] = []
        for name in replay.order {
            guard let account = replay.accounts[name] else { continue }
            orphans.append(MeterSnapshot(name: name, state: account.state))
            log.warning("journal: meter '\(name)' is not configured any more; its account is kept")
        }
        self.orphans = orphans
    }

    func circuit(named name: String) -> Circuit? {
        for c in circuits where c.name == name { return c }
        return nil
    }

    // MARK: the journal

    /// Journals `events` for `circuit` and applies them (`JournalGate.commit`). A journal that
    /// turns out damaged opens every relay at once; a grown journal is compacted.
    func commit(_ events: [AccountEvent], to circuit: Circuit) throws(CommitError) {
        do { try journal.commit(events, meter: circuit.name, to: &circuit.account) } catch {
            if case .journal(.damaged) = error { decideAndDriveAll(nowMono: Clock.monotonicMs()) }
            throw error
        }
        if journal.needsCompaction { journal.compact(snapshot()) }
    }

    /// Where nobody waits for an answer: a ledger refusal is logged with the meter's name; journal
    /// trouble the gate has logged already.
    func report(_ error: CommitError, _ c: Circuit) {
        if case .refused(let why) = error { log.error("\(c.name): \(why.message)") }
    }

    /// Every account, live or orphaned, as compaction writes it.
    private func snapshot() -> JournalSnapshot {
        JournalSnapshot(atMs: Clock.wallNow(),
                        meters: circuits.map { MeterSnapshot(name: $0.name, state: $0.account.state) } + orphans)
    }

    /// Journals consumption billed in memory, at most every `journal.checkpoint` per meter (or now,
    /// for every meter, on the way out).
    func checkpointIfDue(nowMono: Int64, force: Bool = false) {
        for c in circuits where force || nowMono - c.lastCheckpointMono >= checkpointMs {
            c.lastCheckpointMono = nowMono
            guard let event = c.account.checkpointEvent() else { continue }
            do { try commit([event], to: c) } catch { report(error, c) }
        }
    }

    /// When the next checkpoint is due, for the loop's deadline.
    var nextCheckpointMono: Int64? { circuits.map { $0.lastCheckpointMono + checkpointMs }.min() }

    // MARK: configuration

    /// Journals a tariff the configuration changed (at start, edited while the daemon was down; on
    /// reload): the ledger puts a checkpoint of the in-memory reading in front. Throws on the first
    /// meter whose change cannot be journaled.
    func journalTariffChanges(atMs: WallClockMs) throws(CommitError) {
        for c in circuits {
            let events = c.account.tariffChangeEvents(atMs: atMs)
            if events.isEmpty { continue }
            try commit(events, to: c)
            log.notice("\(c.name): tariff is now \(c.config.tariff.pricePerKWh.value) nanos/kWh")
        }
    }

    /// A reload: each meter's settings and account rules replaced, a changed tariff journaled.
    /// (What would need a restart has been refused before.)
    func reconfigure(_ config: Configuration, nowWall: WallClockMs) {
        checkpointMs = config.journal.checkpoint.value
        for c in circuits {
            guard let meter = config.meters.first(where: { $0.name == c.name }) else { continue }
            c.config = meter
            c.account.policy = Plant.policy(for: meter, config: config)
            let events = c.account.tariffChangeEvents(atMs: nowWall)
            if events.isEmpty { continue }
            do { try commit(events, to: c) } catch { report(error, c); continue }
            log.notice("\(c.name): tariff is now \(c.config.tariff.pricePerKWh.value) nanos/kWh")
        }
    }

    static func policy(for meter: MeterConfig, config: Configuration) -> AccountPolicy {
        var policy = AccountPolicy(tariff: meter.tariff)
        policy.maxPower = meter.maxPower.map { Ledger.Deciwatts($0.value) }
        policy.maxPowerGraceMs = meter.maxPowerGrace.value
        policy.lowCredit = meter.lowCredit
        policy.friendlyHours = meter.friendlyHours.flatMap {
            try? Ledger.FriendlyHours(startMinute: $0.startMinute, endMinute: $0.endMinute)
        }
        policy.emergencyCredit = meter.emergencyCredit ?? .zero
        policy.meterFaultTimeoutMs = config.meterFaultTimeout.value
        policy.readingLatencyMs = config.serial.timeout.value
        policy.physicalMaxPower = Ledger.Deciwatts(Int64(meter.model.maxPowerDeciwatts))
        return policy
    }

    /// The meter (other than `except`) whose account credited `digest`, live or orphaned.
    func meter(crediting digest: TransactionDigest, except: String) -> String? {
        for c in circuits where c.name != except && c.account.hasCredited(digest: digest) { return c.name }
        for orphan in orphans where orphan.state.creditedDigests.contains(digest) { return orphan.name }
        return nil
    }
}
