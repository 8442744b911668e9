import OS

/// A hardware watchdog (`watchdog.device`, DESIGN §3.2): opening the device arms it, every write
/// pets it, and only the magic close (`V`, then close) disarms it. A daemon that is killed, crashes
/// or hangs stops petting, the board resets, and every GPIO comes back an input: the relay opens.
final class Watchdog {
    let device: String
    /// What the driver set (it may round the configured timeout).
    let timeoutSeconds: Int32
    private var handle: WatchdogDevice?
    private var schedule: PetSchedule

    private init(handle: WatchdogDevice, timeoutSeconds: Int32, nowMono: Int64) {
        self.device = handle.path
        self.handle = handle
        self.timeoutSeconds = timeoutSeconds
        schedule = PetSchedule(timeoutSeconds: Int64(timeoutSeconds), nowMono: nowMono)
    }

    /// Opens `device` (armed from here on) and sets its timeout.
    static func open(device: String, timeoutSeconds: Int32, nowMono: Int64) throws(WatchdogError) -> Watchdog {
        let handle: WatchdogDevice
        do { handle = try WatchdogDevice.open(device) } catch {
            switch error.errno {
            case .EBUSY: throw .busy(device: device)
            case .ENOENT: throw .missing(device: device)
            default: throw .system(error)
            }
        }
        let seconds: Int32
        do { seconds = try handle.setTimeout(seconds: timeoutSeconds) } catch {
            handle.disarm()
            if error.errno == .EINVAL { throw .timeoutRefused(device: device, seconds: timeoutSeconds) }
            throw .system(error)
        }
        return Watchdog(handle: handle, timeoutSeconds: seconds, nowMono: nowMono)
    }

    /// When the loop must pet next at the latest.
    var nextPetMono: Int64 { schedule.nextMono }

    /// Pets the watchdog if it is time; a failed write is reported (the next turn tries again).
    func petIfDue(nowMono: Int64) throws(SystemError) {
        guard let handle, schedule.isDue(nowMono: nowMono) else { return }
        try handle.pet()
    }

    /// The magic close: the watchdog stops. Only for a deliberate stop, after the relays are open.
    func disarm() {
        handle?.disarm()
        handle = nil
    }
}

/// When to pet: every third of the timeout, so two missed turns in a row still leave time.
struct PetSchedule: Equatable {
    let intervalMs: Int64
    private(set) var nextMono: Int64

    init(timeoutSeconds: Int64, nowMono: Int64) {
        intervalMs = max(1, timeoutSeconds * 1000 / 3)    // seconds from the driver: an int, no overflow
        nextMono = nowMono + intervalMs
    }

    /// True when a pet is due at `nowMono`, and then schedules the next one from now.
    mutating func isDue(nowMono: Int64) -> Bool {
        guard nowMono >= nextMono else { return false }
        nextMono = nowMono + intervalMs
        return true
    }
}

/// Why the watchdog could not be armed: the daemon exits 2 with this message.
enum WatchdogError: Error, Equatable {
    case busy(device: String)
    case missing(device: String)
    case timeoutRefused(device: String, seconds: Int32)
    case system(SystemError)

    var message: String {
        switch self {
        case .busy(let device):
            return "watchdog.device \(device) is busy: another program holds it (systemd with RuntimeWatchdogSec=, "
                + "or the watchdog daemon); stop that one, or remove watchdog.device from the configuration"
        case .missing(let device):
            return "watchdog.device \(device) does not exist"
        case .timeoutRefused(let device, let seconds):
            return "watchdog.device \(device) refuses watchdog.timeout = \(seconds)s (a Raspberry Pi's watchdog allows at most 15s)"
        case .system(let error):
            return "watchdog: " + error.message
        }
    }
}
