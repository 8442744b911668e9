import CSystem

/// Time as the shell reads it. The core never reads a clock: the loop passes these values in.
public enum Clock {
    /// Milliseconds on the monotonic clock: for deadlines and intervals (never jumps).
    public static func monotonicMs() -> Int64 { nanoseconds(CLOCK_MONOTONIC) / 1_000_000 }

    /// Microseconds on the monotonic clock: Modbus gaps (t3.5 is 4 ms at 9600 baud) need finer
    /// steps than `monotonicMs`.
    public static func monotonicMicros() -> Int64 { nanoseconds(CLOCK_MONOTONIC) / 1000 }

    /// Milliseconds on the boot clock: like the monotonic clock, never set by NTP or an operator, and
    /// counting time suspended too; with the boot id, what the jump limit measures elapsed time by.
    public static func bootMs() -> Int64 { nanoseconds(CLOCK_BOOTTIME) / 1_000_000 }

    /// Nanoseconds on the boot clock (a process-unique stamp where no boot id can be read).
    public static func bootNanos() -> Int64 { nanoseconds(CLOCK_BOOTTIME) }

    /// Milliseconds since the Unix epoch: for journal records and user-facing timestamps.
    public static func wallMs() -> Int64 { nanoseconds(CLOCK_REALTIME) / 1_000_000 }

    /// Nanoseconds since the Unix epoch (wraps in 2262; only ever mixed into seeds).
    public static func wallNanos() -> Int64 { nanoseconds(CLOCK_REALTIME) }

    @inline(never)
    private static func nanoseconds(_ clock: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Int64(ts.tv_sec) &* 1_000_000_000 &+ Int64(ts.tv_nsec)
    }

    /// Whether the kernel's wall clock is synchronised (NTP, chrony, systemd-timesyncd keep it so):
    /// adjtimex(2) with no modes only reads, and says TIME_ERROR (STA_UNSYNC) until a sync.
    public static func wallSynchronised() -> Bool {
        var tx = timex()
        let state = adjtimex(&tx)
        return state >= 0 && state != TIME_ERROR && tx.status & STA_UNSYNC == 0
    }

    /// Minutes after local midnight (0…1439), for friendly hours. Local time follows TZ.
    public static func localMinuteOfDay(wallMs: Int64) -> Int {
        var seconds = time_t(wallMs / 1000)
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return 0 }
        return Int(parts.tm_hour) * 60 + Int(parts.tm_min)
    }
}
