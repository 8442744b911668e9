import Ledger

/// A circuit's relay and LED: the decision in force, the levels the lines are driven to, and the
/// LED's blink schedule (DESIGN §3.6). No I/O: each step says which lines change, the plant drives them.
struct CircuitOutputs: Equatable {
    /// What one step changes: a line's new level (nil: leave it), and whether the relay or its
    /// reason changed, which is logged.
    struct Change: Equatable {
        var relay: Bool?
        var led: Bool?
        var relayChanged: Bool
    }

    private(set) var decision: RelayDecision
    private(set) var relayOn = false
    private(set) var ledLit = false
    /// The next LED blink edge (monotonic ms); `Int64.max` while the pattern does not blink, nil
    /// until the first decision has set the LED.
    private(set) var nextLedEdgeMono: Int64?

    /// Every line inactive, as claimed at start. `decision` is what status shows until the first one.
    init(decision: RelayDecision = RelayDecision(relayOn: false, reason: .starting, led: .off)) {
        self.decision = decision
    }

    /// Half a period of each blinking pattern: 1 Hz and 4 Hz.
    static func halfPeriodMs(_ pattern: LedPattern) -> Int64? {
        switch pattern {
        case .slowBlink: return 500
        case .fastBlink: return 125
        case .steady, .off: return nil
        }
    }

    /// Puts `decision` in force: the relay follows it, and a new LED pattern starts lit (or dark,
    /// for `off`) with its first edge half a period from now.
    mutating func apply(_ decision: RelayDecision, nowMono: Int64) -> Change {
        let previous = self.decision
        self.decision = decision
        var change = Change(relay: nil, led: nil,
                            relayChanged: decision.relayOn != relayOn || decision.reason != previous.reason)
        if decision.relayOn != relayOn {
            relayOn = decision.relayOn
            change.relay = relayOn
        }
        if decision.led != previous.led || nextLedEdgeMono == nil {
            let lit = decision.led != .off
            if lit != ledLit { change.led = lit }
            ledLit = lit
            nextLedEdgeMono = CircuitOutputs.halfPeriodMs(decision.led).map { nowMono + $0 } ?? Int64.max
        }
        return change
    }

    /// The next edge of a blinking LED, nil when it does not blink.
    var nextBlinkMono: Int64? {
        CircuitOutputs.halfPeriodMs(decision.led) == nil ? nil : nextLedEdgeMono
    }

    /// Toggles a blinking LED whose edge is due; returns its new level, or nil when nothing is due.
    mutating func blink(nowMono: Int64) -> Bool? {
        guard let half = CircuitOutputs.halfPeriodMs(decision.led), let edge = nextLedEdgeMono, edge <= nowMono else {
            return nil
        }
        ledLit.toggle()
        // Edges stay on the pattern's grid, so the blink rate does not drift with loop latency; a
        // loop that fell behind by more than a period starts a new grid instead of catching up.
        var next = edge + half
        if next <= nowMono { next = nowMono + half }
        nextLedEdgeMono = next
        return ledLit
    }

    /// The fail-safe way out: true when a line is active, and both are now to be driven inactive.
    mutating func release() -> Bool {
        guard relayOn || ledLit else { return false }
        relayOn = false
        ledLit = false
        return true
    }
}
