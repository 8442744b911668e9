import Control
import Ledger

/// `reset-energy` of one meter (DESIGN §3.3), as a rule on plain values: at the meter's next turn
/// on the bus its counter is read and billed first (`.read`), and the reset goes out (`.reset`) only
/// if billing stands at that reading, so what the meter counted since the last billed reading is
/// never lost. The clients that asked wait for the meter's answer. No I/O: `MeterPoller` sends what
/// `step` says and carries out the actions.
struct ResetEnergy: Equatable {
    enum Step: Equatable { case read, reset }

    /// What the bus does for the reset next, nil when none is under way.
    private(set) var step: Step?
    /// The clients waiting for the answer, in the order they asked.
    private(set) var requesters: [ControlClientID] = []
    /// The reset request is on the bus, its answer not yet in.
    private(set) var resetInFlight = false

    /// What the poller does with the waiting clients.
    enum Action: Equatable {
        /// Nothing to answer yet.
        case none
        /// Answer them with this error (no one, when nobody waits): the counter was not reset, or
        /// the reset was not confirmed.
        case refuse([ControlClientID], ControlError)
        /// The meter confirmed the reset: journal it, then answer them OK.
        case confirmed([ControlClientID])
    }

    /// A client asked; a second request while one is under way joins it, also while the reset
    /// request is on the bus: the meter is about to be at 0, and resetting it twice would only
    /// cost a second read and a second journal record.
    mutating func request(by id: ControlClientID) {
        if step == nil && !resetInFlight { step = .read }
        requesters.append(id)
    }

    /// The reset request has gone out on the bus.
    mutating func resetSent() {
        step = nil
        resetInFlight = true
    }

    /// A reading of the meter was taken and offered for billing: the reset may follow only if the
    /// account's counter now stands at it (billed in memory or journaled; nil: the account has no
    /// counter yet, nothing was billed).
    mutating func readingTaken(counter: WattHours, billedCounter: WattHours?, meter: String) -> Action {
        guard step == .read else { return .none }
        if billedCounter == counter {
            step = .reset
            return .none
        }
        return readFailed(meter: meter, why: "the reading was not billed")
    }

    /// The reading before the reset could not be taken or decoded: the reset is not sent (it would
    /// lose what the meter counted since the last billed reading).
    mutating func readFailed(meter: String, why: String) -> Action {
        guard step == .read else { return .none }
        step = nil
        return refuseAll(.unavailable("\(meter): not reset: the counter could not be read and billed first: \(why)"))
    }

    /// The meter answered the reset request: with the reset's echo (`confirmed`), or otherwise.
    mutating func resetAnswered(confirmed: Bool, meter: String) -> Action {
        resetInFlight = false
        guard confirmed else { return refuseAll(.unavailable("\(meter): the meter refused the reset")) }
        let waiting = requesters
        requesters = []
        return .confirmed(waiting)
    }

    /// The reset request got no answer (timeout, CRC, port gone).
    mutating func resetFailed(meter: String, why: String) -> Action {
        resetInFlight = false
        return refuseAll(.unavailable("\(meter): the meter did not confirm the reset: \(why)"))
    }

    private mutating func refuseAll(_ error: ControlError) -> Action {
        let waiting = requesters
        requesters = []
        return .refuse(waiting, error)
    }
}
