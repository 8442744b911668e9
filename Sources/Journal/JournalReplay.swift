import Ledger

/// Rebuilds every account's persistent state from a recovery: the snapshot's states, then each
/// event in journal order through `apply` (the Ledger's own mutator, so replay is exact).
public enum JournalReplay {
    /// `initial` gives the state of a meter the snapshot does not hold (first journaled after it,
    /// e.g. from the configured tariff). Returns the meters in order of first appearance.
    public static func replay(
        _ recovery: Recovery,
        initial: (String) -> AccountState,
        apply: (inout AccountState, AccountEvent) throws(LedgerError) -> Void
    ) throws(JournalError) -> [MeterSnapshot] {
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
            do {
                try apply(&meters[k].state, entry.event)
            } catch {
                throw .replay(meter: entry.meter, reason: error.message)
            }
        }
        return meters
    }
}
