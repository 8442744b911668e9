/// The next transaction on the shared bus, chosen from the circuits' meter poll states (indices
/// into the plant's circuits). No I/O: `MeterPoller` starts what this chooses.
enum BusTurn: Equatable {
    /// Send the meter its `reset-energy`: the reading before it has been billed.
    case reset(Int)
    /// Read this block of the meter's registers: the reading before a reset, or the next part of a
    /// poll of several reads.
    case read(Int, block: Int)
    /// Start the meter's poll, the most overdue one.
    case poll(Int)
    /// Nothing is due before this time (nil: no meters).
    case idle(until: Int64?)

    /// A pending `reset-energy` first (its reading, then the reset), then the rest of a poll of
    /// several reads (the Eastron meters: its parts make one reading, so it goes on at once), then
    /// the meter whose poll is most overdue.
    static func next(_ circuits: [Circuit], nowMono: Int64) -> BusTurn {
        if let i = circuits.firstIndex(where: { $0.meter.reset.step != nil }) {
            return circuits[i].meter.reset.step == .reset ? .reset(i) : .read(i, block: 0)
        }
        if let i = circuits.firstIndex(where: { !$0.meter.blocks.isEmpty }) {
            return .read(i, block: circuits[i].meter.blocks.count)
        }
        var due: Int? = nil
        for i in circuits.indices where circuits[i].meter.nextPollMono <= nowMono {
            if let d = due, circuits[d].meter.nextPollMono <= circuits[i].meter.nextPollMono { continue }
            due = i
        }
        if let due { return .poll(due) }
        var next: Int64? = nil
        for c in circuits { next = min(next ?? c.meter.nextPollMono, c.meter.nextPollMono) }
        return .idle(until: next)
    }
}
