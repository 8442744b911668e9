import TestSupport
@testable import Ledger

/// Shared fixtures: a 0.25 IOTA/kWh account (250 000 nanos per Wh), and helpers that act as the
/// daemon does: check, "journal" (append to a list), apply.
let quarterIOTA = Tariff(pricePerKWh: Nanos(250_000_000))

func makeAccount(_ configure: (inout AccountPolicy) -> Void = { _ in }, startedAtMs: Int64 = 0) throws -> Account {
    var policy = AccountPolicy(tariff: quarterIOTA)
    configure(&policy)
    return try Account(state: AccountState(tariff: policy.tariff), policy: policy, startedAtMs: WallClockMs(startedAtMs))
}

/// One boot for the tests, whose boot clock reads the same ms as the wall clock they pass.
let testBoot = BootID(high: 0x0123_4567_89AB_CDEF, low: 42)
func boot(_ ms: Int64, synchronised: Bool = false, id: BootID = testBoot) -> BootStamp {
    BootStamp(id: id, ms: ms, wallSynchronised: synchronised)
}

/// The daemon's side of the protocol, with the journal as an array.
struct Harness {
    var account: Account
    var journal: [AccountEvent] = []

    mutating func record(_ events: [AccountEvent]) throws {
        let next = try account.applying(events)
        journal += events
        account = next
    }

    /// Observes a reading, journals whatever it asks for; returns the outcome.
    @discardableResult
    mutating func read(_ counter: Int64, atMs: Int64, power: Int64 = 0) throws -> ObserveOutcome {
        let outcome = account.observe(counter: WattHours(counter), power: Deciwatts(power), atMs: WallClockMs(atMs), boot: boot(atMs))
        if case .journal(let event) = outcome { try record([event]) }
        return outcome
    }

    mutating func checkpoint() throws {
        if let event = account.checkpointEvent() { try record([event]) }
    }

    mutating func pay(_ digest: String, _ nanos: Int64, atMs: Int64 = 0) throws {
        try record(account.withCheckpoint(.paymentCredited(Payment(digest: txDigest(digest), amount: Nanos(nanos), checkpoint: 1, timestampMs: WallClockMs(atMs)))))
    }

    /// A fresh account rebuilt from the journal alone.
    func replayed() throws -> Account {
        var fresh = try Account(state: AccountState(tariff: quarterIOTA), policy: account.policy, startedAtMs: 0)
        for event in journal { try fresh.apply(event) }
        return fresh
    }
}
