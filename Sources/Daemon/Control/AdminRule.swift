import OS

/// The admin rule of DESIGN §3.3: uid 0 always; otherwise the peer's primary or a supplementary
/// group must be `socket.admin_group`. No group configured: root only.
public struct AdminRule: Equatable, Sendable {
    /// gid of `socket.admin_group`, resolved once at start.
    public var adminGroup: UInt32?

    public init(adminGroup: UInt32?) { self.adminGroup = adminGroup }

    /// Resolves a group name (or a decimal gid) from the configuration.
    public static func resolve(groupName: String) -> UInt32? {
        if let gid = UserDatabase.groupID(named: groupName) { return gid }
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
