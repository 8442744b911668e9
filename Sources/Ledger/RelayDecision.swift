/// Why a relay is on or off: the `M.reason` values of the status contract (DESIGN §3.3).
public enum RelayReason: String, Equatable, Sendable {
    case credit
    case emergency
    case noCredit = "no-credit"
    case friendlyHours = "friendly-hours"
    case overload
    case meterFault = "meter-fault"
    case manual
    case journalDamaged = "journal-damaged"
    case starting
}

/// The LED patterns of DESIGN §3.6.
public enum LedPattern: Equatable, Sendable {
    /// Relay closed, credit above `low_credit`.
    case steady
    /// 1 Hz: relay closed, credit below `low_credit`, on emergency credit or in friendly hours.
    case slowBlink
    /// Relay open: no credit (also while starting, or switched off by hand).
    case off
    /// 4 Hz: fault — meter unreadable, journal damaged, overload trip.
    case fastBlink
}

/// What the relay and LED should do, and why.
public struct RelayDecision: Equatable, Sendable {
    public var relayOn: Bool
    public var reason: RelayReason
    public var led: LedPattern

    public init(relayOn: Bool, reason: RelayReason, led: LedPattern) {
        self.relayOn = relayOn
        self.reason = reason
        self.led = led
    }

    /// Every relay while the journal is damaged: the state is not known, so nothing is supplied.
    public static let journalDamaged = RelayDecision(relayOn: false, reason: .journalDamaged, led: .fastBlink)
}

/// The run-time facts the decision needs besides the account.
public struct RelayInputs: Equatable, Sendable {
    /// Now, Unix ms (the clock of every `atMs`).
    public var nowMs: WallClockMs
    /// Local time, minutes after midnight (0…1439), for friendly hours.
    public var minuteOfDay: Int
    public var journalDamaged: Bool
    /// Whether the relay is closed now: friendly hours keep a closed relay closed, never close an open one.
    public var relayIsOn: Bool

    public init(nowMs: WallClockMs, minuteOfDay: Int, journalDamaged: Bool, relayIsOn: Bool) {
        self.nowMs = nowMs
        self.minuteOfDay = minuteOfDay
        self.journalDamaged = journalDamaged
        self.relayIsOn = relayIsOn
    }
}

extension Account {
    /// The relay decision, first rule that applies wins:
    /// 1. journal damaged → open;
    /// 2. starting: the meter has not answered since start, for less than `meter.fault_timeout` → open;
    /// 3. manual override `on`/`off`;
    /// 4. meter fault: no answer for `meter.fault_timeout` (counted from start if none yet) → open;
    /// 5. overload trip (latched) → open;
    /// 6. balance > 0 → on (credit);
    /// 7. emergency credit granted and balance > −granted → on (emergency);
    /// 8. in friendly hours and the relay is on now → stays on (the debt is billed as usual);
    /// 9. otherwise open (no-credit).
    public func decide(_ inputs: RelayInputs) -> RelayDecision {
        if inputs.journalDamaged { return .journalDamaged }
        let meterSilentMs = inputs.nowMs.millis(since: lastReadMs ?? startedAtMs)
        let meterFault = meterSilentMs >= policy.meterFaultTimeoutMs
        if lastReadMs == nil && !meterFault { return RelayDecision(relayOn: false, reason: .starting, led: .off) }
        let onLed: LedPattern = isLowCredit ? .slowBlink : .steady
        switch state.relayOverride {
        case .on: return RelayDecision(relayOn: true, reason: .manual, led: onLed)
        case .off: return RelayDecision(relayOn: false, reason: .manual, led: .off)
        case .auto: break
        }
        if meterFault { return RelayDecision(relayOn: false, reason: .meterFault, led: .fastBlink) }
        if overloadTripped { return RelayDecision(relayOn: false, reason: .overload, led: .fastBlink) }
        if balance.value > 0 { return RelayDecision(relayOn: true, reason: .credit, led: onLed) }
        if state.emergencyGranted.value > 0 && balance.value > -state.emergencyGranted.value {
            return RelayDecision(relayOn: true, reason: .emergency, led: .slowBlink)
        }
        if inputs.relayIsOn, let window = policy.friendlyHours, window.contains(minute: inputs.minuteOfDay) {
            return RelayDecision(relayOn: true, reason: .friendlyHours, led: .slowBlink)
        }
        return RelayDecision(relayOn: false, reason: .noCredit, led: .off)
    }
}
