import Config
import Control
import Ledger
import Meters

/// One `[meter NAME]` section at run time: its account, its meter as the bus polls it, and its
/// relay and LED. The plant owns the circuits; nothing here does I/O.
final class Circuit {
    let name: String
    var config: MeterConfig
    /// Changed only through `Plant.commit` (journal first).
    var account: Account
    /// The relay decision in force, what the lines are driven to, and the LED's blink schedule.
    var outputs: CircuitOutputs
    /// The meter's side, kept by `MeterPoller`.
    var meter: MeterPoll
    /// When consumption was last journaled (monotonic ms).
    var lastCheckpointMono: Int64

    init(config: MeterConfig, account: Account, outputs: CircuitOutputs, nowMono: Int64) {
        self.name = config.name
        self.config = config
        self.account = account
        self.outputs = outputs
        self.meter = MeterPoll(nextPollMono: nowMono)
        self.lastCheckpointMono = nowMono
    }

    var slave: UInt8 { UInt8(truncatingIfNeeded: config.modbusAddress) }
}

/// A circuit's meter as the bus polls it: its last reading, whether it answers, its next turn on
/// the bus, and a `reset-energy` under way.
struct MeterPoll {
    /// The last good reading and when it arrived (monotonic ms).
    var reading: Reading?
    var readingAtMono: Int64?
    /// Whether the last transaction with the meter succeeded (status `M.meter ok|fault`).
    var answering = false
    /// The current fault (from start, or since the meter last answered) has been logged with its cause.
    var faultLogged = false
    /// When the next poll of this meter is due (monotonic ms).
    var nextPollMono: Int64
    /// The registers of the reads of the poll in progress (a model may need several per reading).
    var blocks: [[UInt16]] = []
    /// A `reset-energy` under way and the clients waiting for it (`ResetEnergy` decides each step).
    var reset = ResetEnergy()

    init(nextPollMono: Int64) { self.nextPollMono = nextPollMono }

    /// The poll due now has started: the next is one interval after it, keeping the cadence (no
    /// drift with loop latency), but a backlog of missed polls is never caught up.
    mutating func scheduleNextPoll(nowMono: Int64, intervalMs: Int64) {
        nextPollMono += intervalMs
        if nextPollMono <= nowMono { nextPollMono = nowMono + intervalMs }
    }
}
