import Control
import Journal
import Ledger
import OS

/// Why a commit did not happen. Nothing was applied and nothing is acknowledged.
enum CommitError: Error {
    /// The ledger refuses the events (a credit that would overflow the account): nothing was written.
    case refused(LedgerError)
    /// The journal is damaged or cannot be written; the gate has logged that already (DESIGN §3.5).
    case journal(JournalHealth)

    var message: String {
        switch self {
        case .refused(let error): return error.message
        case .journal(let health): return "the journal cannot be written (journal \(health.rawValue))"
        }
    }
}

/// The journal, and the one write path every change of money or state takes: journal first,
/// fdatasync, then apply (DESIGN §3.5). Owns the file, whether it is damaged, a write outage and
/// compaction. It reports journal trouble itself, once, where it happens: a damaged journal when
/// it is found, a write outage when it begins and when it ends (a full disk would otherwise log at
/// every meter's checkpoint), a failing compaction once while it fails.
final class JournalGate {
    let path: String
    private let log: Log
    private let file: JournalFile
    private(set) var isDamaged = false
    /// When the journal is next checked for having been deleted or replaced (monotonic ms).
    private var nextCheckMono: Int64 = 0
    /// The failure of the last write, while writes fail.
    private var writeError: JournalError?
    private var writeFailures = 0
    private var compactionFailing = false

    private init(file: JournalFile, log: Log) {
        self.file = file
        self.path = file.path
        self.log = log
    }

    /// Opens and recovers the journal, taking its lock: a second daemon on the same journal stops
    /// here, before it can touch the first one's lines or socket. Damage found in the file is
    /// reported and recorded, not thrown: the file stays open (its lock keeps a second daemon off
    /// it) and nothing is written to it; the caller replays what lies before the damage.
    static func open(path: String, log: Log) throws(DaemonFailure) -> (JournalGate, Recovery) {
        let (file, recovery): (JournalFile, Recovery)
        do { (file, recovery) = try JournalFile.open(path: path) } catch {
            throw DaemonFailure(status: 2, message: error.message)
        }
        let gate = JournalGate(file: file, log: log)
        if let torn = recovery.tornTail { log.warning(torn.message) }
        if let damage = recovery.damage {
            gate.isDamaged = true
            log.error("journal \(path): \(damage.message); the file is left as it is, every relay "
                      + "stays open, and nothing more is journaled until an operator restores or moves it")
        }
        return (gate, recovery)
    }

    /// An event of the file that cannot apply: the journal does not describe a valid state, which
    /// is damage too.
    func replayFailed(_ error: LedgerError) {
        isDamaged = true
        log.error("journal \(path): replay failed: \(error.message); every relay stays open")
    }

    /// The first record of each run (nothing is written to a damaged journal).
    func journalStart(atMs: WallClockMs) throws(DaemonFailure) {
        do { try file.append([.started(atMs: atMs)]) } catch {
            throw DaemonFailure(status: 2, message: error.message)
        }
    }

    /// Journals `events` of `meter` (one append, fdatasync), then applies them to `account`. On a
    /// throw nothing is applied: nothing is acknowledged that is not on disk. The ledger is asked
    /// first, so an overflow is never blamed on the journal.
    func commit(_ events: [AccountEvent], meter: String, to account: inout Account) throws(CommitError) {
        if events.isEmpty { return }
        guard !isDamaged else { throw .journal(.damaged) }
        let next: Account
        do { next = try account.applying(events) } catch { throw .refused(error) }
        do {
            try file.append(events.map { .event(meter: meter, $0) })
        } catch {
            if case .damaged = error { becameDamaged(error) } else { writeFailed(error) }
            throw .journal(health)
        }
        writeSucceeded()
        account = next
    }

    var health: JournalHealth { JournalGate.health(damaged: isDamaged, writeError: writeError) }

    /// What `status` says of the journal: `damaged`, `full` when the last write failed for want of
    /// space (a full disk, a quota, the file size limit: an operator frees space), `failing` for any
    /// other write error, else `ok`.
    static func health(damaged: Bool, writeError: JournalError?) -> JournalHealth {
        if damaged { return .damaged }
        guard let error = writeError else { return .ok }
        if case .system(let failure) = error,
           failure.errno == .ENOSPC || failure.errno == .EDQUOT || failure.errno == .EFBIG { return .full }
        return .failing
    }

    var needsCompaction: Bool { file.needsCompaction() }

    /// Rewrites the journal as one snapshot once it has grown, so size and recovery time stay
    /// bounded however long the daemon runs.
    func compact(_ snapshot: JournalSnapshot) {
        do {
            try file.compact(snapshot: snapshot)
            log.info("journal compacted to \(file.size) bytes")
            compactionFailing = false
        } catch {
            // Tried after every append while due: on a nearly full disk, logged once.
            if !compactionFailing { log.error("journal compaction failed: \(error.message); appending continues") }
            compactionFailing = true
        }
    }

    /// Notices, within `everyMs`, a journal deleted or replaced while the daemon runs (appends check
    /// it too, but a quiet account may not append for an hour): damage, as DESIGN §3.5 says.
    func checkIfDue(nowMono: Int64, everyMs: Int64) {
        guard !isDamaged, nowMono >= nextCheckMono else { return }
        nextCheckMono = nowMono + everyMs
        do { try file.checkWritable() } catch {
            if case .damaged = error { becameDamaged(error) }
        }
    }

    func close() { file.close() }

    /// The journal turned out damaged while running: logged once; nothing more is journaled or
    /// credited, and every relay opens (the plant's next decision), as for damage found at start.
    private func becameDamaged(_ error: JournalError) {
        isDamaged = true
        log.error("\(error.message); every relay opens, and nothing more is journaled or credited until an operator "
                  + "restores the journal and restarts the daemon")
    }

    /// A journal that cannot be written (a full disk, a quota, an I/O error) is not damaged:
    /// nothing is acknowledged meanwhile, and `status` says `journal full` or `journal failing`.
    private func writeFailed(_ error: JournalError) {
        writeFailures += 1
        guard writeError == nil else { writeError = error; return }
        writeError = error
        log.error("journal: \(error.message); nothing is acknowledged until a write succeeds (logged once)")
    }

    private func writeSucceeded() {
        guard writeError != nil else { return }
        log.notice("journal: writes succeed again after \(writeFailures) failed write(s)")
        writeError = nil
        writeFailures = 0
    }
}
