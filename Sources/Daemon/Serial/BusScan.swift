import Config
import Meters
import ModbusRTU
import OS

/// `tanglemeter -c FILE --scan` (DESIGN §3.1): asks every address 1…247 on the configured bus
/// which supported meter answers, prints `ADDRESS MODEL ENERGY_WH` per meter and how long it took.
/// Refuses (exit 2) while a daemon holds the bus: its socket answers, or the port is opened
/// exclusively (TIOCEXCL: EBUSY for anyone but root, hence the socket check too).
func runScan(_ config: Configuration) -> Int32 {
    if case .live? = try? UnixSocket.probe(path: config.socket.path) {
        writeStderr("tanglemeter: a daemon answers on \(config.socket.path) and holds \(config.serial.device): "
                    + "stop it before scanning\n")
        return 2
    }
    let format = config.serial.format
    let port: SerialPort
    do { port = try SerialPort(device: config.serial.device, baud: config.serial.baud, format: format) } catch {
        if case .system(let failure) = error, failure.errno == .EBUSY {
            writeStderr("tanglemeter: \(config.serial.device) is held by another process (a running daemon?)\n")
        } else {
            writeStderr("tanglemeter: \(error.message)\n")
        }
        return 2
    }
    var scanner = BusScanner(bus: MeterBus(link: port, timing: BusScanner.timing(config)))
    let started = Clock.monotonicMicros()
    var found = 0
    for address in UInt8(1)...UInt8(247) {
        guard let line = scanner.identify(address) else { continue }
        writeStdout(line + "\n")
        found += 1
    }
    scanner.bus.close()
    let elapsedMs = (Clock.monotonicMicros() - started) / 1000
    writeStdout("scanned addresses 1-247 on \(config.serial.device) at \(config.serial.baud) baud "
                + "\(config.serial.format.text) in \(elapsedMs / 1000).\(threeDigits(elapsedMs % 1000)) s: "
                + "\(found) meter(s)\n")
    return 0
}

private func threeDigits(_ value: Int64) -> String {
    value < 10 ? "00\(value)" : value < 100 ? "0\(value)" : "\(value)"
}

/// The bus driven one transaction at a time, blocking: nothing else runs during a scan.
struct BusScanner {
    var bus: MeterBus<SerialPort>

    /// The wait for a reply's first byte: `serial.timeout`, but at most 100 ms. A real PZEM turns a
    /// request round in 30–90 ms (meters.md §1 Timing), so less would miss it; an empty address
    /// costs this once, so a scan of an empty bus takes about 247 × (100 ms + the request's wire time).
    static let maxReplyWaitMs: Int64 = 100

    static func timing(_ config: Configuration) -> BusTiming {
        BusTiming(baud: config.serial.baud, format: config.serial.format,
                  responseTimeoutMs: min(config.serial.timeout.value, maxReplyWaitMs))
    }

    /// `ADDRESS MODEL ENERGY_WH` for the meter at `address`, `ADDRESS unknown -` for a slave that
    /// answers like none of the models, nil when nothing answers.
    mutating func identify(_ address: UInt8) -> String? {
        // A garbled reply still shows something is there: ask once more before moving on.
        var presence = transact(MeterScan.presence(slave: address))
        if case .garbled = presence { presence = transact(MeterScan.presence(slave: address)) }
        guard case .registers = presence else {
            if case .silent = presence { return nil }
            return "\(address) unknown -"
        }
        if case .registers(let energy) = transact(MeterScan.sdmEnergy(slave: address)),
           let wattHours = try? MeterScan.sdmEnergyWattHours(energy) {
            var model = MeterModel.sdm120
            if case .registers(let lineToLine) = transact(MeterScan.sdm630Only(slave: address)),
               MeterScan.showsLineToLineVoltage(lineToLine) {
                model = .sdm630
            }
            return "\(address) \(model.rawValue) \(wattHours)"
        }
        if case .registers(let registers) = transact(PZEM004T.readRequest(slave: address)),
           let reading = try? PZEM004T.decode(registers: registers) {
            return "\(address) \(MeterModel.pzem004t.rawValue) \(reading.energyWattHours)"
        }
        return "\(address) unknown -"
    }

    enum Answer {
        case registers([UInt16])
        /// An exception, or another kind of reply.
        case refused
        /// A reply that did not decode (bad CRC, garbage, truncated).
        case garbled
        case silent
    }

    /// One transaction, waited for with poll(2).
    mutating func transact(_ request: ModbusRequest) -> Answer {
        guard bus.start(request) else { return .silent }
        while true {
            let now = Clock.monotonicMicros()
            var event = bus.handleTimer(nowMicros: now)
            if event == nil {
                let wait = max(0, ((bus.nextDeadline() ?? now + 1000) - now + 999) / 1000)
                var set = PollSet()
                let serial = bus.wantsReadable ? bus.link.descriptor.map { set.add($0, .readable) } : nil
                _ = try? set.wait(timeoutMs: Int32(clamping: wait))
                if let serial, !set.readiness(serial).isEmpty {
                    event = bus.handleReadable(nowMicros: Clock.monotonicMicros())
                }
            }
            guard let event else { continue }
            switch event {
            case .completed(_, .registers(let registers), _): return .registers(registers)
            case .completed: return .refused
            case .failed(_, .timeout): return .silent
            case .failed: return .garbled
            case .portFailed: return .silent
            }
        }
    }
}
