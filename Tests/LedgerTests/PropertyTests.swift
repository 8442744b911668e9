import Testing
import TestSupport
@testable import Ledger

/// What billing must come to, computed without the ledger: accepted deltas per tariff segment,
/// each segment floored once with an Int128 product.
struct Oracle {
    var reference: Int64?
    var referenceAtMs: Int64?
    var segments: [(price: Int64, wh: Int64)]
    var credited: Int64 = 0
    var digests: Set<String> = []

    init(price: Int64) { segments = [(price, 0)] }

    var billed: Int64 { segments.reduce(0) { $0 + $1.wh } }
    var charged: Int64 {
        Int64(segments.reduce(Int128(0)) { $0 + Int128($1.wh) * Int128($1.price) / 1000 })
    }

    /// The rule as DESIGN states it: backwards → re-baseline; more than 23 kW × elapsed + 1 Wh → rejected.
    mutating func read(_ counter: Int64, atMs: Int64) {
        defer { reference = counter; referenceAtMs = atMs }
        guard let reference else { return }
        if counter < reference { return }
        if let since = referenceAtMs {
            let elapsed = Int128(max(0, atMs - since))
            if Int128(counter - reference) > elapsed * 230_000 / 36_000_000 + 1 { return }
        }
        segments[segments.count - 1].wh += counter - reference
    }
}

@Suite struct PropertyTests {
    /// Random credits (with duplicate digests), readings (resets, jumps, gaps, repeats), tariff
    /// changes, checkpoints and emergency grants: every figure matches the oracle at every step, and
    /// the journal alone rebuilds the identical state.
    @Test(arguments: 1...40)
    func invariantsHoldOnRandomHistories(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        var h = Harness(account: try makeAccount { $0.emergencyCredit = Nanos(300_000_000) })
        var oracle = Oracle(price: quarterIOTA.pricePerKWh.value)
        var counter = Int64(rng.upTo(1_000_000))
        var now: Int64 = 1_700_000_000_000
        for step in 0..<400 {
            switch rng.upTo(99) {
            case 0..<45:                                   // an ordinary reading, up to the physical limit (+1: just over)
                let elapsed = rng.upTo(3_000)
                now += elapsed
                counter += rng.upTo(elapsed * 230_000 / 36_000_000 + 2)
            case 45..<52:                                  // a gap: the meter was unreadable for a while
                let elapsed = rng.upTo(4 * 3_600_000)
                now += elapsed
                counter += rng.upTo(elapsed * 230_000 / 36_000_000)
            case 52..<56: counter = rng.upTo(min(counter, 50))                 // meter reset or replaced
            case 56..<60: counter += 1_000 + rng.upTo(1 << 31); now += rng.upTo(2_000)   // implausible jump
            case 60..<63: counter = 0xFFFF_FFFF                                // a 32-bit register gone mad
            case 63..<75: now += 1_000                                         // the same counter again
            case 75..<87:
                let digest = "0x\(rng.upTo(19))"                               // a small pool: duplicates
                let amount = 1 + rng.upTo(3_000_000_000)
                if !oracle.digests.contains(digest) { oracle.digests.insert(digest); oracle.credited += amount }
                try h.pay(digest, amount, atMs: now)
                continue
            case 87..<90:
                let amount = 1 + rng.upTo(1_000_000)
                oracle.credited += amount
                try h.record(h.account.withCheckpoint(.manualCredit(amount: Nanos(amount), note: "cash", atMs: WallClockMs(now))))
                continue
            case 90..<94:
                let prices: [Int64] = [0, 1, 999, 1_001, 250_000_000, rng.upTo(1_000_000_000_000)]
                h.account.policy.tariff = Tariff(pricePerKWh: Nanos(prices[Int(rng.upTo(5))]))
                let before = h.account.charged
                let events = h.account.tariffChangeEvents(atMs: WallClockMs(now))
                try h.record(events)
                #expect(h.account.charged == before, "a tariff change moved charged (seed \(seed), step \(step))")
                if !events.isEmpty { oracle.segments.append((h.account.policy.tariff.pricePerKWh.value, 0)) }
                continue
            default:
                try h.checkpoint()
                continue
            }
            try h.read(counter, atMs: now)
            oracle.read(counter, atMs: now)
            if let grant = h.account.emergencyEvent(atMs: WallClockMs(now)) { try h.record(h.account.withCheckpoint(grant)) }

            let a = h.account
            #expect(a.balance.value == a.credited.value - a.charged.value)
            #expect(a.billed.value == oracle.billed, "seed \(seed) step \(step)")
            #expect(a.charged.value == oracle.charged, "seed \(seed) step \(step)")
            #expect(a.credited.value == oracle.credited)
            #expect(a.counter?.value == counter)
            #expect(a.state.emergencyGranted == .zero || !a.state.emergencyArmed)
            // Emergency credit is granted whenever it is due: never armed with credit run out.
            #expect(!(a.state.emergencyArmed && a.credited.value > 0 && a.balance.value <= 0))
            if step % 50 == 0 { #expect(try h.replayed().state == h.account.state) }
        }
        try h.checkpoint()
        #expect(try h.replayed().state == h.account.state)
        #expect(h.account.state.billed.value == oracle.billed)
        // The history really went through every path.
        #expect(h.account.state.counterRebaselines > 0 && h.account.state.counterJumpsRejected > 0)
        #expect(h.account.state.creditedDigests.count < h.journal.count { if case .paymentCredited = $0 { true } else { false } })
        #expect(h.journal.contains { if case .tariffChanged = $0 { true } else { false } })
    }

    /// Crash at random points (the unsynced tail of checkpoints lost; credits and the baseline kept
    /// because they are fsynced), the meter counting on while the daemon is down: after each restart the replayed
    /// journal plus the next readings bill exactly the counter's advance, nothing lost or doubled.
    @Test(arguments: 1...40)
    func crashesLoseAndDoubleNothing(seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed &* 7919)
        var h = Harness(account: try makeAccount())
        var counter = rng.upTo(100_000)
        let firstCounter = counter
        var now: Int64 = 1_700_000_000_000
        var credited: Int64 = 0
        try h.read(counter, atMs: now)                    // the baseline, fsynced like every `.journal` outcome
        var lastCreditIndex = h.journal.count             // the journal is durable up to here
        for crash in 0..<8 {
            for _ in 0..<(1 + rng.upTo(120)) {
                let elapsed = 1 + rng.upTo(2_000)
                now += elapsed
                counter += rng.upTo(elapsed * 230_000 / 36_000_000)
                let expected = WattHours(counter - (h.account.counter?.value ?? 0))
                #expect(try h.read(counter, atMs: now) == .billed(delta: expected))
                if rng.chance(10) { try h.checkpoint() }
                if rng.chance(3) {
                    let amount = 1 + rng.upTo(1_000_000_000)
                    credited += amount
                    try h.pay("0x\(crash)-\(now)", amount, atMs: now)
                    lastCreditIndex = h.journal.count
                }
            }
            // Power cut: any unsynced tail after the last credit may be lost.
            let kept = lastCreditIndex + Int(rng.upTo(Int64(h.journal.count - lastCreditIndex)))
            let durable = Array(h.journal.prefix(kept))
            h = Harness(account: try Harness(account: h.account, journal: durable).replayed(), journal: durable)
            lastCreditIndex = durable.count
            let down = rng.upTo(3_600_000)
            now += down
            counter += rng.upTo(down * 230_000 / 36_000_000)
        }
        now += 1_000
        try h.read(counter, atMs: now)
        try h.checkpoint()
        #expect(h.account.state.billed.value == counter - firstCounter)
        #expect(h.account.credited.value == credited)
        #expect(h.account.charged.value == Int64(Int128(counter - firstCounter) * 250_000_000 / 1000))
        #expect(h.account.balance.value == credited - h.account.charged.value)
        #expect(try h.replayed().state == h.account.state)
    }
}
