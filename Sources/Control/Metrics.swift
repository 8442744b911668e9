import Ledger

/// `metrics`: the status figures in the Prometheus text exposition format 0.0.4, one family at a
/// time (`# HELP`, `# TYPE`, then its samples), counters named `_total`, base units (watts, volts).
/// Every line begins with `#` or `tanglemeter_`, so none can be taken for a final line.
extension Reply {
    public mutating func metrics(_ view: DaemonStatusView) {
        var family = MetricFamily(reply: self)
        let meters = view.meters
        family.gauge("relay_closed", "1 when the relay is closed.", meters) { $0.relayOn ? "1" : "0" }
        family.begin("relay_reason", "gauge", "The reason for the relay state (1 for the current one).")
        for m in meters { family.sample(labels: [("meter", m.name), ("reason", m.reason.rawValue)], "1") }
        // With a damaged journal the money figures are unknown (see `status`): no samples.
        let money = view.moneyKnown ? meters : []
        family.gauge("balance_nanos", "Credit left: credited minus charged, in nanos.", money) { FixedPoint.format($0.balanceNanos, decimals: 0) }
        family.counter("credited_nanos_total", "Money credited, in nanos.", money) { "\($0.credited.value)" }
        family.counter("charged_nanos_total", "Money charged for energy, in nanos.", money) { "\($0.charged.value)" }
        family.counter("billed_wh_total", "Energy billed, in Wh.", money) { "\($0.billed.value)" }
        family.counter("payments_total", "Payments credited.", money) { "\($0.payments)" }
        family.gauge("credit_left_seconds", "Time until the balance reaches zero at the last 24 h's average power "
                     + "(absent while unknown: under an hour of history, or no load).",
                     money.filter { $0.creditLeftSeconds != nil }) { "\($0.creditLeftSeconds ?? 0)" }
        family.gauge("meter_up", "1 when the meter answers.", meters) { $0.meterOK ? "1" : "0" }
        let read = meters.filter { $0.reading != nil }
        family.gauge("meter_energy_wh", "The meter's own energy counter, in Wh.", read) { "\($0.reading?.energyWh ?? 0)" }
        family.gauge("power_watts", "Active power.", read) { FixedPoint.format(Int128($0.reading?.powerDeciwatts ?? 0), decimals: 1) }
        family.gauge("voltage_volts", "Voltage.", read) { FixedPoint.format(Int128($0.reading?.voltageDecivolts ?? 0), decimals: 1) }
        family.gauge("current_amperes", "Current.", read) { FixedPoint.format(Int128($0.reading?.currentMilliamps ?? 0), decimals: 3) }
        family.gauge("frequency_hertz", "Mains frequency.", read) { FixedPoint.format(Int128($0.reading?.frequencyDecihertz ?? 0), decimals: 1) }
        family.gauge("power_factor", "Power factor.", read) { FixedPoint.format(Int128($0.reading?.powerFactorHundredths ?? 0), decimals: 2) }
        family.gauge("reading_age_seconds", "Age of the last reading.", read) { FixedPoint.format(Int128($0.reading?.ageMs ?? 0), decimals: 3) }
        family.counter("modbus_reads_total", "Successful reads of the meter.", meters) { "\($0.counters.reads)" }
        family.counter("modbus_timeouts_total", "Reads that timed out.", meters) { "\($0.counters.timeouts)" }
        family.counter("modbus_crc_errors_total", "Replies with a bad CRC.", meters) { "\($0.counters.crcErrors)" }
        family.counter("modbus_exceptions_total", "Modbus exception replies.", meters) { "\($0.counters.exceptions)" }
        family.begin("node_state", "gauge", "The IOTA node's state (1 for the current one).")
        for state in [NodeHealth.ok, .fault, .off] {
            family.sample(labels: [("state", state.rawValue)], view.node == state ? "1" : "0")
        }
        family.begin("node_failovers_total", "counter", "Switches to the next iota.node URL after a failure.")
        family.sample(labels: [], "\(view.nodeFailovers)")
        family.begin("payment_history_gaps_total", "counter", "Addresses whose history below the node's available range was missed.")
        family.sample(labels: [], "\(view.paymentHistoryGaps)")
        family.begin("journal_damaged", "gauge", "1 when the journal is damaged and relays are held open.")
        family.sample(labels: [], view.journal == .damaged ? "1" : "0")
        family.begin("journal_write_failing", "gauge", "1 while journal writes fail (disk full or I/O error) and credits are refused.")
        family.sample(labels: [], view.journal == .full || view.journal == .failing ? "1" : "0")
        family.begin("watchdog_armed", "gauge", "1 while a hardware watchdog (watchdog.device) is petted.")
        family.sample(labels: [], view.watchdog ? "1" : "0")
        family.begin("uptime_seconds", "gauge", "Seconds since the daemon started.")
        family.sample(labels: [], "\(view.uptimeSeconds)")
        self = family.reply
    }
}

/// Writes metric families into a reply; names get the `tanglemeter_` prefix.
struct MetricFamily {
    var reply: Reply
    private var name = ""

    init(reply: Reply) { self.reply = reply }

    mutating func begin(_ name: String, _ type: String, _ help: String) {
        self.name = "tanglemeter_" + name
        reply.raw("# HELP \(self.name) \(help)")
        reply.raw("# TYPE \(self.name) \(type)")
    }

    mutating func gauge(_ name: String, _ help: String, _ meters: [MeterStatusView],
                        _ value: (MeterStatusView) -> String) {
        begin(name, "gauge", help)
        for m in meters { sample(labels: [("meter", m.name)], value(m)) }
    }

    mutating func counter(_ name: String, _ help: String, _ meters: [MeterStatusView],
                          _ value: (MeterStatusView) -> String) {
        begin(name, "counter", help)
        for m in meters { sample(labels: [("meter", m.name)], value(m)) }
    }

    mutating func sample(labels: [(String, String)], _ value: String) {
        var line = name
        if !labels.isEmpty {
            line += "{"
            for (index, (label, labelValue)) in labels.enumerated() {
                if index > 0 { line += "," }
                line += label + "=\"" + escapedLabelValue(labelValue) + "\""
            }
            line += "}"
        }
        reply.raw(line + " " + value)
    }

    /// The exposition format escapes `\`, `"` and newline in label values. (Meter names and
    /// reasons need none today; this keeps a future label from breaking the format.)
    func escapedLabelValue(_ text: String) -> String {
        var result = ""
        for scalar in Reply.sanitized(text).unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
