import OS

/// The listening socket file: bound with the configured mode and group, a dead daemon's stale
/// file replaced, a live daemon's left alone, and removed at shutdown only if it is still ours.
struct ControlListener {
    let fd: FileDescriptor
    let path: String
    /// Identity of the file we bound, so shutdown never unlinks a successor's socket.
    let identity: FileInfo?

    /// Binds and listens at `path`, chmod `mode`, chgrp `group` when given.
    static func open(path: String, mode: UInt32, group: UInt32?, backlog: Int32) throws(ControlSocketError) -> ControlListener {
        let fd: FileDescriptor
        do { fd = try UnixSocket.makeStream(path) } catch { throw .system(error) }
        do throws(ControlSocketError) {
            try bindReplacingStale(fd, path: path)
            // chmod after bind: bind itself honours only the umask, which is process-wide.
            do throws(SystemError) {
                try FileSystem.setPermissions(path, mode)
                if let gid = group { try FileSystem.setGroup(path, gid) }
                try UnixSocket.listen(fd, backlog: backlog, path: path)
            } catch {
                throw ControlSocketError.system(error)
            }
        } catch {
            fd.close()
            throw error
        }
        return ControlListener(fd: fd, path: path, identity: socketFile(path))
    }

    /// bind(2); on EADDRINUSE a socket nobody listens on is unlinked and bound again.
    private static func bindReplacingStale(_ fd: FileDescriptor, path: String) throws(ControlSocketError) {
        // The socket is owner-only until chmod sets the configured mode: no window where
        // a wider umask lets others connect first.
        try FileSystem.withUmask(0o177) { () throws(ControlSocketError) in
            for _ in 0..<2 {
                do throws(SystemError) {
                    try UnixSocket.bind(fd, path: path)
                    return
                } catch {
                    guard error.errno == .EADDRINUSE else { throw .system(error) }
                }
                guard let existing = socketFile(path) else { continue }  // vanished: retry
                guard existing.kind == .socket else { throw .notASocket(path: path) }
                let probe: UnixSocket.Probe
                do throws(SystemError) { probe = try UnixSocket.probe(path: path) } catch { throw .system(error) }
                switch probe {
                case .live: throw .inUse(path: path)
                case .missing: continue
                case .stale:
                    do throws(SystemError) { try FileSystem.remove(path) } catch { throw .system(error) }
                }
            }
            throw .inUse(path: path)
        }
    }

    /// The socket file at `path` as it is now (lstat), nil if none can be seen.
    private static func socketFile(_ path: String) -> FileInfo? {
        (try? FileSystem.info(path, followLinks: false)) ?? nil
    }

    /// Closes the listener and removes the socket file if it is still the one we bound.
    func close() {
        fd.close()
        if let mine = identity, let now = ControlListener.socketFile(path), now.isSameFile(as: mine), now.kind == mine.kind {
            try? FileSystem.remove(path)
        }
    }
}
