import Config
import Journal
import Ledger

/// The accounts a recovered journal describes: its snapshot, then each event in order, under the
/// configuration's rules. No I/O: plain values in, accounts out.
struct Replay {
    /// Every account, configured or not.
    var accounts: [String: Account] = [:]
    /// The accounts' names in the order the journal first names them, then new meters.
    var order: [String] = []
    /// An event that does not apply: the journal does not describe a valid state (damage).
    var failure: LedgerError?

    init(config: Configuration, recovery: Recovery, startedAtMs: WallClockMs) {
        // Plain states by position in `order`, mutated in place (a million records replay in about
        // a second), each wrapped in an Account once at the end. Events find their meter's position
        // through `position`, hashed only when the meter changes from the previous event's.
        var states: [AccountState] = []
        // Billing over time, for credit_left_s: the snapshot's total, then each checkpoint.
        var usage: [UsageHistory] = []
        var position: [String: Int] = [:]
        func add(_ name: String, _ state: AccountState) {
            position[name] = order.count
            order.append(name)
            states.append(state)
            usage.append(UsageHistory())
        }
        func fresh(_ name: String) -> AccountState {
            AccountState(tariff: config.meters.first { $0.name == name }?.tariff ?? Tariff(pricePerKWh: .zero))
        }
        for meter in recovery.snapshot?.meters ?? [] where position[meter.name] == nil {
            add(meter.name, meter.state)
            if let atMs = recovery.snapshot?.atMs {
                usage[usage.count - 1].record(atMs: atMs, billed: meter.state.billed)
            }
        }
        do {
            var lastName: String? = nil
            var i = 0
            for entry in recovery.events {
                if entry.meter != lastName {
                    if let known = position[entry.meter] {
                        i = known
                    } else {
                        i = order.count
                        add(entry.meter, fresh(entry.meter))
                    }
                    lastName = entry.meter
                }
                try states[i].apply(entry.event)
                if case .counterCheckpoint(_, let atMs, _) = entry.event {
                    usage[i].record(atMs: atMs, billed: states[i].billed)
                }
            }
            for meter in config.meters where position[meter.name] == nil {
                add(meter.name, fresh(meter.name))
            }
            for (i, name) in order.enumerated() {
                let meterConfig = config.meters.first { $0.name == name }
                let policy = meterConfig.map { Plant.policy(for: $0, config: config) } ?? AccountPolicy(tariff: states[i].tariff)
                var account = try Account(state: states[i], policy: policy, startedAtMs: startedAtMs)
                account.usage = usage[i]
                accounts[name] = account
            }
        } catch {
            failure = error
        }
    }
}
