import Foundation
import Glibc
import Testing
@testable import Daemon
import OS

@Suite struct WatchdogTests {
    /// Every third of the timeout, counted from the pet that happened, not from the plan: a late
    /// turn never makes the next pet come early, and no pet is ever more than a third late.
    @Test func petScheduleIsEveryThirdOfTheTimeout() {
        var schedule = PetSchedule(timeoutSeconds: 15, nowMono: 1_000)
        #expect(schedule.intervalMs == 5_000)
        #expect(schedule.nextMono == 6_000)
        var due: [Bool] = []
        for now in [5_999, 6_000, 6_001] as [Int64] { due.append(schedule.isDue(nowMono: now)) }
        #expect(due == [false, true, false])
        #expect(schedule.nextMono == 11_000)
        let late = schedule.isDue(nowMono: 13_500)    // a slow turn: pet now, next in 5 s from now
        #expect(late)
        #expect(schedule.nextMono == 18_500)
        #expect(PetSchedule(timeoutSeconds: 3, nowMono: 0).intervalMs == 1_000)
        #expect(PetSchedule(timeoutSeconds: 1, nowMono: 0).intervalMs == 333)
        #expect(PetSchedule(timeoutSeconds: 0, nowMono: 0).intervalMs == 1)   // a driver's odd answer: never 0
    }

    @Test func aMissingDeviceIsNamed() {
        let dir = TempDir()
        #expect(throws: WatchdogError.missing(device: dir.file("watchdog"))) {
            try Watchdog.open(device: dir.file("watchdog"), timeoutSeconds: 15, nowMono: 0)
        }
        #expect(WatchdogError.missing(device: "/dev/watchdog").message == "watchdog.device /dev/watchdog does not exist")
    }

    /// A file that is not a watchdog: the timeout ioctl fails, and the file gets the magic 'V' the
    /// daemon writes before closing, so a real watchdog opened by mistake would not reset the board.
    @Test func notAWatchdogIsRefusedAndClosedWithTheMagicCharacter() throws {
        let dir = TempDir()
        let path = dir.file("plain")
        FileManager.default.createFile(atPath: path, contents: Data())
        #expect(throws: WatchdogError.system(SystemError("set the timeout of", path, errno: Errno(rawValue: ENOTTY)))) {
            try Watchdog.open(device: path, timeoutSeconds: 15, nowMono: 0)
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "V")
    }

    @Test func busyAndRefusedTimeoutSayWhatToDo() {
        let busy = WatchdogError.busy(device: "/dev/watchdog").message
        #expect(busy.hasPrefix("watchdog.device /dev/watchdog is busy: another program holds it"))
        #expect(busy.contains("RuntimeWatchdogSec="))
        #expect(WatchdogError.timeoutRefused(device: "/dev/watchdog", seconds: 20).message
                == "watchdog.device /dev/watchdog refuses watchdog.timeout = 20s (a Raspberry Pi's watchdog allows at most 15s)")
    }
}

@Suite struct ReleasedOutputsTests {
    /// A fake /sys/module with the given parameter files.
    func modules(_ files: [String: String]) throws -> TempDir {
        let dir = TempDir()
        for (path, value) in files {
            let full = dir.file(path)
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try value.write(toFile: full, atomically: false, encoding: .utf8)
        }
        return dir
    }

    @Test func aPiKernelThatKeepsOutputsIsFound() throws {
        let pi5 = try modules(["pinctrl_rp1/parameters/persist_gpio_outputs": "Y\n",
                               "pinctrl_rp1/parameters/pace_pin_updates": "Y\n"])
        #expect(ReleasedOutputs.persisting(moduleRoot: pi5.path) == "pinctrl_rp1.persist_gpio_outputs=Y")
        let pi4 = try modules(["pinctrl_bcm2835/parameters/persist_gpio_outputs": "Y\n"])
        #expect(ReleasedOutputs.persisting(moduleRoot: pi4.path) == "pinctrl_bcm2835.persist_gpio_outputs=Y")
        let spring2024 = try modules(["pinctrl_bcm2835/parameters/strict_gpiod": "N\n"])
        #expect(ReleasedOutputs.persisting(moduleRoot: spring2024.path) == "pinctrl_bcm2835.strict_gpiod=N")
    }

    @Test func strictGpiodOnOrNoPiKernelIsQuiet() throws {
        let strict = try modules(["pinctrl_rp1/parameters/persist_gpio_outputs": "N\n"])
        #expect(ReleasedOutputs.persisting(moduleRoot: strict.path) == nil)
        let strictOld = try modules(["pinctrl_bcm2835/parameters/strict_gpiod": "Y\n"])
        #expect(ReleasedOutputs.persisting(moduleRoot: strictOld.path) == nil)
        let upstream = try modules(["configfs/parameters/x": "1\n"])
        #expect(ReleasedOutputs.persisting(moduleRoot: upstream.path) == nil)
        #expect(ReleasedOutputs.persisting(moduleRoot: "/nonexistent") == nil)
    }

    @Test func theWarningNamesTheConfigLine() {
        let text = ReleasedOutputs.warning("pinctrl_rp1.persist_gpio_outputs=Y")
        #expect(text.contains("dtparam=strict_gpiod"))
        #expect(text.contains("/boot/firmware/config.txt"))
        #expect(text.contains("pinctrl_rp1.persist_gpio_outputs=Y"))
        #expect(text.contains("watchdog.device = /dev/watchdog"))
    }
}
