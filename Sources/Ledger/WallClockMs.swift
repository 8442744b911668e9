/// A wall-clock instant: Unix time in milliseconds (`CLOCK_REALTIME`), what the journal records and
/// people read. Every wall-clock time that enters Ledger or Journal has this type; the shell makes
/// one where it reads the clock (`Clock.wallNow()` in Daemon). The wall clock can step (NTP, an
/// operator, a Pi without RTC at boot), so durations the daemon schedules by are monotonic ms, plain
/// `Int64` that stay in the shell and never enter the core; a reading's elapsed time comes from its
/// `BootStamp` where it can.
public struct WallClockMs: Equatable, Comparable, Sendable {
    /// Milliseconds since 1970-01-01 UTC; negative before it (a clock set wrong), any Int64 from a journal.
    public var value: Int64

    public init(_ value: Int64) { self.value = value }

    public static func < (a: WallClockMs, b: WallClockMs) -> Bool { a.value < b.value }

    // Checked arithmetic that saturates, as the ledger has always measured spans between journaled
    // times: an absurd pair (a clock set wildly, a damaged-but-valid record) reads as a very long
    // time, which the rules then decide like any other, instead of trapping the daemon.

    /// `self − earlier` in ms (negative when `earlier` is later), saturating at Int64's bounds.
    public func millis(since earlier: WallClockMs) -> Int64 {
        let (difference, overflow) = value.subtractingReportingOverflow(earlier.value)
        if overflow { return earlier.value > value ? Int64.min : Int64.max }
        return difference
    }

    /// The instant `ms` before this one, saturating at the earliest (or latest) representable one.
    public func subtracting(ms: Int64) -> WallClockMs {
        let (earlier, overflow) = value.subtractingReportingOverflow(ms)
        if overflow { return WallClockMs(ms > 0 ? Int64.min : Int64.max) }
        return WallClockMs(earlier)
    }
}
