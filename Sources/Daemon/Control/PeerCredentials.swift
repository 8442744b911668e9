import CSystem

/// Who is on the other end of a control connection, as the kernel saw it at connect (SO_PEERCRED).
public struct PeerCredentials: Equatable, Sendable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups of the peer process (SO_PEERGROUPS), or of its user from the group
    /// database when the kernel cannot say; nil if neither could be read.
    public var groups: [UInt32]?

    /// Reads the credentials of a connected Unix socket.
    public static func of(_ fd: FileDescriptor) throws(SystemError) -> PeerCredentials {
        var pid: Int32 = 0, uid: UInt32 = 0, gid: UInt32 = 0
        if tm_peer_credentials(fd.rawValue, &pid, &uid, &gid) != 0 {
            throw SystemError("getsockopt(SO_PEERCRED)", "fd \(fd.rawValue)")
        }
        return PeerCredentials(pid: pid, uid: uid, gid: gid, groups: nil)
    }

    /// The peer's supplementary groups: the process's own set from the kernel (what a `setpriv`
    /// or `sg` gave it), falling back to the user's memberships in the group database.
    public static func supplementaryGroups(of fd: FileDescriptor, uid: UInt32, gid: UInt32) -> [UInt32]? {
        var buffer = [UInt32](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBufferPointer { tm_peer_groups(fd.rawValue, $0.baseAddress, Int32($0.count)) }
        if n >= 0 && Int(n) <= buffer.count { return Array(buffer[0..<Int(n)]) }
        return groupsOfUser(uid: uid, gid: gid)
    }

    /// getpwuid + getgrouplist: what the group database says the user belongs to.
    static func groupsOfUser(uid: UInt32, gid: UInt32) -> [UInt32]? {
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
}

/// The admin rule of DESIGN §3.3: uid 0 always; otherwise the peer's primary or a supplementary
/// group must be `socket.admin_group`. No group configured: root only.
public struct AdminRule: Equatable, Sendable {
    /// gid of `socket.admin_group`, resolved once at start.
    public var adminGroup: UInt32?

    public init(adminGroup: UInt32?) { self.adminGroup = adminGroup }

    /// Resolves a group name (or a decimal gid) from the configuration.
    public static func resolve(groupName: String) -> UInt32? {
        if let gr = getgrnam(groupName) { return gr.pointee.gr_gid }
        if let gid = UInt32(groupName) { return gid }
        return nil
    }

    /// Decides for a connected peer; reads its supplementary groups only when that can matter.
    public func isAdmin(_ peer: inout PeerCredentials, fd: FileDescriptor) -> Bool {
        if peer.uid == 0 { return true }
        guard let admin = adminGroup else { return false }
        if peer.gid == admin { return true }
        if peer.groups == nil {
            peer.groups = PeerCredentials.supplementaryGroups(of: fd, uid: peer.uid, gid: peer.gid)
        }
        return peer.groups?.contains(admin) ?? false
    }
}
