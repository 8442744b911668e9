import CSystem
@testable import OS

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it when the test ends.
final class TempDir {
    let path: String

    init() {
        var template = Array("/tmp/os-tests.XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { TempDir.removeTree(path) }

    static func removeTree(_ path: String) {
        if let info = try? FileSystem.info(path, followLinks: false), info.kind == .directory {
            for name in (try? FileSystem.list(path)) ?? [] { removeTree(path + "/" + name) }
            _ = rmdir(path)
        } else {
            try? FileSystem.remove(path)
        }
    }
}

/// A pipe's two ends, each closed once: by `closeReadEnd`/`closeWriteEnd` or at deinit (tests run
/// in parallel: closing a number twice would close another test's descriptor).
final class Pipe {
    let readEnd: FileDescriptor
    let writeEnd: FileDescriptor
    private var readOpen = true, writeOpen = true

    func closeReadEnd() { if readOpen { readEnd.close(); readOpen = false } }
    func closeWriteEnd() { if writeOpen { writeEnd.close(); writeOpen = false } }

    init() {
        var fds: [Int32] = [-1, -1]
        precondition(pipe(&fds) == 0)
        readEnd = FileDescriptor(rawValue: fds[0])
        writeEnd = FileDescriptor(rawValue: fds[1])
    }

    deinit {
        closeReadEnd()
        closeWriteEnd()
    }
}

/// The whole content of `path` as text (empty when unreadable).
func contents(_ path: String) -> String {
    (try? readTextFile(path)) ?? ""
}
