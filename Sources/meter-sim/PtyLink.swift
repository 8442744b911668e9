import OS

/// The simulated bus: a pty whose terminal end is reachable through a symlink. meter-sim keeps
/// the terminal end open itself, so the master never reports a hang-up while no client has the
/// device open (the daemon may close and reopen it), and a client's settings persist.
struct PtyLink {
    let master: FileDescriptor
    let terminal: FileDescriptor
    let terminalPath: String
    let linkPath: String

    init(linkPath: String) throws(SimError) {
        do { (master, terminal, terminalPath) = try Terminal.openPseudoTerminal() } catch { throw .system(error) }
        self.linkPath = linkPath
        try Self.replaceSymlink(at: linkPath, pointingTo: terminalPath)
    }

    /// Points `path` at `target`: a new symlink beside it renamed over it, so a reader never
    /// sees the path missing. An existing file that is not a symlink is left alone.
    private static func replaceSymlink(at path: String, pointingTo target: String) throws(SimError) {
        if let existing = (try? FileSystem.info(path, followLinks: false)) ?? nil, existing.kind != .symbolicLink {
            throw .linkOccupied(path)
        }
        let temporary = path + ".meter-sim-\(CurrentProcess.id)"
        try? FileSystem.remove(temporary)
        do { try FileSystem.symlink(target, at: temporary) } catch { throw .system(error) }
        do { try FileSystem.rename(temporary, to: path) } catch {
            try? FileSystem.remove(temporary)
            throw .system(error)
        }
    }

    /// Removes the link if it still points at this pty (another simulator may have taken it over).
    func removeLink() {
        if FileSystem.linkTarget(linkPath) == terminalPath { try? FileSystem.remove(linkPath) }
    }
}
