import OS

/// One daemon per journal (DESIGN §3.5): an exclusive `flock(2)` on `PATH.lock`, a file beside the
/// journal, held for as long as the journal is open.
///
/// - Beside, not on, the journal: the journal is replaced at every compaction (a new inode), and
///   `open` removes a stale `PATH.tmp` — both must happen only under the lock, so the lock is taken
///   first, on a file that is never replaced.
/// - `flock`, not classic `fcntl(F_SETLK)`: a POSIX record lock belongs to the process and is
///   dropped when the process closes *any* descriptor of the file, and is not inherited across
///   `fork`; a `flock` (like an OFD lock) belongs to the open file description, so it lasts exactly
///   as long as this descriptor, whatever else the process opens or closes. It needs no
///   `_GNU_SOURCE` (which `F_OFD_SETLK` does, and CSystem must not define).
/// - The holder's pid: neither `flock` nor OFD locks report one (`F_OFD_GETLK` gives pid −1), so the
///   holder writes its pid into the lock file, and a refused daemon names it from there.
struct JournalLock {
    let fd: FileDescriptor

    static func path(of journalPath: String) -> String { journalPath + ".lock" }

    /// Takes the lock or throws `.locked` naming the holder.
    static func acquire(journalPath: String) throws(JournalError) -> JournalLock {
        let path = path(of: journalPath)
        let fd = try os { () throws(SystemError) in try FileDescriptor.open(path, .readWrite, .create) }
        let taken: Bool
        do { taken = try fd.lockExclusively(path) } catch {
            fd.close()
            throw .system(error)
        }
        if !taken {
            let holder = holderText(fd, path)
            fd.close()
            throw .locked(path: journalPath, holder: holder)
        }
        // Informational (the lock itself is the kernel's): no sync, and a failure costs only the pid
        // in a second daemon's message.
        let pid = Array("\(CurrentProcess.id)\n".utf8)
        _ = try? fd.truncate(to: 0, path)
        _ = try? fd.writeAll(pid, at: 0, path)
        return JournalLock(fd: fd)
    }

    func release() { fd.close() }   // closing the last descriptor drops the flock

    /// `pid N` from the lock file, or a description of what is there instead.
    private static func holderText(_ fd: FileDescriptor, _ path: String) -> String {
        let bytes = (try? fd.read(upTo: 16, at: 0, path)) ?? []
        let digits = bytes.prefix(while: { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        guard !digits.isEmpty, digits.count <= 10 else { return "another process (no pid in its lock file)" }
        return "pid " + String(decoding: digits, as: UTF8.self)
    }
}
