import Journal
import Ledger

/// Rebuilds every account's persistent state from a recovery, for the tests that compare a
/// journal with the state its records describe: the snapshot's states, then each event in journal
/// order through `apply`. (The daemon replays with its own rules, in Sources/Daemon.)
enum JournalReplay {
    /// `initial` gives the state of a meter the snapshot does not hold. Returns the meters in
    /// order of first appearance.
    static func replay(
        _ recovery: Recovery,
        initial: (String) -> AccountState,
        apply: (inout AccountState, AccountEvent) throws(LedgerError) -> Void
    ) throws(LedgerError) -> [MeterSnapshot] {
        var meters = recovery.snapshot?.meters ?? []
        var index: [String: Int] = [:]
        for (k, meter) in meters.enumerated() { index[meter.name] = k }
        for entry in recovery.events {
            let k: Int
            if let known = index[entry.meter] {
                k = known
            } else {
                k = meters.count
                index[entry.meter] = k
                meters.append(MeterSnapshot(name: entry.meter, state: initial(entry.meter)))
            }
            try apply(&meters[k].state, entry.event)
        }
        return meters
    }
}
