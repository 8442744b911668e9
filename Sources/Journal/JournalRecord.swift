import Ledger

/// One entry of the journal, as the daemon writes it and recovery returns it.
public enum JournalRecord: Equatable, Sendable {
    /// The daemon started (for the log and for a reader of the file; changes no state).
    case started(atMs: WallClockMs)
    /// Something that changed an account, applied after it is on disk.
    case event(meter: String, AccountEvent)
    /// The whole persistent state at one instant: recovery starts from the latest one.
    case snapshot(JournalSnapshot)
}

/// Every account's persistent state at `atMs`, written at compaction.
public struct JournalSnapshot: Equatable, Sendable {
    public var atMs: WallClockMs
    public var meters: [MeterSnapshot]

    public init(atMs: WallClockMs, meters: [MeterSnapshot]) {
        self.atMs = atMs
        self.meters = meters
    }
}

/// One account's state in a snapshot, under its meter's name.
public struct MeterSnapshot: Equatable, Sendable {
    public var name: String
    public var state: AccountState

    public init(name: String, state: AccountState) {
        self.name = name
        self.state = state
    }
}

/// An event recovered from the journal, with the meter it belongs to.
public struct JournalEvent: Equatable, Sendable {
    public var meter: String
    public var event: AccountEvent

    public init(meter: String, event: AccountEvent) {
        self.meter = meter
        self.event = event
    }
}

/// Bounds on variable-length fields, checked when writing and again when reading, so a record
/// that was written can always be read back and a damaged length cannot allocate without limit.
public enum JournalLimits {
    /// Meter names are `[a-z0-9_-]{1,32}` (DESIGN §3.2).
    public static let meterName = 32
    /// Transaction digests and payment cursors (base58 of 32 bytes is at most 44 characters).
    public static let digest = 64
    /// An IOTA address: `0x` + 64 hex digits.
    public static let address = 66
    /// The free-text note of a manual credit.
    public static let note = 256
    /// Meters in one file (they are referred to by index).
    public static let meters = 4096
    /// The largest record body: a snapshot with many credited digests stays far below it.
    public static let recordBody = 64 << 20
}
