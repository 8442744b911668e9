import CSystem

/// errno as a value: the code a failed system call left, named (`ENOENT`) and explained
/// (strerror) in messages. Made where the call fails, carried inward inside `SystemError`.
public struct Errno: Equatable, Hashable, Sendable {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// What the calling thread's errno says now: read it right after the call that failed.
    public static var current: Errno { Errno(rawValue: tm_errno()) }

    /// The C name, `ENOENT`; `errno N` for a code the C library cannot name.
    public var name: String {
        guard let name = strerrorname_np(rawValue) else { return "errno \(rawValue)" }
        return String(cString: name)
    }

    /// strerror(3): `No such file or directory`.
    public var text: String {
        guard let text = strerror(rawValue) else { return "error \(rawValue)" }
        return String(cString: text)
    }

    /// `No such file or directory (ENOENT)`: how every message shows an errno.
    public var description: String { "\(text) (\(name))" }

    // The codes the shell and the journal tell apart; any other is carried and shown the same way.
    public static let EPERM = Errno(rawValue: CSystem.EPERM)
    public static let ENOENT = Errno(rawValue: CSystem.ENOENT)
    public static let EINTR = Errno(rawValue: CSystem.EINTR)
    public static let EIO = Errno(rawValue: CSystem.EIO)
    public static let ENXIO = Errno(rawValue: CSystem.ENXIO)
    public static let EBADF = Errno(rawValue: CSystem.EBADF)
    public static let EAGAIN = Errno(rawValue: CSystem.EAGAIN)
    public static let ENOMEM = Errno(rawValue: CSystem.ENOMEM)
    public static let EACCES = Errno(rawValue: CSystem.EACCES)
    public static let EBUSY = Errno(rawValue: CSystem.EBUSY)
    public static let EEXIST = Errno(rawValue: CSystem.EEXIST)
    public static let ENODEV = Errno(rawValue: CSystem.ENODEV)
    public static let ENOTDIR = Errno(rawValue: CSystem.ENOTDIR)
    public static let EISDIR = Errno(rawValue: CSystem.EISDIR)
    public static let EINVAL = Errno(rawValue: CSystem.EINVAL)
    public static let ENFILE = Errno(rawValue: CSystem.ENFILE)
    public static let EMFILE = Errno(rawValue: CSystem.EMFILE)
    public static let ENOTTY = Errno(rawValue: CSystem.ENOTTY)
    public static let EFBIG = Errno(rawValue: CSystem.EFBIG)
    public static let ENOSPC = Errno(rawValue: CSystem.ENOSPC)
    public static let EROFS = Errno(rawValue: CSystem.EROFS)
    public static let EPIPE = Errno(rawValue: CSystem.EPIPE)
    public static let ENAMETOOLONG = Errno(rawValue: CSystem.ENAMETOOLONG)
    public static let ENOBUFS = Errno(rawValue: CSystem.ENOBUFS)
    public static let EADDRINUSE = Errno(rawValue: CSystem.EADDRINUSE)
    public static let ECONNRESET = Errno(rawValue: CSystem.ECONNRESET)
    public static let ECONNREFUSED = Errno(rawValue: CSystem.ECONNREFUSED)
    public static let EDQUOT = Errno(rawValue: CSystem.EDQUOT)
}
