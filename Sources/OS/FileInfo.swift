import CSystem

/// What stat(2) says about a file that the daemon decides on: its kind, size, links and identity.
public struct FileInfo: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case regular, directory, fifo, characterDevice, blockDevice, socket, symbolicLink, other
    }

    public var kind: Kind
    public var size: Int
    /// Names the file has; 0 once it is deleted while open.
    public var linkCount: Int
    public var device: UInt64
    public var inode: UInt64

    init(_ st: stat) {
        switch Int32(bitPattern: st.st_mode & UInt32(bitPattern: S_IFMT)) {
        case S_IFREG: kind = .regular
        case S_IFDIR: kind = .directory
        case S_IFIFO: kind = .fifo
        case S_IFCHR: kind = .characterDevice
        case S_IFBLK: kind = .blockDevice
        case S_IFSOCK: kind = .socket
        case S_IFLNK: kind = .symbolicLink
        default: kind = .other
        }
        size = Int(st.st_size)
        linkCount = Int(st.st_nlink)
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }

    /// The same file (device and inode), whatever its size or names now.
    public func isSameFile(as other: FileInfo) -> Bool { device == other.device && inode == other.inode }
}
