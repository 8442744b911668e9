import Config
import OS

/// Drives output lines by their logical state (`active` = relay closed, LED lit); each backend
/// applies active-low itself. Class-bound, so the daemon can hold `any GPIOBackend` in Embedded
/// Swift. Lines are claimed inactive: a relay never closes merely because the daemon started.
public protocol GPIOBackend: AnyObject {
    /// Takes the lines as outputs, all inactive. Throws `.busy` when another process holds one.
    func claim(lines: [GPIOLine]) throws(GPIOError)
    func set(line: UInt32, active: Bool) throws(GPIOError)
    /// Drives every claimed line inactive, then gives the lines back. Safe to call twice.
    func release()
    /// What `status` shows after `gpio`: `sim`, or `libgpiod-X.Y.Z` (the library in use).
    var statusName: String { get }
}

/// A GPIO failure, with a message naming the chip and line.
public enum GPIOError: Error, Equatable, Sendable {
    /// `gpio.chip` matched no chip; `found` lists each chip seen as "name (label)".
    case chipNotFound(wanted: String, found: [String])
    /// The chip has no line with this offset.
    case noSuchLine(line: UInt32, chip: String, lineCount: UInt32)
    /// Another consumer holds the line: the daemon exits 2.
    case busy(line: UInt32, chip: String, consumer: String)
    /// `set` on a line that was not claimed: a bug in the caller.
    case notClaimed(line: UInt32)
    /// Neither libgpiod.so.3 nor libgpiod.so.2 could be loaded: the daemon exits 1.
    case libraryMissing
    /// The library loaded but lacks a function the backend calls.
    case libraryUnusable(soname: String, missing: String)
    case system(SystemError)

    public var message: String {
        switch self {
        case .chipNotFound(let wanted, let found):
            let seen = found.isEmpty ? "none" : found.joined(separator: ", ")
            return "gpio.chip \(wanted): no matching GPIO chip (chips found: \(seen))"
        case .noSuchLine(let line, let chip, let count):
            return "line \(line) of \(chip) does not exist (the chip has \(count) lines)"
        case .busy(let line, let chip, let consumer):
            return "line \(line) of \(chip) is busy (used by '\(consumer)')"
        case .notClaimed(let line):
            return "line \(line) was not claimed"
        case .libraryMissing:
            return "libgpiod is not installed (neither libgpiod.so.3 nor libgpiod.so.2 could be loaded): "
                + "sudo apt-get install gpiod (it pulls the right one: libgpiod3 on Raspberry Pi OS trixie "
                + "or Debian 13, libgpiod2 on bookworm or Debian 12)"
        case .libraryUnusable(let soname, let missing):
            return "\(soname) lacks \(missing): not a libgpiod this daemon can use"
        case .system(let error):
            return error.message
        }
    }
}
