// readTextFile is what `reload` runs inside the loop: it must refuse, at once, what could block it.
import Foundation
import Glibc
import Testing
@testable import Daemon
import OS

@Suite struct TextFileTests {
    @Test func aRegularFileIsRead() throws {
        let dir = TempDir()
        try "log = stderr\n".write(toFile: dir.file("a.conf"), atomically: false, encoding: .utf8)
        #expect(try readTextFile(dir.file("a.conf")) == "log = stderr\n")
    }

    /// A FIFO would block open(2) until a writer came: refused without waiting, by name.
    @Test func aFIFOADirectoryAndADeviceAreRefusedAtOnce() throws {
        let dir = TempDir()
        #expect(mkfifo(dir.file("fifo"), 0o600) == 0)
        let started = Clock.monotonicMs()
        #expect(throws: TextFileError.notRegular(path: dir.file("fifo"), kind: "a FIFO")) { try readTextFile(dir.file("fifo")) }
        #expect(Clock.monotonicMs() - started < 1_000)
        #expect(throws: TextFileError.notRegular(path: dir.path, kind: "a directory")) { try readTextFile(dir.path) }
        #expect(throws: TextFileError.notRegular(path: "/dev/null", kind: "a device")) { try readTextFile("/dev/null") }
        do { _ = try readTextFile(dir.path) } catch {
            #expect(error.message == "\(dir.path): is a directory, not a regular file")
        }
    }

    @Test func aFileAboveOneMebibyteIsRefusedBeforeItIsRead() throws {
        let dir = TempDir()
        let fd = open(dir.file("big"), O_CREAT | O_WRONLY, 0o600)
        #expect(ftruncate(fd, 2 << 20) == 0)   // sparse: nothing to read, only its size
        close(fd)
        #expect(throws: TextFileError.tooLarge(path: dir.file("big"))) { try readTextFile(dir.file("big")) }
    }

    @Test func aMissingFileNamesThePathAndTheCause() {
        do { _ = try readTextFile("/nonexistent/tm.conf") } catch {
            #expect(error.message == "open /nonexistent/tm.conf: No such file or directory (ENOENT)")
        }
    }
}
