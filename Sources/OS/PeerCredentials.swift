import CSystem

/// Who is on the other end of a Unix socket connection, as the kernel saw it at connect (SO_PEERCRED).
public struct PeerCredentials: Equatable, Sendable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups of the peer process (SO_PEERGROUPS), or of its user from the group
    /// database when the kernel cannot say; nil if neither could be read.
    public var groups: [UInt32]?

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32]?) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// Reads the credentials of a connected Unix socket.
    public static func of(_ fd: FileDescriptor) throws(SystemError) -> PeerCredentials {
        var pid: Int32 = 0, uid: UInt32 = 0, gid: UInt32 = 0
        if tm_peer_credentials(fd.rawValue, &pid, &uid, &gid) != 0 {
            throw SystemError("getsockopt(SO_PEERCRED)", "fd \(fd.rawValue)", errno: .current)
        }
        return PeerCredentials(pid: pid, uid: uid, gid: gid, groups: nil)
    }

    /// The peer's supplementary groups: the process's own set from the kernel (what a `setpriv`
    /// or `sg` gave it), falling back to the user's memberships in the group database.
    public static func supplementaryGroups(of fd: FileDescriptor, uid: UInt32, gid: UInt32) -> [UInt32]? {
        var buffer = [UInt32](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBufferPointer { tm_peer_groups(fd.rawValue, $0.baseAddress, Int32($0.count)) }
        if n >= 0 && Int(n) <= buffer.count { return Array(buffer[0..<Int(n)]) }
        return UserDatabase.groups(ofUser: uid, primaryGroup: gid)
    }
}

/// The passwd and group databases (getpwuid, getgrouplist, getgrnam).
public enum UserDatabase {
    /// What the group database says user `uid` belongs to, with `primaryGroup` included.
    public static func groups(ofUser uid: UInt32, primaryGroup gid: UInt32) -> [UInt32]? {
        guard let pw = getpwuid(uid), let name = pw.pointee.pw_name else { return nil }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        var r = getgrouplist(name, gid, &groups, &count)
        if r < 0 && count > 64 && count <= 65536 {
            groups = [gid_t](repeating: 0, count: Int(count))
            r = getgrouplist(name, gid, &groups, &count)
        }
        guard r >= 0, count >= 0, Int(count) <= groups.count else { return nil }
        return Array(groups[0..<Int(count)])
    }

    /// The gid of the group called `name`, nil if there is none.
    public static func groupID(named name: String) -> UInt32? {
        getgrnam(name).map { $0.pointee.gr_gid }
    }
}
