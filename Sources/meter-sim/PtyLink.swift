import CSystem

/// The simulated bus: a pty whose terminal end is reachable through a symlink. meter-sim keeps
/// the terminal end open itself, so the master never reports a hang-up while no client has the
/// device open (the daemon may close and reopen it), and a client's settings persist.
struct PtyLink {
    let master: Int32
    let terminal: Int32
    let terminalPath: String
    let linkPath: String

    init(linkPath: String) throws(SimError) {
        var master: Int32 = -1
        var terminal: Int32 = -1
        guard openpty(&master, &terminal, nil, nil, nil) == 0 else { throw .system(call: "openpty", errno: tm_errno()) }
        // Raw: no echo, no CR/LF translation, no signals from bytes like 0x03 — it is a binary line.
        var settings = termios()
        if tcgetattr(terminal, &settings) == 0 {
            cfmakeraw(&settings)
            _ = tcsetattr(terminal, TCSANOW, &settings)
        }
        _ = tm_fcntl_setfl(master, tm_fcntl_getfl(master) | O_NONBLOCK)
        _ = tm_fcntl_setfd_cloexec(master)
        _ = tm_fcntl_setfd_cloexec(terminal)
        guard let name = ttyname(terminal) else { throw .system(call: "ttyname", errno: tm_errno()) }
        self.master = master
        self.terminal = terminal
        self.terminalPath = String(cString: name)
        self.linkPath = linkPath
        try Self.replaceSymlink(at: linkPath, pointingTo: terminalPath)
    }

    /// Points `path` at `target`: a new symlink beside it renamed over it, so a reader never
    /// sees the path missing. An existing file that is not a symlink is left alone.
    private static func replaceSymlink(at path: String, pointingTo target: String) throws(SimError) {
        var info = stat()
        if lstat(path, &info) == 0 && Int32(bitPattern: info.st_mode & UInt32(bitPattern: S_IFMT)) != S_IFLNK { throw .linkOccupied(path) }
        let temporary = path + ".meter-sim-\(getpid())"
        _ = unlink(temporary)
        guard symlink(target, temporary) == 0 else { throw .system(call: "symlink \(temporary)", errno: tm_errno()) }
        guard rename(temporary, path) == 0 else {
            let error = tm_errno()
            _ = unlink(temporary)
            throw .system(call: "rename to \(path)", errno: error)
        }
    }

    /// Removes the link if it still points at this pty (another simulator may have taken it over).
    func removeLink() {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink(linkPath, &buffer, buffer.count - 1)
        guard count > 0 else { return }
        let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if target == terminalPath { _ = unlink(linkPath) }
    }
}
