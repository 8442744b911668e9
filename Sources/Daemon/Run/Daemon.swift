import OS
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

/// The running daemon: the components the loop wires together, and the start-up order that makes
/// the guarantees hold (lines claimed inactive before anything else can move them, the journal
/// recovered before any relay may close, the socket bound only when no live daemon owns it).
///
/// - `journal` (`JournalGate`): the journal file, the one `commit` path, damage, outages, compaction;
/// - `plant` (`Plant`): the circuits, their accounts, relay decisions and LED schedules, the GPIO lines;
/// - `poller` (`MeterPoller`): the serial bus, one Modbus transaction at a time, each reading billed
///   through the plant; `reset-energy`'s steps decided by `ResetEnergy`;
/// - `payments` (`PaymentService`): the node, handed the plant as its `PaymentSink`;
/// - `server` (`ControlServer`): the socket, answered from all of them (`Commands.swift`);
/// - `watch` (`WatchStreams`): which clients watch which meter's readings.
final class Daemon {
    let configPath: String
    var config: Configuration
    let log: Log
    let journal: JournalGate
    let plant: Plant
    /// Made once the server is: it answers `reset-energy` requesters and watchers through it.
    private(set) var poller: MeterPoller!
    let signals: SignalSource
    var server: ControlServer<LineFramer>!
    let watch = WatchStreams()
    var payments: PaymentService?
    /// `watchdog.device`, armed at the end of start-up and petted by the loop.
    var watchdog: Watchdog?
    let startedMono: Int64
    /// Set by SIGTERM/SIGINT: the loop finishes the bus transaction in flight, then stops.
    var stopRequestedMono: Int64?

    init(configPath: String, config: Configuration) throws(DaemonFailure) {
        self.configPath = configPath
        self.config = config
        self.log = Log(config.log)
        startedMono = Clock.monotonicMs()
        let nowWall = Clock.wallNow()

        do { signals = try SignalSource() } catch { throw DaemonFailure(status: 2, message: error.message) }

        // GPIO: every line claimed inactive, so nothing is switched on by starting.
        var gpiod: GpiodBackend? = nil
        let gpio: any GPIOBackend
        switch config.gpio.backend {
        case .sim: gpio = SimGPIO(directory: config.gpio.simDir ?? "/run/tanglemeter-gpio")
        case .gpiod:
            let backend = GpiodBackend(chip: config.gpio.chip.text)
            gpiod = backend
            gpio = backend
        }
        var lines: [GPIOLine] = []
        for meter in config.meters {
            lines.append(meter.relay)
            if let led = meter.led { lines.append(led) }
        }
        // The journal before the lines are claimed: its lock decides whether this daemon may run at
        // all (a second daemon on the same journal must not touch the first one's lines or socket),
        // and it is recovered before any relay may close. A damaged journal is not replayed past
        // the damage and not written to: every relay stays open until an operator acts.
        let recovery: Recovery
        do { (journal, recovery) = try JournalGate.open(path: config.journal.path, log: log) } catch {
            signals.close()
            throw error
        }
        plant = Plant(config: config, recovery: recovery, journal: journal, gpio: gpio, log: log,
                      nowWall: nowWall, nowMono: Clock.monotonicMs())
        if !journal.isDamaged {
            // What start-up itself changes: a tariff edited while the daemon was down.
            do throws(DaemonFailure) {
                try journal.journalStart(atMs: nowWall)
                do { try plant.journalTariffChanges(atMs: nowWall) } catch {
                    throw DaemonFailure(status: 2, message: "journal: " + error.message)
                }
            } catch {
                journal.close()
                signals.close()
                throw error
            }
        }
        do { try gpio.claim(lines: lines) } catch {
            journal.close()
            signals.close()
            // No chip matches gpio.chip, or no libgpiod: the configuration or the installation is
            // wrong (exit 1), not the runtime.
            var status: Int32 = 2
            switch error {
            case .chipNotFound, .libraryMissing, .libraryUnusable: status = 1
            default: break
            }
            throw DaemonFailure(status: status, message: "gpio: \(error.message)")
        }

        // The control socket: refuses to take over a live daemon's (exit 2).
        do {
            server = try ControlServer(path: config.socket.path, mode: config.socket.mode,
                                       adminGroup: config.socket.adminGroup, watchEnd: Array("OK\n".utf8)) { peer, item in
                // A strong capture: the daemon and its server live until the process exits.
                self.handle(peer: peer, item: item)
            }
        } catch {
            gpio.release()
            journal.close()
            signals.close()
            throw DaemonFailure(status: 2, message: "socket: \(error.message)")
        }
        // The bus: a device that is missing now is a meter fault, not a reason to refuse to start.
        poller = MeterPoller(serial: config.serial, pollIntervalMs: config.pollInterval.value, plant: plant, log: log,
                             answer: { bytes, id in self.server.complete(bytes, to: id, now: Clock.monotonicMs()) },
                             readingTaken: { c in self.pushWatchLine(for: c) })

        if !config.iota.nodes.isEmpty {
            payments = PaymentService(settings: config.iota, log: log, sink: plant)
        }
        // On a Raspberry Pi kernel a crash leaves a released relay line driven: say how to fix it.
        if config.gpio.backend == .gpiod, let found = ReleasedOutputs.persisting() {
            log.warning("gpio: " + ReleasedOutputs.warning(found))
        }
        // The watchdog last: armed only when nothing else can fail, before any relay may close.
        if let device = config.watchdog.device {
            do {
                watchdog = try Watchdog.open(device: device, timeoutSeconds: Int32(config.watchdog.timeout.value / 1000),
                                             nowMono: Clock.monotonicMs())
            } catch {
                payments?.close()
                server.shutdown()
                gpio.release()
                journal.close()
                signals.close()
                throw DaemonFailure(status: 2, message: error.message)
            }
        }
        // Which chip `gpio.chip = auto` found is worth one line: chip numbers move between kernels.
        let gpioText = gpiod.map { "GPIO chip \($0.chipDescription) with \($0.statusName)" }
            ?? "sim GPIO in \(config.gpio.simDir ?? "")"
        log.notice("started: \(plant.circuits.count) meter(s) on \(config.serial.device), \(gpioText), socket \(config.socket.path), "
                   + "journal \(config.journal.path)\(journal.isDamaged ? " (DAMAGED)" : ""), payments "
                   + (config.iota.nodes.isEmpty ? "off" : "from " + config.iota.nodes.map { $0.text }.joined(separator: " then "))
                   + ", watchdog " + (watchdog.map { "\($0.device) (\($0.timeoutSeconds) s)" } ?? "off"))
    }

    var uptimeSeconds: Int64 { (Clock.monotonicMs() - startedMono) / 1000 }
}
