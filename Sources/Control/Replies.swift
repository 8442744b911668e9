import Ledger

/// The data lines of each read command (DESIGN §3.3), from the views the daemon fills.
extension Reply {
    /// `command NAME [ARGS] [(admin)]` per command of the table.
    public mutating func help() {
        for spec in CommandSpec.all { data("command", spec.synopsis) }
    }

    /// `version X.Y.Z`
    public mutating func version(_ version: String) {
        data("version", version)
    }

    /// Per meter (all, or only `meter`): the `M.*` lines; then `node`, `node.url`, `gpio`, `watchdog`,
    /// `journal`, `uptime_s`. A meter that has not answered yet shows zeros for its reading, and
    /// `M.meter fault`. With `journal damaged` the money figures (balance, credited, charged,
    /// billed, payments) come from a replay that stopped at the damage: they are `unknown`, never a
    /// partial sum shown as a balance (and `balance == credited − charged` holds as unknown ==
    /// unknown − unknown).
    public mutating func status(_ view: DaemonStatusView, meter: String? = nil) {
        let known = view.moneyKnown
        for m in view.meters where meter == nil || m.name == meter {
            let p = m.name + "."
            let reading = m.reading
            data(p + "relay", m.relayOn ? "on" : "off")
            data(p + "reason", m.reason.rawValue)
            data(p + "balance_nanos", known ? FixedPoint.format(m.balanceNanos, decimals: 0) : "unknown")
            data(p + "credited_nanos", known ? "\(m.credited.value)" : "unknown")
            data(p + "charged_nanos", known ? "\(m.charged.value)" : "unknown")
            data(p + "billed_wh", known ? "\(m.billed.value)" : "unknown")
            data(p + "meter_energy_wh", "\(reading?.energyWh ?? 0)")
            data(p + "power_w", FixedPoint.format(Int128(reading?.powerDeciwatts ?? 0), decimals: 1))
            data(p + "voltage_v", FixedPoint.format(Int128(reading?.voltageDecivolts ?? 0), decimals: 1))
            data(p + "current_a", FixedPoint.format(Int128(reading?.currentMilliamps ?? 0), decimals: 3))
            data(p + "meter", m.meterOK ? "ok" : "fault")
            data(p + "payments", known ? "\(m.payments)" : "unknown")
            data(p + "credit_left_s", known ? (m.creditLeftSeconds.map { "\($0)" } ?? "unknown") : "unknown")
        }
        data("node", view.node.rawValue)
        if let url = view.nodeURL { data("node.url", url) }
        data("gpio", view.gpio)
        data("watchdog", view.watchdog ? "on" : "off")
        data("journal", view.journal.rawValue)
        data("uptime_s", "\(view.uptimeSeconds)")
    }

    /// `meter METER`: health, the last reading in full with its age, and the bus counters.
    /// Without a reading yet, only health and counters.
    public mutating func meterDetail(_ m: MeterStatusView) {
        let p = m.name + "."
        data(p + "meter", m.meterOK ? "ok" : "fault")
        data(p + "model", m.model)
        if let r = m.reading {
            data(p + "voltage_v", FixedPoint.format(Int128(r.voltageDecivolts), decimals: 1))
            data(p + "current_a", FixedPoint.format(Int128(r.currentMilliamps), decimals: 3))
            data(p + "power_w", FixedPoint.format(Int128(r.powerDeciwatts), decimals: 1))
            data(p + "energy_wh", "\(r.energyWh)")
            data(p + "frequency_hz", FixedPoint.format(Int128(r.frequencyDecihertz), decimals: 1))
            data(p + "power_factor", FixedPoint.format(Int128(r.powerFactorHundredths), decimals: 2))
            data(p + "alarm", r.alarm ? "on" : "off")
            for (index, phase) in r.phases.enumerated() {
                let line = p + "l\(index + 1)."
                data(line + "voltage_v", FixedPoint.format(Int128(phase.voltageDecivolts), decimals: 1))
                data(line + "current_a", FixedPoint.format(Int128(phase.currentMilliamps), decimals: 3))
                data(line + "power_w", FixedPoint.format(Int128(phase.powerDeciwatts), decimals: 1))
            }
            data(p + "reading_age_ms", "\(r.ageMs)")
        }
        data(p + "reads", "\(m.counters.reads)")
        data(p + "timeouts", "\(m.counters.timeouts)")
        data(p + "crc_errors", "\(m.counters.crcErrors)")
        data(p + "exceptions", "\(m.counters.exceptions)")
    }

    /// `payment DIGEST AMOUNT_NANOS UNIX_MS`, the newest `count` first. `recent` is oldest first,
    /// as `AccountState.recentPayments` keeps it.
    public mutating func payments(_ recent: [Payment], count: Int) {
        var index = recent.count - 1
        var written = 0
        while index >= 0 && written < count {
            let payment = recent[index]
            data("payment", "\(payment.digest.text) \(payment.amount.value) \(payment.timestampMs.value)")
            index -= 1
            written += 1
        }
    }
}

/// One `watch` line, `UNIX_MS M relay=on balance_nanos=N power_w=P energy_wh=N` with its `\n`,
/// sent as each poll of meter M completes. `energy_wh` is the meter's own counter.
public func watchLine(unixMs: Int64, meter m: MeterStatusView, moneyKnown: Bool = true) -> String {
    var reply = Reply()
    reply.raw("\(unixMs) \(m.name) relay=\(m.relayOn ? "on" : "off") balance_nanos=\(moneyKnown ? FixedPoint.format(m.balanceNanos, decimals: 0) : "unknown")"
              + " power_w=\(FixedPoint.format(Int128(m.reading?.powerDeciwatts ?? 0), decimals: 1)) energy_wh=\(m.reading?.energyWh ?? 0)")
    return reply.text
}
