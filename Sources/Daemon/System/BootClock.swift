import Ledger
import OS

extension Clock {
    /// Now on the wall clock, typed for the core: the one place the shell's Unix ms (`wallMs()`)
    /// become a `WallClockMs`. Monotonic ms (`monotonicMs()`) stay `Int64` in the shell.
    public static func wallNow() -> WallClockMs { WallClockMs(wallMs()) }

    /// A reading's boot stamp now, in boot `id`.
    public static func bootStamp(_ id: BootID) -> BootStamp {
        BootStamp(id: id, ms: bootMs(), wallSynchronised: wallSynchronised())
    }

    /// This boot's id, from /proc/sys/kernel/random/boot_id (a UUID, 32 hex digits); when it cannot be
    /// read, an id of this process alone (pid and boot-clock ns), so every start counts as a new boot,
    /// which is safe (`ReadingTime.elapsedMs`).
    public static func bootID() -> BootID {
        let fallback = BootID(high: UInt64(bitPattern: Int64(CurrentProcess.id)), low: UInt64(bitPattern: bootNanos()))
        guard let text = try? readTextFile("/proc/sys/kernel/random/boot_id") else { return fallback }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var digits = 0
        for byte in text.utf8 {
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
}
