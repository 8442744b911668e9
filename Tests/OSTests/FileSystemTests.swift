import CSystem
import Testing
@testable import OS

@Suite struct FileSystemTests {
    @Test(arguments: [FileSystem.Durability.atomic, .contentSynced, .durable])
    func replaceLeavesTheNewContentAndNoTemporaryFile(durability: FileSystem.Durability) throws {
        let dir = TempDir()
        let path = dir.file("state")
        try FileSystem.replace(path, with: Array("old\n".utf8), temporary: path + ".tmp", permissions: 0o600, durability: durability)
        try FileSystem.replace(path, with: Array("new\n".utf8), temporary: path + ".tmp", permissions: 0o600, durability: durability)
        #expect(contents(path) == "new\n")
        #expect(try FileSystem.list(dir.path) == ["state"])
        #expect(try FileSystem.info(path)?.size == 4)
    }

    /// A replacement that fails before its rename leaves the old content and removes its temporary
    /// file; one that cannot even create the temporary file leaves the old content too.
    @Test func aFailedReplaceLeavesTheOldContent() throws {
        let dir = TempDir()
        let path = dir.file("state")
        try FileSystem.replace(path, with: Array("old\n".utf8), temporary: path + ".tmp", permissions: 0o600, durability: .durable)
        // the rename fails: the target is now a non-empty directory's name
        let blocked = dir.file("blocked")
        try FileSystem.makeDirectories(blocked + "/inside", permissions: 0o700, durable: false)
        #expect(throws: SystemError.self) {
            try FileSystem.replace(blocked, with: Array("new\n".utf8), temporary: blocked + ".tmp", permissions: 0o600, durability: .atomic)
        }
        #expect(try FileSystem.exists(blocked + ".tmp") == false)
        // the temporary file cannot be created: a missing directory
        #expect(throws: SystemError("open", dir.file("nowhere/state.tmp"), errno: .ENOENT)) {
            try FileSystem.replace(path, with: Array("new\n".utf8), temporary: dir.file("nowhere/state.tmp"), permissions: 0o600,
                                   durability: .durable)
        }
        #expect(contents(path) == "old\n")
    }

    /// Readers racing a stream of replacements only ever see one whole version.
    @Test func aReaderSeesTheOldOrTheNewContentNeverAMix() throws {
        let dir = TempDir()
        let path = dir.file("line")
        let versions = (0..<200).map { String(repeating: String($0 % 10), count: 3000) }
        try FileSystem.replace(path, with: Array(versions[0].utf8), temporary: path + ".tmp", permissions: 0o644, durability: .atomic)
        for version in versions.dropFirst() {
            try FileSystem.replace(path, with: Array(version.utf8), temporary: path + ".tmp", permissions: 0o644, durability: .atomic)
            let seen = contents(path)
            #expect(seen.count == 3000 && Set(seen).count == 1, "a mix: \(seen.prefix(20))…")
        }
    }

    @Test func makeDirectoriesCreatesEveryMissingLevelWithExactlyItsPermissions() throws {
        let dir = TempDir()
        let deep = dir.file("a/b/c")
        try FileSystem.makeDirectories(deep, permissions: 0o750, durable: true)
        for level in ["a", "a/b", "a/b/c"] {
            var st = stat()
            #expect(stat(dir.file(level), &st) == 0)
            #expect(st.st_mode & 0o7777 == 0o750, "\(level)")
            #expect(try FileSystem.info(dir.file(level))?.kind == .directory)
        }
        // again: nothing to do, no error
        try FileSystem.makeDirectories(deep, permissions: 0o750, durable: false)
        try FileSystem.makeDirectories(deep + "/", permissions: 0o750, durable: false)
        // a file in the way is named
        let file = dir.file("a/file")
        try FileSystem.replace(file, with: [1], temporary: file + ".tmp", permissions: 0o600, durability: .atomic)
        #expect(throws: SystemError("mkdir", file, errno: .ENOTDIR)) {
            try FileSystem.makeDirectories(file, permissions: 0o700, durable: false)
        }
        #expect(throws: SystemError("stat", file + "/below", errno: .ENOTDIR)) {
            try FileSystem.makeDirectories(file + "/below", permissions: 0o700, durable: false)
        }
    }

    @Test func parentDirectoryOfEveryShapeOfPath() {
        #expect(FileSystem.parentDirectory(of: "/var/lib/tanglemeter/journal") == "/var/lib/tanglemeter")
        #expect(FileSystem.parentDirectory(of: "/var/lib/tanglemeter/") == "/var/lib")
        #expect(FileSystem.parentDirectory(of: "/journal") == "/")
        #expect(FileSystem.parentDirectory(of: "journal") == ".")
        #expect(FileSystem.parentDirectory(of: "/") == "/")
    }

    /// The names, without `.` and `..`; in the file system's own order, so compared as a set.
    @Test func listingGivesEveryNameOnce() throws {
        let dir = TempDir()
        #expect(try FileSystem.list(dir.path).isEmpty)
        let names = ["gpiochip10", "gpiochip2", ".hidden", "b", "a"]
        for name in names {
            try FileSystem.replace(dir.file(name), with: [], temporary: dir.file(name) + ".tmp", permissions: 0o600, durability: .atomic)
        }
        try FileSystem.makeDirectories(dir.file("sub"), permissions: 0o700, durable: false)
        let listed = try FileSystem.list(dir.path)
        #expect(listed.count == names.count + 1)
        #expect(Set(listed) == Set(names + ["sub"]))
        #expect(throws: SystemError("opendir", dir.file("none"), errno: .ENOENT)) { try FileSystem.list(dir.file("none")) }
    }

    @Test func infoTellsKindsAndMissingFiles() throws {
        let dir = TempDir()
        #expect(try FileSystem.info(dir.file("none")) == nil)
        #expect(try FileSystem.exists(dir.file("none")) == false)
        #expect(try FileSystem.info(dir.path)?.kind == .directory)
        #expect(try FileSystem.info("/dev/null")?.kind == .characterDevice)
        try FileSystem.symlink("/dev/null", at: dir.file("link"))
        #expect(try FileSystem.info(dir.file("link"), followLinks: false)?.kind == .symbolicLink)
        #expect(try FileSystem.info(dir.file("link"))?.kind == .characterDevice)
        #expect(FileSystem.linkTarget(dir.file("link")) == "/dev/null")
        #expect(FileSystem.linkTarget(dir.path) == nil)
        #expect(mkfifo(dir.file("fifo"), 0o600) == 0)
        #expect(try FileSystem.info(dir.file("fifo"))?.kind == .fifo)
        // removal: twice is fine, and removeIfPresent looks first
        try FileSystem.remove(dir.file("link"))
        try FileSystem.remove(dir.file("link"))
        try FileSystem.removeIfPresent(dir.file("fifo"))
        #expect(try FileSystem.list(dir.path).isEmpty)
    }
}
