import IotaRPC
import Ledger
import Meters

/// Why one `key = value` line was refused.
enum KeyProblem: Error {
    case unknown
    /// The key exists, in the other scope; the text says where it belongs.
    case wrongScope(String)
    case invalid(Expected)

    /// A key the current scope does not have: the other scope's (with where it belongs), or unknown.
    static func notIn(_ key: Substring, otherScope: [String], hint: String) -> KeyProblem {
        otherScope.contains(String(key)) ? .wrongScope(hint) : .unknown
    }
}

/// Every key of DESIGN §3.2 and where it may appear. The parser and `summary` both walk these
/// tables, so a key added here is parsed and printed, and a key in the wrong scope gets a hint.
enum Keys {
    static let global = [
        "serial.device", "serial.baud", "serial.format", "serial.timeout", "poll.interval",
        "socket.path", "socket.mode", "socket.admin_group", "journal.path", "journal.checkpoint",
        "gpio.backend", "gpio.chip", "gpio.sim_dir", "iota.node", "iota.poll_interval", "iota.chain",
        "iota.ca_file", "iota.credit_existing", "meter.fault_timeout", "watchdog.device", "watchdog.timeout", "log",
    ]
    static let meter = [
        "model", "modbus.address", "relay.line", "relay.active_low", "led.line", "led.active_low",
        "iota.address", "tariff", "max_power", "max_power.grace", "low_credit", "friendly_hours",
        "emergency_credit",
    ]
    /// `sun_path` is 108 bytes including the terminating NUL.
    static let socketPathMax = 107
    /// GPIO line offsets: far above any real chip's line count, small enough for a file name.
    static let lineOffsets = 0...1023
    /// `max_power`'s bound in deciwatts: 1000 kW.
    static let maxPowerLimit: Int64 = 10_000_000
}

extension Configuration {
    /// Applies one global `key = value`.
    mutating func set(_ key: Substring, _ value: Substring) throws(KeyProblem) {
        do { if try apply(key, value) { return } } catch { throw .invalid(error) }
        throw KeyProblem.notIn(key, otherScope: Keys.meter, hint: "a meter key; it belongs in a [meter NAME] section")
    }

    /// Applies a global key; false if there is no such global key.
    private mutating func apply(_ key: Substring, _ value: Substring) throws(Expected) -> Bool {
        switch key {
        case "serial.device": serial.device = try Values.path(value)
        case "serial.baud": serial.baud = try Values.integer(value, 1200...115_200)
        case "serial.format": serial.format = try Values.serialFormat(value)
        case "serial.timeout": serial.timeout = try Values.duration(value, 10...10_000)
        case "poll.interval": pollInterval = try Values.duration(value, 100...3_600_000)
        case "socket.path": socket.path = try Values.path(value, maxBytes: Keys.socketPathMax)
        case "socket.mode": socket.mode = try Values.octalMode(value)
        case "socket.admin_group": socket.adminGroup = try Values.groupName(value)
        case "journal.path": journal.path = try Values.path(value)
        case "journal.checkpoint": journal.checkpoint = try Values.duration(value, 1000...3_600_000)
        case "gpio.backend":
            guard let backend = GPIOBackendKind(rawValue: String(value)) else { throw Expected("gpiod or sim") }
            gpio.backend = backend
        case "gpio.chip": gpio.chip = try Values.gpioChip(value)
        case "gpio.sim_dir": gpio.simDir = try Values.path(value)
        case "iota.node": iota.nodes = try NodeURL.parseList(value)
        case "iota.poll_interval": iota.pollInterval = try Values.duration(value, 100...86_400_000)
        case "iota.chain":
            guard let chain = IotaChain(configValue: String(value)) else { throw Expected("mainnet, testnet or any") }
            iota.chain = chain
        case "iota.ca_file": iota.caFile = try Values.path(value)
        case "iota.credit_existing": iota.creditExisting = try Values.bool(value)
        case "meter.fault_timeout": meterFaultTimeout = try Values.duration(value, 100...86_400_000)
        case "watchdog.device": watchdog.device = try Values.path(value)
        case "watchdog.timeout": watchdog.timeout = try Values.wholeSeconds(value, 1...255)
        case "log":
            guard let target = LogTarget(rawValue: String(value)) else { throw Expected("stderr or syslog") }
            log = target
        default: return false
        }
        return true
    }
}

/// A `[meter NAME]` section while it is being read: required keys may still be missing.
struct MeterDraft {
    var name: String
    var line: Int
    /// Line of each key seen, for duplicate and conflict messages.
    var keyLines = [String: Int]()
    /// Keys whose value was refused: not reported again as missing or conflicting.
    var failedKeys: Set<String> = []
    var config: MeterConfig
    var relayLine: Int?
    var ledLine: Int?
    var ledActiveLow = false
    var tariff: Tariff?

    init(name: String, line: Int) {
        self.name = name
        self.line = line
        config = MeterConfig(name: name, relay: GPIOLine(offset: 0, activeLow: false),
                             tariff: Tariff(pricePerKWh: .zero))
    }

    /// Applies one `key = value` of the section.
    mutating func set(_ key: Substring, _ value: Substring) throws(KeyProblem) {
        do { if try apply(key, value) { return } } catch { throw .invalid(error) }
        throw KeyProblem.notIn(key, otherScope: Keys.global,
                               hint: "a global key; it must come before the first [meter NAME] section")
    }

    /// Applies a meter key; false if there is no such meter key.
    private mutating func apply(_ key: Substring, _ value: Substring) throws(Expected) -> Bool {
        switch key {
        case "model":
            guard let model = MeterModel(rawValue: String(value)) else { throw Expected("pzem004t, sdm120 or sdm630") }
            config.model = model
        case "modbus.address": config.modbusAddress = try Values.integer(value, 1...247)
        case "relay.line": relayLine = try Values.integer(value, Keys.lineOffsets)
        case "relay.active_low": config.relay.activeLow = try Values.bool(value)
        case "led.line": ledLine = try Values.integer(value, Keys.lineOffsets)
        case "led.active_low": ledActiveLow = try Values.bool(value)
        case "iota.address": config.iotaAddress = try Values.iotaAddress(value)
        case "tariff": tariff = try Values.tariff(value)
        case "max_power":
            guard let power = try? Deciwatts.parse(value) else { throw Expected("a power like 2300W, 2300.5W or 2.3kW") }
            // Above 1 MW is no circuit a PZEM or an Eastron meter serves (the largest, an SDM630
            // on 100 A a phase, is ~70 kW): a typo, e.g. kW for W, not a limit.
            guard power.value > 0 && power.value <= Keys.maxPowerLimit else {
                throw Expected("a power above 0 and at most 1000kW, like 2300W or 2.3kW")
            }
            config.maxPower = power
        case "max_power.grace": config.maxPowerGrace = try Values.duration(value, 0...3_600_000)
        case "low_credit":
            guard let energy = try? WattHours.parse(value) else { throw Expected("an energy like 100Wh or 1.5kWh (whole Wh)") }
            config.lowCredit = energy
        case "friendly_hours":
            guard let hours = try? FriendlyHours.parse(value) else {
                throw Expected("hours like 20:00-08:00 (HH:MM-HH:MM, start and end differ)")
            }
            config.friendlyHours = hours
        case "emergency_credit": config.emergencyCredit = try Values.money(value)
        default: return false
        }
        return true
    }
}
