import IotaRPC
import Ledger
import Meters

extension Configuration {
    /// The resolved configuration for `--check`: every key of DESIGN §3.2 with its value, defaults
    /// included, in the file's own syntax. Unset optional keys appear as `# key = (none)` comments,
    /// so the summary is itself a configuration file that parses back to the same value.
    public var summary: [String] {
        var lines: [String] = []
        func entry(_ key: String, _ value: String?) {
            lines.append(value.map { "\(key) = \($0)" } ?? "# \(key) = (none)")
        }
        entry("serial.device", serial.device)
        entry("serial.baud", "\(serial.baud)")
        entry("serial.format", serial.format.text)
        entry("serial.timeout", serial.timeout.text)
        entry("poll.interval", pollInterval.text)
        entry("socket.path", socket.path)
        entry("socket.mode", Values.octalText(socket.mode))
        entry("socket.admin_group", socket.adminGroup)
        entry("journal.path", journal.path)
        entry("journal.checkpoint", journal.checkpoint.text)
        entry("gpio.backend", gpio.backend.rawValue)
        entry("gpio.chip", gpio.chip.text)
        entry("gpio.sim_dir", gpio.simDir)
        entry("iota.node", iota.nodes.isEmpty ? nil : iota.nodes.map { $0.text }.joined(separator: " "))
        entry("iota.poll_interval", iota.pollInterval.text)
        entry("iota.chain", iota.chain.configValue)
        entry("iota.ca_file", iota.caFile)
        entry("iota.credit_existing", yesNo(iota.creditExisting))
        entry("meter.fault_timeout", meterFaultTimeout.text)
        entry("watchdog.device", watchdog.device)
        entry("watchdog.timeout", watchdog.timeout.text)
        entry("log", log.rawValue)
        for meter in meters {
            lines.append("")
            lines.append("[meter \(meter.name)]")
            entry("model", meter.model.rawValue)
            entry("modbus.address", "\(meter.modbusAddress)")
            entry("relay.line", "\(meter.relay.offset)")
            entry("relay.active_low", yesNo(meter.relay.activeLow))
            entry("led.line", meter.led.map { "\($0.offset)" })
            entry("led.active_low", meter.led.map { yesNo($0.activeLow) })
            entry("iota.address", meter.iotaAddress?.text)
            entry("tariff", "\(meter.tariff.pricePerKWh.iotaText) IOTA/kWh")
            entry("max_power", meter.maxPower.map(QuantityText.power))
            entry("max_power.grace", meter.maxPowerGrace.text)
            entry("low_credit", QuantityText.energy(meter.lowCredit))
            entry("friendly_hours", meter.friendlyHours?.text)
            entry("emergency_credit", meter.emergencyCredit.map { "\($0.iotaText) IOTA" })
        }
        return lines
    }

    private func yesNo(_ flag: Bool) -> String { flag ? "yes" : "no" }
}
