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
    public static var EPERM: Errno { Errno(rawValue: CSystem.EPERM) }
    public static var ENOENT: Errno { Errno(rawValue: CSystem.ENOENT) }
    public static var EINTR: Errno { Errno(rawValue: CSystem.EINTR) }
    public static var EIO: Errno { Errno(rawValue: CSystem.EIO) }
    public static var ENXIO: Errno { Errno(rawValue: CSystem.ENXIO) }
    public static var EBADF: Errno { Errno(rawValue: CSystem.EBADF) }
    public static var EAGAIN: Errno { Errno(rawValue: CSystem.EAGAIN) }
    public static var ENOMEM: Errno { Errno(rawValue: CSystem.ENOMEM) }
    public static var EACCES: Errno { Errno(rawValue: CSystem.EACCES) }
    public static var EBUSY: Errno { Errno(rawValue: CSystem.EBUSY) }
    public static var EEXIST: Errno { Errno(rawValue: CSystem.EEXIST) }
    public static var ENODEV: Errno { Errno(rawValue: CSystem.ENODEV) }
    public static var ENOTDIR: Errno { Errno(rawValue: CSystem.ENOTDIR) }
    public static var EISDIR: Errno { Errno(rawValue: CSystem.EISDIR) }
    public static var EINVAL: Errno { Errno(rawValue: CSystem.EINVAL) }
    public static var ENFILE: Errno { Errno(rawValue: CSystem.ENFILE) }
    public static var EMFILE: Errno { Errno(rawValue: CSystem.EMFILE) }
    public static var ENOTTY: Errno { Errno(rawValue: CSystem.ENOTTY) }
    public static var EFBIG: Errno { Errno(rawValue: CSystem.EFBIG) }
    public static var ENOSPC: Errno { Errno(rawValue: CSystem.ENOSPC) }
    public static var EROFS: Errno { Errno(rawValue: CSystem.EROFS) }
    public static var EPIPE: Errno { Errno(rawValue: CSystem.EPIPE) }
    public static var ENAMETOOLONG: Errno { Errno(rawValue: CSystem.ENAMETOOLONG) }
    public static var ENOBUFS: Errno { Errno(rawValue: CSystem.ENOBUFS) }
    public static var EADDRINUSE: Errno { Errno(rawValue: CSystem.EADDRINUSE) }
    public static var ECONNRESET: Errno { Errno(rawValue: CSystem.ECONNRESET) }
    public static var ECONNREFUSED: Errno { Errno(rawValue: CSystem.ECONNREFUSED) }
    public static var EDQUOT: Errno { Errno(rawValue: CSystem.EDQUOT) }
}
