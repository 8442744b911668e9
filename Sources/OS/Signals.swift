import CSystem

/// A signal delivered as data, already mapped to its meaning.
public enum Signal: Equatable, Sendable {
    /// SIGTERM: finish the transaction in flight, journal, release lines, exit 0.
    case terminate
    /// SIGINT: the same, from a terminal.
    case interrupt
    /// SIGHUP: `reload`.
    case reload

}

/// SIGTERM, SIGINT and (with `reload`) SIGHUP delivered as data through a non-blocking signalfd
/// that joins the poll set, so no handler ever runs in the middle of the loop's work. SIGPIPE is ignored: a write to a
/// closed socket returns EPIPE instead of killing the process. SIGXFSZ too: a write past
/// RLIMIT_FSIZE returns EFBIG, which the journal reports as a refused write.
///
/// The mask is per thread; the daemon has one thread, so blocking here blocks for the process.
/// Children started later inherit the mask and must unblock what they need.
public final class SignalSource {
    public let fd: FileDescriptor
    private var mask = sigset_t()

    /// `reload: false` leaves SIGHUP its default action (meter-sim: a hang-up ends it).
    public init(reload: Bool = true) throws(SystemError) {
        if tm_ignore_sigpipe() != 0 { throw SystemError("signal(SIGPIPE)") }
        if tm_ignore_sigxfsz() != 0 { throw SystemError("signal(SIGXFSZ)") }
        sigemptyset(&mask)
        sigaddset(&mask, SIGTERM)
        sigaddset(&mask, SIGINT)
        if reload { sigaddset(&mask, SIGHUP) }
        // Blocked first, so a signal arriving before the fd exists waits for it instead of
        // killing the process by its default action.
        if tm_block_signals(&mask) != 0 { throw SystemError("sigprocmask") }
        let raw = signalfd(-1, &mask, Int32(SFD_NONBLOCK | SFD_CLOEXEC))
        if raw < 0 {
            let code = Errno.current
            _ = tm_unblock_signals(&mask)
            throw SystemError("signalfd", "", errno: code)
        }
        fd = FileDescriptor(rawValue: raw)
    }

    /// Every signal queued now, oldest first (standard signals do not queue twice: two SIGHUPs
    /// before a read are one reload, which is what a reload wants anyway).
    public func readPending() throws(SystemError) -> [Signal] {
        var signals: [Signal] = []
        let size = MemoryLayout<signalfd_siginfo>.size
        while true {
            // nil: nothing more queued (the fd is non-blocking). The kernel hands out whole records.
            guard let record = try fd.read(upTo: size), record.count == size else { return signals }
            let info = record.withUnsafeBytes { $0.loadUnaligned(as: signalfd_siginfo.self) }
            switch Int32(bitPattern: info.ssi_signo) {
            case SIGTERM: signals.append(.terminate)
            case SIGINT: signals.append(.interrupt)
            case SIGHUP: signals.append(.reload)
            default: break
            }
        }
    }

    /// Closes the fd and unblocks the signals again (default actions resume).
    public func close() {
        fd.close()
        _ = tm_unblock_signals(&mask)
    }
}
