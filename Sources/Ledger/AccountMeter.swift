/// What a meter reading did to the account (`Account.observe`).
public enum ObserveOutcome: Equatable, Sendable {
    /// Billed in memory at once (`delta` Wh, possibly zero): balance and status show it now, and the
    /// next `checkpointEvent()` journals it.
    case billed(delta: WattHours)
    /// Journal this event, then `apply` it: the first reading (a `counterCheckpoint` that only sets
    /// the baseline), a counter that went backwards (`counterRebaselined`) or one that rose faster
    /// than the circuit can draw (`counterJumpRejected`, not billed). Until it is applied, the
    /// account bills nothing new from this meter. Sync it like a credit (it is rare): a lost
    /// baseline loses the energy counted after it, a lost re-baseline or rejection is decided again
    /// after a restart against an older counter.
    case journal(AccountEvent)
    /// The reading cannot be billed (a negative counter, or figures beyond Int64); nothing changed.
    case refused(LedgerError)
}

extension Account {
    /// The counter's whole-Wh resolution lets one reading show up to 1 Wh more than was used since
    /// the previous one (energy drawn before it but not yet counted then): the jump limit allows it.
    public static let jumpSlack = WattHours(1)

    /// Takes a successful meter reading: cumulative `counter`, instantaneous `power`, read at `atMs`
    /// (Unix ms, from the same clock as every other `atMs`) and `boot` (the boot clock: what the
    /// jump limit measures elapsed time by; nil only where no boot clock exists). `resolution` is how
    /// much more than was used one reading can show (1 Wh for a whole-Wh register; a float32 kWh
    /// counter's step at large values is coarser): the jump limit allows it.
    ///
    /// A normal advance is billed in memory. After a restart the reference is the last journaled
    /// counter, so the first reading bills exactly the energy used since the last checkpoint,
    /// including while the daemon was down: nothing lost (the meter kept counting), nothing doubled
    /// (what was billed in memory but not journaled was never persisted).
    public mutating func observe(counter: WattHours, power: Deciwatts, atMs: WallClockMs, boot: BootStamp?,
                                 resolution: WattHours = Account.jumpSlack) -> ObserveOutcome {
        lastReadMs = atMs
        self.power = power
        trackOverload(power: power, atMs: atMs)
        guard counter.value >= 0 else {
            return .refused(.invalidEvent(reason: "meter counter \(counter.value) Wh is negative"))
        }
        guard let reference = self.counter else {
            return .journal(.counterCheckpoint(counter: counter, atMs: atMs, boot: boot))
        }
        if counter < reference {
            return .journal(.counterRebaselined(from: reference, to: counter, atMs: atMs, boot: boot))
        }
        let delta = WattHours(counter.value - reference.value)   // both non-negative: cannot overflow
        let now = ReadingTime(wallMs: atMs, boot: boot)
        if let since = latest?.time ?? state.counterAtMs.map({ ReadingTime(wallMs: $0, boot: state.counterBoot) }),
           let elapsed = now.elapsedMs(since: since),
           delta > Account.jumpLimit(elapsedMs: samplingWindowMs(elapsed), maxPower: policy.physicalMaxPower,
                                     slack: resolution) {
            return .journal(.counterJumpRejected(from: reference, to: counter, atMs: atMs, boot: boot))
        }
        var next = self
        next.latest = CounterReading(counter: counter, time: now)
        do { try next.refreshFigures() } catch { return .refused(error) }
        self = next
        return .billed(delta: delta)
    }

    /// The checkpoint to journal (at most every `journal.checkpoint`) when the in-memory reading is
    /// ahead of the journaled counter; nil when nothing changed. Stamped with that reading's time.
    public func checkpointEvent() -> AccountEvent? {
        guard let reading = latest, reading.counter != state.counter else { return nil }
        return .counterCheckpoint(counter: reading.counter, atMs: reading.time.wallMs, boot: reading.time.boot)
    }

    /// After the meter acknowledged `reset-energy` (its counter is 0 from that instant): bill up to
    /// the last reading and continue from zero, so the next reading bills all energy since the reset.
    public func meterResetEvent(atMs: WallClockMs, boot: BootStamp?) -> AccountEvent? {
        guard let reference = counter else { return nil }
        return .counterRebaselined(from: reference, to: .zero, atMs: atMs, boot: boot)
    }

    /// The most energy the circuit can draw in `elapsedMs` at `maxPower`, plus the slack.
    public static func jumpLimit(elapsedMs: Int64, maxPower: Deciwatts, slack: WattHours = jumpSlack) -> WattHours {
        // ms × dW / (3 600 000 ms/h × 10 dW/W) = Wh
        let energy = Int128(max(elapsedMs, 0)) * Int128(max(maxPower.value, 0)) / 36_000_000
        let limit = energy + Int128(max(slack.value, 0))
        return WattHours(limit > Int128(Int64.max) ? Int64.max : Int64(limit))
    }

    /// The longest time that can separate the samples of two readings whose stamps are `elapsed`
    /// apart (see `AccountPolicy.readingLatencyMs`); saturating.
    func samplingWindowMs(_ elapsed: Int64) -> Int64 {
        let (window, overflow) = elapsed.addingReportingOverflow(max(policy.readingLatencyMs, 0))
        return overflow ? Int64.max : window
    }

    /// Latches the overload trip once readings have stayed above `max_power` for its grace. Only
    /// readings can show power, so the trip happens at the first reading at or past the grace.
    mutating func trackOverload(power: Deciwatts, atMs: WallClockMs) {
        guard let limit = policy.maxPower, power > limit else {
            overPowerSinceMs = nil
            return
        }
        let since = overPowerSinceMs ?? atMs
        overPowerSinceMs = since
        if atMs.millis(since: since) >= policy.maxPowerGraceMs { overloadTripped = true }
    }
}

