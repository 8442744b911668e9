import CSystem
import Config
import Control
import Journal
import Ledger
import Meters
import ModbusRTU

/// Payments from the IOTA node (filled in when the transport and decoders land).
final class PaymentService {
    var health: Control.NodeHealth = .ok
    init(node: Config.NodeURL, settings: IotaSettings, log: Log) {}
    func reconfigure(settings: IotaSettings) {}
    func service(daemon: Daemon, nowMono: Int64) {}
    func nextDeadline(nowMono: Int64) -> Int64? { nil }
    func appendPollDescriptors(to fds: inout [pollfd]) {}
    func handle(fd: Int32, revents: Int16) {}
    func close() {}
}
