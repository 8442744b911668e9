import Foundation
import Glibc
import Testing
import Config
@testable import Daemon
@testable import OS

@Suite struct SimGPIOTests {
    func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

    func inode(_ path: String) -> UInt64 {
        var st = stat()
        return stat(path, &st) == 0 ? UInt64(st.st_ino) : 0
    }

    @Test func claimCreatesTheDirectoryAndWritesInactiveLevels() throws {
        let dir = TempDir()
        let sim = SimGPIO(directory: dir.file("a/b/gpio"))
        try sim.claim(lines: [GPIOLine(offset: 17, activeLow: false), GPIOLine(offset: 27, activeLow: true)])
        #expect(read(dir.file("a/b/gpio/17")) == "0\n")
        #expect(read(dir.file("a/b/gpio/27")) == "1\n")  // active-low: inactive is high
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.file("a/b/gpio")).sorted() == ["17", "27"])
    }

    @Test func setWritesThePhysicalLevel() throws {
        let dir = TempDir()
        let sim = SimGPIO(directory: dir.path)
        try sim.claim(lines: [GPIOLine(offset: 5, activeLow: false), GPIOLine(offset: 6, activeLow: true)])
        try sim.set(line: 5, active: true)
        try sim.set(line: 6, active: true)
        #expect(read(dir.file("5")) == "1\n")
        #expect(read(dir.file("6")) == "0\n")
        sim.release()  // drives both inactive
        #expect(read(dir.file("5")) == "0\n")
        #expect(read(dir.file("6")) == "1\n")
        #expect(throws: GPIOError.notClaimed(line: 5)) { try sim.set(line: 5, active: true) }
    }

    @Test func changesReplaceTheFileAndUnchangedLevelsAreNotRewritten() throws {
        let dir = TempDir()
        let sim = SimGPIO(directory: dir.path)
        try sim.claim(lines: [GPIOLine(offset: 4, activeLow: false)])
        let first = inode(dir.file("4"))
        try sim.set(line: 4, active: false)
        #expect(inode(dir.file("4")) == first)  // same level: untouched
        try sim.set(line: 4, active: true)
        #expect(inode(dir.file("4")) != first)  // a new file renamed over the old one
    }

    /// A reader polling the file while the level toggles never sees anything but a whole level.
    @Test func readersNeverSeeAPartialFile() throws {
        let dir = TempDir()
        let sim = SimGPIO(directory: dir.path)
        try sim.claim(lines: [GPIOLine(offset: 9, activeLow: false)])
        let path = dir.file("9")
        let stop = ResultBox<Bool>()
        let seen = ResultBox<[String: Int]>()
        let reader = Thread {
            var counts: [String: Int] = [:]
            while stop.get() == nil {
                let fd = open(path, O_RDONLY)
                var buf = [UInt8](repeating: 0, count: 8)
                let n = fd < 0 ? -1 : Glibc.read(fd, &buf, 8)
                if fd >= 0 { close(fd) }
                counts[n < 0 ? "missing" : String(decoding: buf[0..<n], as: UTF8.self), default: 0] += 1
            }
            seen.set(counts)
        }
        reader.start()
        for i in 0..<3000 { try sim.set(line: 9, active: i % 2 == 0) }
        stop.set(true)
        while seen.get() == nil { usleep(1000) }
        let counts = seen.get()!
        #expect(Set(counts.keys).isSubset(of: ["0\n", "1\n"]), "reader saw \(counts)")
        #expect(counts.values.reduce(0, +) > 0)
    }
}

@Suite struct GpiodBackendTests {
    @Test func selectorParsing() {
        #expect(GpiodChip.Selector("auto") == .auto)
        #expect(GpiodChip.Selector("/dev/gpiochip4") == .path("/dev/gpiochip4"))
        #expect(GpiodChip.Selector("gpiochip0") == .name("gpiochip0"))
        #expect(GpiodChip.Selector("pinctrl-rp1") == .label("pinctrl-rp1"))
        #expect(GpiodChip.Selector("gpiochip") == .label("gpiochip"))
    }

    /// /dev entries taken for chips when scanning: gpiochipN only, sorted by N by the caller.
    @Test func chipNumbers() {
        #expect(GpiodChip.chipNumber("gpiochip0") == 0)
        #expect(GpiodChip.chipNumber("gpiochip13") == 13)
        #expect(GpiodChip.chipNumber("gpiochip") == nil)
        #expect(GpiodChip.chipNumber("gpiochip1a") == nil)
        #expect(GpiodChip.chipNumber("gpiochip1234567") == nil)
        #expect(GpiodChip.chipNumber("gpiomem") == nil)
    }

    /// This machine's kernel has no GPIO chips: `auto` must say so, listing what it saw.
    @Test(.enabled(if: (try? FileManager.default.contentsOfDirectory(atPath: "/dev"))?.contains { $0.hasPrefix("gpiochip") } == false))
    func autoWithNoChipsListsNone() {
        let backend = GpiodBackend(chip: "auto")
        #expect(throws: GPIOError.chipNotFound(wanted: "auto", found: [])) {
            try backend.claim(lines: [GPIOLine(offset: 17, activeLow: false)])
        }
        #expect(GPIOError.chipNotFound(wanted: "auto", found: []).message
                == "gpio.chip auto: no matching GPIO chip (chips found: none)")
        #expect(throws: GPIOError.chipNotFound(wanted: "gpiochip0", found: [])) {
            try GpiodBackend(chip: "gpiochip0").claim(lines: [])
        }
        #expect(throws: GPIOError.chipNotFound(wanted: "/dev/gpiochip9", found: [])) {
            try GpiodBackend(chip: "/dev/gpiochip9").claim(lines: [])
        }
        backend.release()
    }

    @Test func messagesNameChipAndLine() {
        #expect(GPIOError.busy(line: 17, chip: "gpiochip0", consumer: "tanglemeter").message
                == "line 17 of gpiochip0 is busy (used by 'tanglemeter')")
        #expect(GPIOError.chipNotFound(wanted: "auto", found: ["gpiochip0 (gpio-sim.0-node0)", "gpiochip1 (x)"]).message
                == "gpio.chip auto: no matching GPIO chip (chips found: gpiochip0 (gpio-sim.0-node0), gpiochip1 (x))")
    }
}

@Suite struct GpiodLibraryTests {
    /// trixie's libgpiod.so.3 (v2 API) wins over bookworm's libgpiod.so.2 when both are there.
    @Test func prefersTheV2LibraryThenV1() {
        let fake = DynamicLibrary(handle: UnsafeMutableRawPointer(bitPattern: 0x1000)!)
        var tried: [String] = []
        let both = GpiodLibrary.firstLoadable { tried.append($0); return fake }
        #expect(both?.soname == "libgpiod.so.3")
        #expect(tried == ["libgpiod.so.3"])
        tried = []
        let onlyV1 = GpiodLibrary.firstLoadable { tried.append($0); return $0 == "libgpiod.so.2" ? fake : nil }
        #expect(onlyV1?.soname == "libgpiod.so.2")
        #expect(tried == ["libgpiod.so.3", "libgpiod.so.2"])
        #expect(GpiodLibrary.firstLoadable { _ in nil } == nil)
    }

    @Test func versionsFitForAStatusLine() {
        #expect(GpiodLibrary.version("2.2.1") == "2.2.1")
        #expect(GpiodLibrary.version("1.6.3") == "1.6.3")
        #expect(GpiodLibrary.version("2.1.3-rc1+git~x_y") == "2.1.3-rc1+git~x_y")
        #expect(GpiodLibrary.version("") == "unknown")
        #expect(GpiodLibrary.version("2.2 beta") == "unknown")
        #expect(GpiodLibrary.version("2.2\n") == "unknown")
        #expect(GpiodLibrary.version(String(repeating: "1", count: 33)) == "unknown")
        #expect(GpiodLibrary.version(nil as UnsafePointer<CChar>?) == "unknown")
    }

    /// On this machine (Debian 12 with the gpiod package) only libgpiod.so.2 exists: the v1 API,
    /// reporting its own version through the table dlsym filled.
    @Test(.enabled(if: dlopen("libgpiod.so.2", RTLD_NOW | RTLD_LOCAL) != nil && dlopen("libgpiod.so.3", RTLD_NOW | RTLD_LOCAL) == nil))
    func loadsTheInstalledV1Library() throws {
        let library = try GpiodLibrary.load()
        #expect(library is GpiodV1)
        #expect(library.version.hasPrefix("1."))
        let backend = GpiodBackend(chip: "/dev/no-such-gpiochip")
        #expect(backend.statusName == "libgpiod-unknown")  // not loaded before the first claim
        #expect(throws: GPIOError.self) { try backend.claim(lines: []) }
        #expect(backend.statusName == "libgpiod-" + library.version)
    }

    @Test func missingLibraryNamesThePackages() {
        let message = GPIOError.libraryMissing.message
        #expect(message.contains("libgpiod.so.3") && message.contains("libgpiod.so.2"))
        #expect(message.contains("apt-get install gpiod"))
        #expect(message.contains("libgpiod3") && message.contains("libgpiod2"))
    }
}
