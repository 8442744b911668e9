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

    /// `self − earlier` in ms (negative when `earlier` is later); nil when that does not fit Int64.
    /// Checked: these times come from journals and clocks, and an absurd pair must not trap.
    public func millis(since earlier: WallClockMs) -> Int64? {
        let (difference, overflow) = value.subtractingReportingOverflow(earlier.value)
        return overflow ? nil : difference
    }

    /// The instant `ms` before this one; nil when it is before the earliest representable one.
    public func subtracting(ms: Int64) -> WallClockMs? {
        let (earlier, overflow) = value.subtractingReportingOverflow(ms)
        return overflow ? nil : WallClockMs(earlier)
    }
}
