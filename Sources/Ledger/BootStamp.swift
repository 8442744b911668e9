/// Which boot of the machine a boot-clock time belongs to: the kernel's random boot id
/// (`/proc/sys/kernel/random/boot_id`), new at every boot.
public struct BootID: Equatable, Sendable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }
}

/// When a meter reading was taken, by a clock that cannot step: `CLOCK_BOOTTIME` ms (never set by
/// NTP or an operator, and counting suspend) within boot `id`; and whether the wall clock was
/// synchronised then (the kernel's NTP status), which alone makes wall stamps of two boots comparable.
public struct BootStamp: Equatable, Sendable {
    public var id: BootID
    public var ms: Int64
    public var wallSynchronised: Bool

    public init(id: BootID, ms: Int64, wallSynchronised: Bool) {
        self.id = id
        self.ms = ms
        self.wallSynchronised = wallSynchronised
    }
}

/// The time of a reading as the jump limit needs it: the wall clock (records, people) and the boot
/// stamp (nil in records written before boot stamps).
public struct ReadingTime: Equatable, Sendable {
    public var wallMs: WallClockMs
    public var boot: BootStamp?

    public init(wallMs: WallClockMs, boot: BootStamp?) {
        self.wallMs = wallMs
        self.boot = boot
    }

    /// How long passed from `earlier` to `self`, when that can be known; nil when it cannot, and then
    /// a counter step is not bounded by time (a wrong clock never turns real use into a rejected jump):
    /// - the same boot: the boot clock's difference, whatever the wall clock did meanwhile;
    /// - another boot: the wall clocks' difference, only if both were synchronised and it is not
    ///   negative (an unsynchronised Pi without an RTC boots with a clock hours or days behind);
    /// - a stamp without a boot (a journal from before boot stamps): unknown.
    public func elapsedMs(since earlier: ReadingTime) -> Int64? {
        guard let now = boot, let then = earlier.boot else { return nil }
        if now.id == then.id { return Self.forward(from: then.ms, to: now.ms) }
        guard now.wallSynchronised && then.wallSynchronised else { return nil }
        return Self.forward(from: earlier.wallMs.value, to: wallMs.value)
    }

    /// `to − from` when not negative (saturating: absurd values mean a long time); nil when negative.
    private static func forward(from: Int64, to: Int64) -> Int64? {
        guard to >= from else { return nil }
        let (difference, overflow) = to.subtractingReportingOverflow(from)
        return overflow ? Int64.max : difference
    }
}
