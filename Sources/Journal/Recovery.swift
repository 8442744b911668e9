import Ledger

/// What opening a journal found: the state to rebuild and anything wrong with the file.
///
/// - `snapshot` + `events`: the latest snapshot (nil: none yet) and every event after it, in
///   order. Replaying them onto the snapshot gives the state of the last acknowledged write.
/// - `tornTail`: the last write was cut short (a crash mid-append). Those bytes were never
///   acknowledged; `JournalFile.open` saves them beside the journal and truncates them away. Log it
///   and carry on.
/// - `damage`: a record that fails its check or does not decode, followed by valid data (or the
///   header itself is bad). Never skipped: the file is left untouched, appending is refused, and
///   `snapshot`/`events` hold only what precedes the damage. The daemon then opens every relay,
///   reports `journal damaged`, and waits for an operator (DESIGN §3.5; README, "The journal":
///   restore a copy, or move the file away by hand and start empty).
public struct Recovery: Sendable {
    public var snapshot: JournalSnapshot?
    public var events: [JournalEvent] = []
    /// When the daemon last started, from the newest `started` record.
    public var lastStartedAtMs: WallClockMs?
    /// Valid records read, and those since the latest snapshot (for the compaction policy).
    public var records: Int = 0
    public var recordsSinceSnapshot: Int = 0
    /// Where the valid data ends (the size of the file after a torn tail is cut).
    public var validBytes: Int = 0
    public var tornTail: TornTail?
    public var damage: JournalDamage?

    public init() {}
}

/// The incomplete last write that recovery cut off.
public struct TornTail: Equatable, Sendable {
    public var offset: Int
    public var bytes: Int
    public var reason: String
    /// Where `JournalFile.open` saved the cut bytes (nil: not cut, e.g. `recoverJournal(image:)`).
    public var savedAs: String?

    /// One line for the log.
    public var message: String {
        "journal: dropped a torn last record at byte \(offset) (\(bytes) bytes: \(reason))"
            + (savedAs.map { ", saved as \($0)" } ?? "")
    }
}

/// A damaged record, with valid data after it (or a bad header at offset 0).
public struct JournalDamage: Equatable, Sendable {
    public var offset: Int
    public var reason: String

    public var message: String { "journal damaged at byte \(offset): \(reason)" }
}
