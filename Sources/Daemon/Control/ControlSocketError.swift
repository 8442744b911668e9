import OS

/// Why the control socket could not be set up, or a query to it failed. Each case renders its own
/// message naming the socket path, once, where it is logged or printed.
public enum ControlSocketError: Error, Equatable, Sendable {
    /// A live daemon accepts connections at the path: the daemon exits 2 (DESIGN §3.1).
    case inUse(path: String)
    /// Something that is not a socket sits at the path; we never delete it.
    case notASocket(path: String)
    /// `socket.admin_group` names no group.
    case noSuchGroup(name: String)
    /// No socket file at the path (query client).
    case noDaemon(path: String)
    /// A socket file without a listener (query client).
    case refused(path: String)
    case timedOut(path: String, ms: Int)
    /// The daemon closed the connection before a final `OK`/`ERR` line.
    case incompleteReply(path: String)
    case replyTooLarge(path: String, limit: Int)
    case system(SystemError)

    public var message: String {
        switch self {
        case .inUse(let path):
            return "\(path): another tanglemeter is running (its socket accepts connections)"
        case .notASocket(let path):
            return "\(path): exists and is not a socket; refusing to replace it"
        case .noSuchGroup(let name):
            return "socket.admin_group: no group named '\(name)'"
        case .noDaemon(let path):
            return "\(path): no such socket (is tanglemeter running?)"
        case .refused(let path):
            return "\(path): connection refused (stale socket, tanglemeter is not running)"
        case .timedOut(let path, let ms):
            return "\(path): no complete reply within \(ms) ms"
        case .incompleteReply(let path):
            return "\(path): the daemon closed the connection before the final OK/ERR line"
        case .replyTooLarge(let path, let limit):
            return "\(path): reply longer than \(limit) bytes"
        case .system(let error):
            return error.message
        }
    }
}
