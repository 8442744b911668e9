import IotaRPC
import Ledger
import Meters

/// The resolved configuration of DESIGN §3.2: every key with its value, defaults applied.
/// Built only by `Configuration.parse(text:path:)`, so every value in it has been validated.
public struct Configuration: Equatable, Sendable {
    /// Where the daemon looks without `-c FILE` (DESIGN §3.1).
    public static let defaultPath = "/etc/tanglemeter.conf"

    public var serial = SerialSettings()
    /// `poll.interval`: time between polls of one meter.
    public var pollInterval = Milliseconds(1000)
    public var socket = SocketSettings()
    public var journal = JournalSettings()
    public var gpio = GPIOSettings()
    public var iota = IotaSettings()
    /// `meter.fault_timeout`: how long a meter may be unreadable before its relay opens.
    public var meterFaultTimeout = Milliseconds(10_000)
    public var watchdog = WatchdogSettings()
    /// `log`
    public var log = LogTarget.stderr
    /// The `[meter NAME]` sections in file order; at least one, names and lines unique.
    public var meters: [MeterConfig] = []

    init() {}
}

/// `serial.*`: the bus all meters share.
public struct SerialSettings: Equatable, Sendable {
    public var device = "/dev/ttyUSB0"
    public var baud = 9600
    public var format = SerialFormat.eightNoneOne
    /// Modbus response timeout.
    public var timeout = Milliseconds(300)
}

/// `socket.*`: the control socket.
public struct SocketSettings: Equatable, Sendable {
    public var path = "/run/tanglemeter.sock"
    /// Permission bits (`socket.mode = 0660`), at most 0777.
    public var mode: UInt32 = 0o660
    /// Group whose members may use admin commands; root always may.
    public var adminGroup: String? = nil
}

/// `journal.*`
public struct JournalSettings: Equatable, Sendable {
    public var path = "/var/lib/tanglemeter/journal"
    /// How often consumption is journaled when it changes.
    public var checkpoint = Milliseconds(60_000)
}

/// `gpio.*`. A `sim` backend always has a `simDir`.
public struct GPIOSettings: Equatable, Sendable {
    public var backend = GPIOBackendKind.gpiod
    public var chip = GPIOChip.auto
    public var simDir: String? = nil
}

/// `gpio.backend`
public enum GPIOBackendKind: String, Equatable, Sendable {
    case gpiod, sim
}

/// `gpio.chip`: how the gpiod backend finds its chip.
public enum GPIOChip: Equatable, Sendable {
    /// The Raspberry Pi 40-pin header's chip, found by label (`pinctrl-rp1`, `pinctrl-bcm2711`, …).
    case auto
    /// `gpiochip0`
    case name(String)
    /// `/dev/gpiochip0`
    case path(String)
    /// Any other text: a chip label such as `pinctrl-rp1`.
    case label(String)

    public var text: String {
        switch self {
        case .auto: return "auto"
        case .name(let text), .path(let text), .label(let text): return text
        }
    }
}

/// `watchdog.*`: a hardware watchdog petted while the loop turns. No `device`: none.
public struct WatchdogSettings: Equatable, Sendable {
    public var device: String? = nil
    /// Whole seconds, 1…255 (WDIOC_SETTIMEOUT takes seconds; the Pi allows at most 15).
    public var timeout = Milliseconds(15_000)
}

/// `iota.*`: payments. No `node`: payments off, credit only by admin command.
public struct IotaSettings: Equatable, Sendable {
    /// `iota.node`: the endpoints, tried in this order; empty: payments off.
    public var nodes: [NodeURL] = []
    public var pollInterval = Milliseconds(10_000)
    public var chain = IotaChain.mainnet
    /// CA bundle for TLS; nil: the system's.
    public var caFile: String? = nil
    public var creditExisting = false
}

/// `log`
public enum LogTarget: String, Equatable, Sendable {
    case stderr, syslog
}

/// `model`: the supported meter models, as the Meters module defines them.
public typealias MeterModel = Meters.MeterModel

/// A GPIO output line (relay or LED), as configured and as the GPIO backends claim it.
public struct GPIOLine: Equatable, Sendable {
    /// Line offset on the chip (also the file name under `gpio.sim_dir`), 0…1023.
    public var offset: UInt32
    /// The device is on when the line is low (`relay.active_low`, `led.active_low`).
    public var activeLow: Bool

    public init(offset: UInt32, activeLow: Bool) {
        self.offset = offset
        self.activeLow = activeLow
    }

    /// The physical level for a logical state: active-low inverts.
    public func level(active: Bool) -> Bool { active != activeLow }
}

/// One `[meter NAME]` section: a circuit, its meter, relay, LED and account.
public struct MeterConfig: Equatable, Sendable {
    /// `[a-z0-9_-]{1,32}`, unique.
    public var name: String
    public var model = MeterModel.pzem004t
    /// Modbus slave address 1…247, unique on the bus.
    public var modbusAddress = 1
    public var relay: GPIOLine
    public var led: GPIOLine? = nil
    /// Where this meter's payments arrive, parsed once here; nil: credit only by admin command.
    public var iotaAddress: IotaAddress? = nil
    public var tariff: Tariff
    /// Open the relay when power stays above this for `maxPowerGrace`; nil: no limit.
    public var maxPower: Deciwatts? = nil
    public var maxPowerGrace = Milliseconds(5000)
    /// Below this much energy at the tariff, the LED warns.
    public var lowCredit = WattHours(100)
    public var friendlyHours: FriendlyHours? = nil
    /// Granted once automatically when credit runs out; nil: none.
    public var emergencyCredit: Nanos? = nil

    public init(name: String, relay: GPIOLine, tariff: Tariff) {
        self.name = name
        self.relay = relay
        self.tariff = tariff
    }
}
