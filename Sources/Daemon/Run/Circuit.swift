import Config
import Control
import Journal
import Ledger
import Meters
import ModbusRTU

/// One `[meter NAME]` section at run time: its account, the meter's last reading, and what its
/// relay and LED are driven to. The daemon owns the circuits; nothing here does I/O.
final class Circuit {
    let name: String
    var config: MeterConfig
    var account: Account
    /// The last good reading and when it arrived (monotonic ms).
    var reading: Reading?
    var readingAtMono: Int64?
    /// Whether the last transaction with the meter succeeded (status `M.meter ok|fault`).
    var meterAnswering = false
    /// The current fault (from start, or since the meter last answered) has been logged with its cause.
    var meterFaultLogged = false
    /// When the next poll of this meter is due (monotonic ms).
    var nextPollMono: Int64
    /// When consumption was last journaled (monotonic ms).
    var lastCheckpointMono: Int64
    /// The relay decision in force and what the lines are driven to now.
    var decision: RelayDecision = RelayDecision(relayOn: false, reason: .starting, led: .off)
    var relayOn = false
    var ledLit = false
    /// Next LED blink edge (monotonic ms), while the pattern blinks.
    var nextLedEdgeMono: Int64?
    /// An admin asked for `reset-energy`: at this meter's next turn on the bus the counter is read
    /// and billed (`.read`), then the reset is sent (`.reset`), so what the meter counted since the
    /// last poll is not lost. The clients that asked wait for the meter's answer.
    var resetEnergyStep: ResetEnergyStep?
    /// The registers of the reads of the poll in progress (a model may need several per reading).
    var pollBlocks: [[UInt16]] = []
    var resetRequesters: [ControlClientID] = []

    enum ResetEnergyStep { case read, reset }

    init(config: MeterConfig, account: Account, nowMono: Int64) {
        self.name = config.name
        self.config = config
        self.account = account
        self.nextPollMono = nowMono
        self.lastCheckpointMono = nowMono
    }

    var slave: UInt8 { UInt8(truncatingIfNeeded: config.modbusAddress) }
}
