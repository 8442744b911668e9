import OS
import Control
import Journal

/// A journal that cannot be written (a full disk, a quota, an I/O error) is not damaged: nothing
/// is acknowledged meanwhile, and `status` says `journal full` or `journal failing`. Each meter's
/// checkpoint would fail every `journal.checkpoint`: the outage is logged once when it begins and
/// once when a write succeeds again, not at every failed write.
extension Daemon {
    func noteJournalWriteFailed(_ error: JournalError) {
        journalWriteFailures += 1
        guard journalWriteError == nil else { journalWriteError = error; return }
        journalWriteError = error
        log.error("journal: \(error.message); nothing is acknowledged until a write succeeds (logged once)")
    }

    func noteJournalWriteSucceeded() {
        guard journalWriteError != nil else { return }
        log.notice("journal: writes succeed again after \(journalWriteFailures) failed write(s)")
        journalWriteError = nil
        journalWriteFailures = 0
    }

    var journalHealth: JournalHealth {
        if journalDamaged { return .damaged }
        guard let error = journalWriteError else { return .ok }
        if case .system(let failure) = error,
           failure.errno == .ENOSPC || failure.errno == .EDQUOT || failure.errno == .EFBIG { return .full }
        return .failing
    }
}
