import OS
import Config
import Control
import IotaRPC
import Journal
import Ledger

/// The shell around `PaymentPoller` (DESIGN §2 "Payments"): it posts the poller's requests through
/// libcurl's multi interface (never blocking the loop), hands back each outcome, and carries out
/// the poller's effects — log lines, and commits, which `Account.scanEvents` turns into journal
/// events (credits and the new watermark in one fsync'd append) before they count. Every rule is
/// the poller's; nothing here decides what a reply means.
final class PaymentService {
    private let poller: PaymentPoller
    private let log: Log
    /// The accounts: which to scan, and where a scan's credits go.
    private let sink: any PaymentSink
    private var transport: NodeTransport?
    private var inFlight: NodeRequestID?

    /// When the daemon started, if the kernel said then that the clock was synchronised.
    private let startedWallMs: Int64?
    private let wallOffsetMs = Clock.wallMs() - Clock.monotonicMs()

    init(settings: IotaSettings, log: Log, sink: any PaymentSink) {
        self.log = log
        self.sink = sink
        startedWallMs = Clock.wallSynchronised() ? Clock.wallMs() : nil
        var first = PaymentService.pollerSettings(settings)
        first.startedWallMs = startedWallMs
        first.wallOffsetMs = wallOffsetMs
        poller = PaymentPoller(settings: first, seed: PaymentService.seed())
        do { transport = try NodeTransport(caFile: settings.caFile) } catch {
            log.error("payments: \(error.message)")
        }
    }

    static func pollerSettings(_ s: IotaSettings) -> PaymentPoller.Settings {
        PaymentPoller.Settings(endpoints: s.nodes.map { $0.endpoint }, chain: s.chain, creditExisting: s.creditExisting,
                               pollIntervalMs: s.pollInterval.value)
    }

    /// Jitter must differ between devices behind one node: time and pid.
    static func seed() -> UInt64 { UInt64(truncatingIfNeeded: Clock.wallMs()) ^ UInt64(truncatingIfNeeded: Int(CurrentProcess.id)) << 32 }

    var health: NodeHealth { transport != nil && poller.nodeOK ? .ok : .fault }
    var activeURL: String? { poller.activeURL }
    var counters: (failovers: Int64, skipped: Int64, gaps: Int64) {
        (poller.failovers, poller.skippedEntries, poller.historyGaps)
    }

    /// A reload: whatever is in flight was asked of the old settings and is dropped.
    func reconfigure(settings: IotaSettings) {
        cancelInFlight()
        var next = PaymentService.pollerSettings(settings)
        next.startedWallMs = startedWallMs
        next.wallOffsetMs = wallOffsetMs
        poller.reconfigure(next, seed: PaymentService.seed())
    }

    // MARK: the loop's interface

    func appendPollDescriptors(to fds: inout PollSet) {
        guard let transport else { return }
        for d in transport.pollDescriptors() { fds.add(d.fd, d.events) }
    }

    func handle(fd: FileDescriptor, readiness: Readiness) { transport?.handle(fd: fd, readiness: readiness) }

    func nextDeadline(nowMono: Int64) -> Int64? {
        guard let transport else { return nil }
        let wake = sink.acceptsPayments ? poller.wakeAtMs(nowMs: nowMono, accounts: sink.paymentAccounts()) : nil
        guard let curl = transport.nextDeadlineMs else { return wake }
        return min(curl, wake ?? curl)
    }

    func close() {
        cancelInFlight()
        transport = nil
    }

    private func cancelInFlight() {
        if let inFlight { transport?.cancel(inFlight) }
        inFlight = nil
    }

    /// Takes the finished request, then starts the next one that is due.
    func service(nowMono: Int64) {
        guard let transport else { return }
        if let deadline = transport.nextDeadlineMs, deadline <= nowMono { transport.handleTimeout() }
        for completion in transport.takeCompleted() where completion.id == inFlight {
            inFlight = nil
            switch completion.outcome {
            case .ok(let status, let body): poller.receive(.http(status: status, body: body), nowMs: nowMono)
            case .failed(let error): poller.receive(.failed(error.message), nowMs: nowMono)
            }
            carryOut()
        }
        guard inFlight == nil, sink.acceptsPayments,
              let request = poller.next(nowMs: nowMono, accounts: sink.paymentAccounts()) else { return }
        do { inFlight = try transport.post(url: request.url, body: request.body) } catch {
            poller.receive(.failed(error.message), nowMs: nowMono)
        }
        carryOut()
    }

    private func carryOut() {
        for effect in poller.takeEffects() {
            switch effect {
            case .log(.error, let text): log.error(text)
            case .log(.warning, let text): log.warning(text)
            case .log(.notice, let text): log.notice(text)
            case .commit(let meter, let address, let payments, let watermark):
                commit(meter: meter, address: address, payments: payments, watermark: watermark)
            }
        }
    }

    /// One scan's credits and watermark, journaled together; a digest any meter holds already is
    /// refused (reported), so no payment is ever credited twice across the journal.
    private func commit(meter: String, address: IotaAddress, payments: [Payment], watermark: UInt64?) {
        guard let (events, refused) = sink.scanEvents(meter: meter, address: address, payments: payments,
                                                      watermark: watermark) else { return }
        for (payment, why) in refused {
            log.error("\(meter): payment \(payment.digest.text) not credited: \(why)")
        }
        if events.isEmpty { return }
        do { try sink.commitPayments(events, meter: meter) } catch {
            log.error("\(meter): payments: the journal refused them (\(error.message)); they will be read again")
            return
        }
        for case .paymentCredited(let p) in events {
            log.notice("\(meter): payment \(p.digest.text) of \(p.amount.iotaText) IOTA credited")
        }
        sink.decide(meter: meter)
    }
}
