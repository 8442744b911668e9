import OS
import Config
import IotaRPC
import Ledger

/// What the payments need of the accounts, and no more: which to scan, and where a scan's credits
/// go. The plant is the one conformer; the payments never see the daemon.
protocol PaymentSink: AnyObject {
    /// False while the journal is damaged: nothing is asked of the node or credited.
    var acceptsPayments: Bool { get }
    /// Every meter with an `iota.address`, and where its scan starts.
    func paymentAccounts() -> [PollAccount]
    /// A scan's events for `meter` (`Account.scanEvents`), and the payments refused with why; nil
    /// when the meter no longer scans `address`.
    func scanEvents(meter: String, address: IotaAddress, payments: [Payment], watermark: UInt64?)
        -> (events: [AccountEvent], refused: [(Payment, String)])?
    /// Journals and applies them.
    func commitPayments(_ events: [AccountEvent], meter: String) throws(CommitError)
    /// Decides and drives the meter's relay and LED: called once the credits are journaled and
    /// logged, so the log says what was credited before what the relay did about it.
    func decide(meter: String)
}

extension Plant: PaymentSink {
    var acceptsPayments: Bool { !journal.isDamaged }

    func paymentAccounts() -> [PollAccount] {
        var accounts: [PollAccount] = []
        for c in circuits {
            guard let address = c.config.iotaAddress else { continue }
            accounts.append(PollAccount(meter: c.name, address: address,
                                        start: ScanStart(state: c.account.state, address: address)))
        }
        return accounts
    }

    func scanEvents(meter: String, address: IotaAddress, payments: [Payment], watermark: UInt64?)
        -> (events: [AccountEvent], refused: [(Payment, String)])? {
        // The meter still has this address (a reload cannot change it; a restart starts afresh).
        guard let c = circuit(named: meter), c.config.iotaAddress == address else { return nil }
        return c.account.scanEvents(payments: payments, address: address.text, watermark: watermark,
                                    creditedBy: { self.meter(crediting: $0, except: meter) })
    }

    func commitPayments(_ events: [AccountEvent], meter: String) throws(CommitError) {
        guard let c = circuit(named: meter) else { return }
        try commit(events, to: c)
    }

    func decide(meter: String) {
        guard let c = circuit(named: meter) else { return }
        decideAndDrive(c, nowMono: Clock.monotonicMs())
    }
}
