import Testing
@testable import IotaRPC

@Suite struct BackoffTests {
    @Test func firstAttemptIsImmediateAndSuccessKeepsTheInterval() {
        var backoff = Backoff(baseMs: 10_000, seed: 1)
        #expect(backoff.nextAttemptAt(nowMs: 500) == 500)
        backoff.recordSuccess(nowMs: 1_000)
        #expect(backoff.nextAttemptAt(nowMs: 1_000) == 11_000)
    }

    @Test func ceilingGrowsMonotonicallyToTheCapAndDelaysStayWithinJitterBounds() {
        var backoff = Backoff(baseMs: 10_000, capMs: 300_000, seed: 42)
        var previousCeiling: Int64 = 0
        var reachedCap = false
        for _ in 0..<40 {
            backoff.recordFailure(nowMs: 0)
            let ceiling = backoff.ceilingMs
            #expect(ceiling >= previousCeiling)
            #expect(ceiling <= 300_000)
            let delay = backoff.nextAttemptAt(nowMs: 0)
            #expect(delay >= max(10_000, ceiling / 2) && delay <= ceiling)
            previousCeiling = ceiling
            reachedCap = reachedCap || ceiling == 300_000
        }
        #expect(reachedCap)
        #expect(backoff.consecutiveFailures == 40)
    }

    @Test func ceilingsDouble() {
        var backoff = Backoff(baseMs: 1_000, capMs: 10_000, seed: 7)
        var ceilings: [Int64] = []
        for _ in 0..<6 { backoff.recordFailure(nowMs: 0); ceilings.append(backoff.ceilingMs) }
        #expect(ceilings == [1_000, 2_000, 4_000, 8_000, 10_000, 10_000])
    }

    @Test func jitterSpreadsAcrossSeeds() {
        var delays = Set<Int64>()
        for seed in UInt64(0)..<50 {
            var backoff = Backoff(baseMs: 10_000, seed: seed)
            for _ in 0..<5 { backoff.recordFailure(nowMs: 0) }
            delays.insert(backoff.nextAttemptAt(nowMs: 0))
        }
        #expect(delays.count > 40)
    }

    @Test func successResets() {
        var backoff = Backoff(baseMs: 10_000, seed: 3)
        for _ in 0..<10 { backoff.recordFailure(nowMs: 0) }
        backoff.recordSuccess(nowMs: 50_000)
        #expect(backoff.consecutiveFailures == 0)
        #expect(backoff.nextAttemptAt(nowMs: 50_000) == 60_000)
        backoff.recordFailure(nowMs: 60_000)
        #expect(backoff.ceilingMs == 10_000)
        #expect(backoff.nextAttemptAt(nowMs: 60_000) == 70_000)
    }

    @Test func farFutureDoesNotOverflow() {
        var backoff = Backoff(baseMs: 10_000, seed: 3)
        backoff.recordFailure(nowMs: .max - 5)
        #expect(backoff.nextAttemptAt(nowMs: 0) == .max)
    }
}
