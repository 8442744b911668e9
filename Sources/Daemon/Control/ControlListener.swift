import CSystem

/// The listening socket file: bound with the configured mode and group, a dead daemon's stale
/// file replaced, a live daemon's left alone, and removed at shutdown only if it is still ours.
struct ControlListener {
    let fd: FileDescriptor
    let path: String
    /// Identity of the file we bound, so shutdown never unlinks a successor's socket.
    let identity: FileIdentity?

    /// Binds and listens at `path`, chmod `mode`, chgrp `group` when given.
    static func open(path: String, mode: UInt32, group: UInt32?, backlog: Int32) throws(ControlSocketError) -> ControlListener {
        let fd: FileDescriptor
        do { fd = try UnixSocket.makeStream(path) } catch { throw .system(error) }
        do throws(ControlSocketError) {
            try bindReplacingStale(fd, path: path)
            // chmod after bind: bind itself honours only the umask, which is process-wide.
            if chmod(path, mode_t(mode & 0o7777)) != 0 { throw ControlSocketError.system(SystemError("chmod", path)) }
            if let gid = group, chown(path, uid_t.max, gid) != 0 {
                throw ControlSocketError.system(SystemError("chown", path))
            }
            do { try UnixSocket.listen(fd, backlog: backlog, path: path) } catch { throw ControlSocketError.system(error) }
        } catch {
            fd.close()
            throw error
        }
        return ControlListener(fd: fd, path: path, identity: UnixSocket.fileIdentity(path: path))
    }

    /// bind(2); on EADDRINUSE a socket nobody listens on is unlinked and bound again.
    private static func bindReplacingStale(_ fd: FileDescriptor, path: String) throws(ControlSocketError) {
        // The socket is owner-only until chmod sets the configured mode: no window where
        // a wider umask lets others connect first.
        let oldMask = umask(0o177)
        defer { umask(oldMask) }
        for _ in 0..<2 {
            do {
                try UnixSocket.bind(fd, path: path)
                return
            } catch {
                guard error.errno == EADDRINUSE else { throw .system(error) }
            }
            guard let existing = UnixSocket.fileIdentity(path: path) else { continue }  // vanished: retry
            guard existing.isSocket else { throw .notASocket(path: path) }
            let probe: UnixSocket.Probe
            do { probe = try UnixSocket.probe(path: path) } catch { throw .system(error) }
            switch probe {
            case .live: throw .inUse(path: path)
            case .missing: continue
            case .stale:
                if unlink(path) != 0 && tm_errno() != ENOENT { throw .system(SystemError("unlink", path)) }
            }
        }
        throw .inUse(path: path)
    }

    /// Closes the listener and removes the socket file if it is still the one we bound.
    func close() {
        fd.close()
        if let mine = identity, let now = UnixSocket.fileIdentity(path: path), now == mine {
            _ = unlink(path)
        }
    }
}
