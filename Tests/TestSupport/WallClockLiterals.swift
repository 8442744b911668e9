import Ledger

/// Tests write times as literals (`atMs: 5`); the daemon's code cannot: there a `WallClockMs` only
/// comes from the clock (`Clock.wallNow()`) or a journal record.
extension WallClockMs: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int64) { self.init(value) }
}
