import CSystem
import Config
import Control
import Journal
import Ledger
import Meters
import ModbusRTU

/// Why the daemon could not start or had to stop: the exit status of DESIGN §3.1 and a message.
struct DaemonFailure: Error {
    var status: Int32
    var message: String
}

/// The running daemon: every piece of state the loop serves, and the start-up order that makes
/// the guarantees hold (lines claimed inactive before anything else can move them, the journal
/// recovered before any relay may close, the socket bound only when no live daemon owns it).
final class Daemon {
    let configPath: String
    var config: Configuration
    let log: Log
    var circuits: [Circuit] = []
    /// Accounts found in the journal whose meter is no longer configured: kept, never dropped,
    /// so their money survives in every snapshot.
    var orphanStates: [MeterSnapshot] = []
    var bus: MeterBus<SerialPort>
    let gpio: any GPIOBackend
    var journal: JournalFile?
    var journalDamaged = false
    let signals: SignalSource
    var server: ControlServer<LineFramer>!
    /// Watching clients and the meter each watches (nil: all).
    var watchers: [ControlClientID: String?] = [:]
    var payments: PaymentService?
    let startedMono: Int64
    /// Set by SIGTERM/SIGINT: the loop finishes the bus transaction in flight, then stops.
    var stopRequestedMono: Int64?

    init(configPath: String, config: Configuration) throws(DaemonFailure) {
        self.configPath = configPath
        self.config = config
        self.log = Log(config.log == .syslog ? .syslog : .stderr)
        startedMono = Clock.monotonicMs()
        let nowWall = Clock.wallMs()

        do { signals = try SignalSource() } catch { throw DaemonFailure(status: 2, message: error.message) }

        // The bus: a device that is missing now is a meter fault, not a reason to refuse to start.
        let timing = BusTiming(baud: config.serial.baud, format: Daemon.serialFormat(config.serial.format),
                               responseTimeoutMs: config.serial.timeout.value)
        let port = SerialPort.closed(device: config.serial.device, baud: config.serial.baud,
                                     format: Daemon.serialFormat(config.serial.format))
        bus = MeterBus(link: port, timing: timing)

        // GPIO first: every line claimed inactive, so nothing is switched on by starting.
        var gpiod: GpiodBackend? = nil
        switch config.gpio.backend {
        case .sim: gpio = SimGPIO(directory: config.gpio.simDir ?? "/run/tanglemeter-gpio")
        case .gpiod:
            let backend = GpiodBackend(chip: config.gpio.chip.text)
            gpiod = backend
            gpio = backend
        }
        var lines: [GPIOLineRequest] = []
        for meter in config.meters {
            lines.append(GPIOLineRequest(offset: UInt32(meter.relay.offset), activeLow: meter.relay.activeLow))
            if let led = meter.led { lines.append(GPIOLineRequest(offset: UInt32(led.offset), activeLow: led.activeLow)) }
        }
        do { try gpio.claim(lines: lines) } catch {
            signals.close()
            // No chip matches gpio.chip: the configuration is wrong (exit 1), not the runtime.
            var status: Int32 = 2
            if case .chipNotFound = error { status = 1 }
            throw DaemonFailure(status: status, message: "gpio: \(error.message)")
        }

        // The control socket: refuses to take over a live daemon's (exit 2).
        do {
            server = try ControlServer(path: config.socket.path, mode: config.socket.mode,
                                       adminGroup: config.socket.adminGroup) { peer, item in
                // A strong capture: the daemon and its server live until the process exits.
                self.handle(peer: peer, item: item)
            }
        } catch {
            gpio.release()
            signals.close()
            throw DaemonFailure(status: 2, message: "socket: \(error.message)")
        }

        // The journal: recovered before any relay may close.
        do {
            try recoverJournal(nowWall: nowWall)
        } catch {
            server.shutdown()
            gpio.release()
            signals.close()
            throw error
        }
        if !config.iota.nodes.isEmpty {
            payments = PaymentService(settings: config.iota, log: log)
        }
        // Which chip `gpio.chip = auto` found is worth one line: chip numbers move between kernels.
        let gpioText = gpiod.map { "GPIO chip \($0.chipDescription)" } ?? "sim GPIO in \(config.gpio.simDir ?? "")"
        log.notice("started: \(circuits.count) meter(s) on \(config.serial.device), \(gpioText), socket \(config.socket.path), "
                   + "journal \(config.journal.path)\(journalDamaged ? " (DAMAGED)" : ""), payments "
                   + (config.iota.nodes.isEmpty ? "off" : "from " + config.iota.nodes.map { $0.text }.joined(separator: " then ")))
    }

    static func serialFormat(_ f: Config.SerialFormat) -> SerialFormat {
        let parity: SerialFormat.Parity
        switch f.parity {
        case .none: parity = .none
        case .even: parity = .even
        case .odd: parity = .odd
        }
        return SerialFormat(dataBits: f.dataBits, parity: parity, stopBits: f.stopBits)
    }

    static func policy(for meter: MeterConfig, config: Configuration) -> AccountPolicy {
        var policy = AccountPolicy(tariff: meter.tariff)
        policy.maxPower = meter.maxPower.map { Ledger.Deciwatts($0.value) }
        policy.maxPowerGraceMs = meter.maxPowerGrace.value
        policy.lowCredit = meter.lowCredit
        policy.friendlyHours = meter.friendlyHours.flatMap {
            try? Ledger.FriendlyHours(startMinute: $0.startMinute, endMinute: $0.endMinute)
        }
        policy.emergencyCredit = meter.emergencyCredit ?? .zero
        policy.meterFaultTimeoutMs = config.meterFaultTimeout.value
        policy.readingLatencyMs = config.serial.timeout.value
        return policy
    }

    func circuit(named name: String) -> Circuit? {
        for c in circuits where c.name == name { return c }
        return nil
    }

    var uptimeSeconds: Int64 { (Clock.monotonicMs() - startedMono) / 1000 }
}
