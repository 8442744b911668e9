import CSystem

/// Time as the shell reads it. The core never reads a clock: the loop passes these values in.
public enum Clock {
    /// Milliseconds on the monotonic clock: for deadlines and intervals (never jumps).
    public static func monotonicMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Milliseconds since the Unix epoch: for journal records and user-facing timestamps.
    /// Whether the kernel says the wall clock is synchronised (adjtimex: not TIME_ERROR).
    public static func isSynchronised() -> Bool { tm_clock_synchronised() != 0 }

    public static func wallMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
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
