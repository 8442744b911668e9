import OS
import Config
import Control
import Journal
import Ledger
import Meters
import ModbusRTU

/// `reload` and SIGHUP: re-read the configuration; a bad file is refused and the old one stays.
extension Daemon {
    /// Reloads the configuration file. Returns the error to report, or nil when it took effect.
    /// What the running daemon can change in place — tariffs, limits, friendly hours, emergency
    /// credit, intervals, payment nodes — changes; what would need the bus, the socket, the
    /// GPIO lines or the journal re-opened is refused with 409 and needs a restart.
    func reload() -> ControlError? {
        let text: String
        do { text = try readTextFile(configPath) } catch {
            log.error("reload refused: \(error.message)")
            return .malformed(error.message)
        }
        let next: Configuration
        do { next = try Configuration.parse(text: text, path: configPath) } catch {
            log.error("reload refused, the old configuration stays: \(error.message)")
            return .malformed(error.message)
        }
        if let why = Daemon.restartNeeded(from: config, to: next) {
            log.error("reload refused: \(why) needs a restart; the old configuration stays")
            return .conflict("\(why) needs a restart")
        }
        config = next
        plant.reconfigure(next, nowWall: Clock.wallNow())
        payments?.reconfigure(settings: next.iota)
        poller.reconfigure(pollIntervalMs: next.pollInterval.value)
        plant.decideAndDriveAll(nowMono: Clock.monotonicMs())
        log.notice("configuration reloaded from \(configPath)")
        return nil
    }

    /// The first setting that cannot change while running, or nil.
    static func restartNeeded(from old: Configuration, to new: Configuration) -> String? {
        if old.serial != new.serial { return "changing serial.*" }
        if old.socket != new.socket { return "changing socket.*" }
        if old.journal.path != new.journal.path { return "changing journal.path" }
        if old.gpio != new.gpio { return "changing gpio.*" }
        if old.log != new.log { return "changing log" }
        if old.watchdog != new.watchdog { return "changing watchdog.*" }
        if old.iota.nodes.isEmpty != new.iota.nodes.isEmpty { return "turning payments on or off" }
        if old.meters.map({ $0.name }) != new.meters.map({ $0.name }) { return "adding, removing or renaming meters" }
        for (a, b) in zip(old.meters, new.meters) {
            if a.modbusAddress != b.modbusAddress || a.relay != b.relay || a.led != b.led || a.model != b.model {
                return "changing \(a.name)'s modbus.address, relay, led or model"
            }
            // Kept to a restart, where the new address's watermark starts afresh (ScanStart).
            if a.iotaAddress != b.iotaAddress { return "changing \(a.name)'s iota.address" }
        }
        return nil
    }
}
