/// How each event changes the persistent state. Depends on the state and the event alone, never on
/// run-time figures, so applying the journal again rebuilds exactly the state the daemon had.
extension AccountState {
    /// How many payments `recentPayments` keeps (the `payments` command shows 10 by default).
    public static let recentPaymentLimit = 64

    /// Money charged for the energy billed so far: earlier segments' total plus this segment's
    /// energy at its tariff, floored once (DESIGN §2).
    func charged(billed: WattHours) throws(LedgerError) -> Nanos {
        let (segment, overflow) = billed.value.subtractingReportingOverflow(segmentStart.value)
        if overflow || segment < 0 {
            throw .invalidEvent(reason: "billed \(billed.value) Wh is before the tariff segment start \(segmentStart.value) Wh")
        }
        return try chargedBeforeSegment.adding(try tariff.charge(for: WattHours(segment)))
    }

    /// Applies `event` to the state alone: the one transition function, which `Account.apply` wraps
    /// with its run-time effects, and which journal recovery may call directly (it needs no policy).
    /// Atomic: on a throw the state is unchanged.
    public mutating func apply(_ event: AccountEvent) throws(LedgerError) {
        // Nine events in ten: a checkpoint changes nothing before its one check can throw, so it
        // needs no working copy (each copy retains and releases every stored reference).
        if case .counterCheckpoint(let counter, let atMs, let boot) = event {
            try checkpoint(counter, atMs: atMs, boot: boot)
            return
        }
        var next = self
        // Copy-on-write would duplicate the whole digest set for every credited payment while
        // `self` still shares it (quadratic replay: 16 s for a million records), and the recent
        // payments for every credit. `next` holds both alone while it works; a refused event gives
        // them back unchanged: `transition` changes them only as its last steps, after everything
        // that can throw.
        creditedDigests = CreditedDigests()
        recentPayments = []
        do { try next.transition(event) } catch {
            creditedDigests = next.creditedDigests
            recentPayments = next.recentPayments
            throw error
        }
        self = next
    }

    /// Applies `event` in place; on a throw the caller discards the copy it worked on.
    private mutating func transition(_ event: AccountEvent) throws(LedgerError) {
        switch event {
        case .paymentCredited(let payment):
            // Exactly-once: a digest already credited changes nothing, however often it is replayed.
            if creditedDigests.contains(payment.digest) { return }
            guard !payment.digest.isManualCredit else { throw .invalidEvent(reason: "payment without a digest") }
            try credit(payment)
            creditedDigests.insert(payment.digest)
        case .manualCredit(let amount, _, let atMs):
            try credit(Payment(digest: .manualCredit, amount: amount, checkpoint: 0, timestampMs: atMs))
        case .counterCheckpoint(let counter, let atMs, let boot):
            try checkpoint(counter, atMs: atMs, boot: boot)
        case .counterRebaselined(let from, let to, let atMs, let boot):
            try rebaseline(from: from, to: to, atMs: atMs, boot: boot)
            counterRebaselines = try increment(counterRebaselines, "re-baseline count")
        case .counterJumpRejected(let from, let to, let atMs, let boot):
            try rebaseline(from: from, to: to, atMs: atMs, boot: boot)
            counterJumpsRejected = try increment(counterJumpsRejected, "rejected jump count")
        case .tariffChanged(let price, _):
            guard price.value >= 0 else { throw .invalidEvent(reason: "negative tariff \(price.value) nanos/kWh") }
            // Close the segment exactly where billing stands, so charged does not move.
            chargedBeforeSegment = try charged(billed: billed)
            segmentStart = billed
            tariff = Tariff(pricePerKWh: price)
        case .emergencyGranted(let amount, _):
            guard amount.value > 0 else { throw .invalidEvent(reason: "emergency credit of \(amount.value) nanos") }
            emergencyGranted = amount
            emergencyArmed = false
        case .relayOverride(let override, _):
            relayOverride = override
        case .paymentWatermark(let address, let checkpoint):
            watermarkAddress = address
            watermark = checkpoint
            paymentCursor = nil
            paymentBaselineDone = false
        case .paymentCursor(let digest):
            paymentCursor = digest
        case .paymentBaseline(let cursor):
            paymentCursor = cursor
            paymentBaselineDone = true
        }
    }

    private mutating func credit(_ payment: Payment) throws(LedgerError) {
        guard payment.amount.value > 0 else {
            throw .invalidEvent(reason: "credit of \(payment.amount.value) nanos: amounts must be positive")
        }
        credited = try credited.adding(payment.amount)
        paymentCount = try increment(paymentCount, "payment count")
        // Emergency credit is repaid first: the top-up covers the debt because balance already counts
        // it. Only once the balance is positive again is emergency credit re-armed for next time.
        if try credited.subtracting(try charged(billed: billed)).value > 0 {
            emergencyGranted = .zero
            emergencyArmed = true
        }
        // Last, after everything that can throw (see `apply`).
        recentPayments.append(payment)
        if recentPayments.count > AccountState.recentPaymentLimit {
            recentPayments.removeFirst(recentPayments.count - AccountState.recentPaymentLimit)
        }
    }

    /// Bills the counter's advance from `counter` to `reading` (a first reading only sets the baseline).
    private mutating func catchUp(to reading: WattHours, what: String) throws(LedgerError) {
        guard reading.value >= 0 else { throw .invalidEvent(reason: "\(what) at negative counter \(reading.value) Wh") }
        if let old = counter {
            guard reading >= old else {
                throw .invalidEvent(reason: "\(what) at \(reading.value) Wh is behind the billed counter \(old.value) Wh")
            }
            billed = try billed.adding(WattHours(reading.value - old.value))
        }
        counter = reading
    }

    /// Bills the counter's advance to `counter`: atomic, since nothing changes before `catchUp`'s
    /// checks and sum have passed.
    private mutating func checkpoint(_ counter: WattHours, atMs: WallClockMs, boot: BootStamp?) throws(LedgerError) {
        try catchUp(to: counter, what: "checkpoint")
        counterAtMs = atMs
        counterBoot = boot
    }

    /// Bills up to `from` (the last good reading), then continues from `to` without billing the step.
    private mutating func rebaseline(from: WattHours, to: WattHours, atMs: WallClockMs, boot: BootStamp?) throws(LedgerError) {
        guard to.value >= 0 else { throw .invalidEvent(reason: "re-baseline to negative counter \(to.value) Wh") }
        try catchUp(to: from, what: "re-baseline")
        counter = to
        counterAtMs = atMs
        counterBoot = boot
    }

    private func increment(_ count: Int64, _ what: String) throws(LedgerError) -> Int64 {
        let (next, overflow) = count.addingReportingOverflow(1)
        if overflow { throw .overflow(operation: what) }
        return next
    }
}
