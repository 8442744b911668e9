import OS

/// Everything the journal can refuse or fail at, rendered to text once by `message`.
/// OS failures carry the operation, the path and errno, so a full disk or a read-only mount is
/// reported as such (`fdatasync /var/lib/tanglemeter/journal: No space left on device (ENOSPC)`).
public enum JournalError: Error, Equatable, Sendable {
    /// A system call failed.
    case system(SystemError)
    /// A record that cannot be written because it could not be read back (a field over its bound).
    case invalidRecord(reason: String)
    /// Bytes that do not decode as a record (only ever seen inside a file whose checksum held:
    /// a writer bug, or corruption that happened to keep the checksum).
    case malformed(offset: Int, reason: String)
    /// The file or a record was written by a newer tanglemeter (unknown format version or tag).
    case unsupported(path: String, offset: Int, what: String)
    /// The file is damaged (see `JournalDamage`); nothing may be appended to it.
    case damaged(path: String, offset: Int, reason: String)
    /// An earlier failure left the file in a state this process cannot vouch for: reopen it.
    case unusable(path: String, reason: String)
    /// Another process holds the journal's lock (`holder`: `pid N`, as its lock file says).
    case locked(path: String, holder: String)

    public var message: String {
        switch self {
        case .system(let error):
            return error.message
        case .invalidRecord(let reason):
            return "record not written: \(reason)"
        case .malformed(let offset, let reason):
            return "malformed record at byte \(offset): \(reason)"
        case .unsupported(let path, let offset, let what):
            return "\(path): \(what) at byte \(offset) was written by a newer tanglemeter"
        case .damaged(let path, let offset, let reason):
            return "journal \(path) is damaged at byte \(offset): \(reason)"
        case .unusable(let path, let reason):
            return "journal \(path) must be reopened: \(reason)"
        case .locked(let path, let holder):
            return "journal \(path) is in use by \(holder) (it holds \(path).lock): one daemon per journal"
        }
    }
}
