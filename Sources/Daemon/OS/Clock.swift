import CSystem
import Ledger

/// Time as the shell reads it. The core never reads a clock: the loop passes these values in.
public enum Clock {
    /// Milliseconds on the monotonic clock: for deadlines and intervals (never jumps).
    public static func monotonicMs() -> Int64 { milliseconds(CLOCK_MONOTONIC) }

    /// Milliseconds on the boot clock: like the monotonic clock, never set by NTP or an operator, and
    /// counting time suspended too; with the boot id, what the jump limit measures elapsed time by.
    public static func bootMs() -> Int64 { milliseconds(CLOCK_BOOTTIME) }

    private static func milliseconds(_ clock: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Whether the kernel's wall clock is synchronised (NTP, chrony, systemd-timesyncd keep it so):
    /// adjtimex(2) with no modes only reads, and says TIME_ERROR (STA_UNSYNC) until a sync.
    public static func wallSynchronised() -> Bool {
        var tx = timex()
        let state = adjtimex(&tx)
        return state >= 0 && state != TIME_ERROR && tx.status & STA_UNSYNC == 0
    }

    /// A reading's boot stamp now, in boot `id`.
    public static func bootStamp(_ id: BootID) -> BootStamp {
        BootStamp(id: id, ms: bootMs(), wallSynchronised: wallSynchronised())
    }

    /// This boot's id, from /proc/sys/kernel/random/boot_id (a UUID, 32 hex digits); when it cannot be
    /// read, an id of this process alone (pid and boot-clock ns), so every start counts as a new boot,
    /// which is safe (`ReadingTime.elapsedMs`).
    public static func bootID() -> BootID {
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        let fallback = BootID(high: UInt64(bitPattern: Int64(getpid())),
                              low: UInt64(bitPattern: Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)))
        let path = "/proc/sys/kernel/random/boot_id"
        guard let raw = try? retryingOnInterrupt("open", path, { tm_open(path, O_RDONLY | O_CLOEXEC, 0) }) else { return fallback }
        let fd = FileDescriptor(rawValue: raw)
        defer { fd.close() }
        guard let text = try? fd.read(upTo: 64) else { return fallback }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var digits = 0
        for byte in text {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "-"), UInt8(ascii: "\n"): continue
            default: return fallback
            }
            if digits < 16 { high = high << 4 | UInt64(value) } else { low = low << 4 | UInt64(value) }
            digits += 1
        }
        return digits == 32 ? BootID(high: high, low: low) : fallback
    }

    /// Milliseconds since the Unix epoch: for journal records and user-facing timestamps.
    public static func wallMs() -> Int64 { milliseconds(CLOCK_REALTIME) }
}

extension Clock {
    /// Minutes after local midnight (0…1439), for friendly hours. Local time follows TZ.
    public static func localMinuteOfDay(wallMs: Int64) -> Int {
        var seconds = time_t(wallMs / 1000)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return 0 }
        return Int(parts.tm_hour) * 60 + Int(parts.tm_min)
    }
}
