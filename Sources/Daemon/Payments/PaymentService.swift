import CSystem
import Config
import Control
import IotaRPC
import Ledger

/// Payments from an IOTA Rebased node (DESIGN §2 "Payments"), driven by the daemon's loop through
/// libcurl's multi interface, never blocking it. Per account with an `iota.address`: fix the
/// first-start baseline, then page through new transactions from the journaled cursor; every
/// payment is journaled (fdatasync) with the cursor move in one append before it counts. A node
/// that is down, slow, on another chain or answering garbage changes no balance: it is a `fault`
/// in status, retried with backoff.
final class PaymentService {
    private(set) var health: NodeHealth = .ok
    private var settings: IotaSettings
    private let log: Log
    private var transport: NodeTransport?
    private var chainVerified = false
    private var backoff: Backoff
    private var lastRPCID: Int64 = 0
    private var inFlight: [NodeRequestID: PendingQuery] = [:]
    /// Per meter: when its address is polled next (monotonic ms).
    private var nextPollMono: [String: Int64] = [:]
    /// When this process started (Unix ms): payments stamped from then on are not baseline, so a
    /// payment made while the node was still unreachable at first start is credited.
    private let startedWallMs = Clock.wallMs()
    /// Baseline pages looked at, per meter, while searching back for the last payment before start.
    private var baselinePages: [String: Int] = [:]
    /// Meters whose cursor the node no longer knows: scanned from the head instead.
    private var recovering: [String: RecoveryScan] = [:]

    init(node: Config.NodeURL, settings: IotaSettings, log: Log) {
        self.settings = settings
        self.log = log
        backoff = Backoff(baseMs: settings.pollInterval.value, seed: UInt64(truncatingIfNeeded: Clock.wallMs()))
        do { transport = try NodeTransport(caFile: settings.caFile) } catch {
            log.error("payments: \(error.message)")
            health = .fault
        }
    }

    func reconfigure(settings: IotaSettings) {
        if settings.chain != self.settings.chain { chainVerified = false }
        self.settings = settings
    }

    // MARK: the loop's interface

    func appendPollDescriptors(to fds: inout [pollfd]) {
        guard let transport else { return }
        for d in transport.pollDescriptors() { fds.append(pollfd(fd: d.fd, events: d.events, revents: 0)) }
    }

    func handle(fd: Int32, revents: Int16) { transport?.handle(fd: fd, revents: revents) }

    func nextDeadline(nowMono: Int64) -> Int64? {
        var next = transport?.nextDeadlineMs
        func consider(_ t: Int64) { next = min(next ?? t, t) }
        if inFlight.isEmpty {
            let notBefore = health == .fault ? backoff.nextAttemptAt(nowMs: nowMono) : nowMono
            for t in nextPollMono.values { consider(max(t, notBefore)) }
            if !chainVerified { consider(notBefore) }
        }
        return next
    }

    func close() {
        if let transport { for id in inFlight.keys { transport.cancel(id) } }
        inFlight.removeAll()
        transport = nil
    }

    /// Takes finished requests, then starts what is due.
    func service(daemon: Daemon, nowMono: Int64) {
        guard let transport else { return }
        if let deadline = transport.nextDeadlineMs, deadline <= nowMono { transport.handleTimeout() }
        for completion in transport.takeCompleted() {
            guard let query = inFlight.removeValue(forKey: completion.id) else { continue }
            finish(query, completion.outcome, daemon: daemon, nowMono: nowMono)
        }
        // One request at a time (a node is polled gently); the backoff holds everything back only
        // while the node is failing — each address keeps its own `iota.poll_interval`.
        guard inFlight.isEmpty else { return }
        if health == .fault && backoff.nextAttemptAt(nowMs: nowMono) > nowMono { return }
        if !chainVerified {
            send(.chain, body: RPCRequest.chainIdentifier(id: nextRPCID()))
            return
        }
        guard !daemon.journalDamaged else { return }
        // The most overdue address goes first (one never polled counts as most overdue), so no
        // account can starve another however many there are.
        var next: (circuit: Circuit, address: IotaAddress, due: Int64)? = nil
        for c in daemon.circuits {
            guard let text = c.config.iotaAddress, let address = try? IotaAddress(config: text) else { continue }
            let due = nextPollMono[c.name] ?? Int64.min
            if due > nowMono { continue }
            if next == nil || due < next!.due { next = (c, address, due) }
        }
        if let next { startQuery(for: next.circuit, address: next.address, daemon: daemon) }
    }

    // MARK: requests

    private enum Kind {
        case chain
        case baseline(meter: String, address: IotaAddress, cursor: TransactionDigest?)
        case page(meter: String, address: IotaAddress, cursor: TransactionDigest?)
        case recovery(meter: String, address: IotaAddress, cursor: TransactionDigest?)

        var meter: String? {
            switch self {
            case .chain: return nil
            case .baseline(let meter, _, _), .page(let meter, _, _), .recovery(let meter, _, _): return meter
            }
        }
    }

    private struct PendingQuery {
        var kind: Kind
        var rpcID: Int64
    }

    /// Cursor recovery by a descending scan from the head, stopping at a digest already credited.
    private struct RecoveryScan {
        var collected: [Payment] = []
        var head: TransactionDigest? = nil
        var pages = 0
    }

    /// How far back a lost cursor is searched for before the account is re-baselined at the head.
    private static let recoveryPageLimit = 20

    private func nextRPCID() -> Int64 {
        lastRPCID += 1
        return lastRPCID
    }

    private func send(_ kind: Kind, body: [UInt8]) {
        guard let transport else { return }
        let rpcID = lastRPCID
        do {
            let id = try transport.post(url: nodeText, body: body)
            inFlight[id] = PendingQuery(kind: kind, rpcID: rpcID)
        } catch {
            failed("payments: \(error.message)", nowMono: Clock.monotonicMs())
        }
    }

    private var nodeText: String { settings.node?.text ?? "" }

    private func startQuery(for c: Circuit, address: IotaAddress, daemon: Daemon) {
        let state = c.account.state
        if !state.paymentBaselineDone {
            if settings.creditExisting {
                // Everything on the address counts: the baseline is "nothing yet".
                if daemon.commit([.paymentBaseline(cursor: nil)], to: c) {
                    log.notice("\(c.name): payments: crediting transactions already on \(address.text)")
                }
                return
            }
            let cursor = baselineCursor[c.name] ?? nil
            let body = RPCRequest.queryTransactionBlocks(id: nextRPCID(), address: address, cursor: cursor,
                                                         descending: true)
            send(.baseline(meter: c.name, address: address, cursor: cursor), body: body)
            return
        }
        if recovering[c.name] != nil {
            let cursor = lastRecoveryCursor[c.name] ?? nil   // nil: the first page, from the head
            send(.recovery(meter: c.name, address: address, cursor: cursor),
                 body: RPCRequest.queryTransactionBlocks(id: nextRPCID(), address: address, cursor: cursor,
                                                         descending: true))
            return
        }
        let cursor = state.paymentCursor.flatMap { TransactionDigest($0) }
        send(.page(meter: c.name, address: address, cursor: cursor),
             body: RPCRequest.queryTransactionBlocks(id: nextRPCID(), address: address, cursor: cursor))
    }

    /// The last digest of the previous descending recovery page, per meter: where the next one starts.
    private var lastRecoveryCursor: [String: TransactionDigest?] = [:]

    // MARK: replies

    private func finish(_ query: PendingQuery, _ outcome: NodeOutcome, daemon: Daemon, nowMono: Int64) {
        // Whatever happens to this query, its meter waits its interval before it is asked again:
        // a meter whose queries keep failing must not keep the others from their turn.
        if let meter = query.kind.meter { nextPollMono[meter] = nowMono + settings.pollInterval.value }
        let body: [UInt8]
        switch outcome {
        case .failed(let error):
            failed("payments: \(error.message)", nowMono: nowMono)
            return
        case .ok(let status, let reply):
            guard status == 200 else {
                failed("payments: node answered HTTP \(status)", nowMono: nowMono)
                return
            }
            body = reply
        }
        do throws(IotaRPCError) {
            switch query.kind {
            case .chain:
                let identifier = try NodeReply.chainIdentifier(body, id: query.rpcID, chain: settings.chain)
                chainVerified = true
                log.notice("payments: node \(nodeText) is on chain \(identifier)")
            case .baseline(let meter, let address, let cursor):
                let page = try TransactionPage.decode(body, id: query.rpcID, account: address, cursor: cursor)
                guard let c = daemon.circuit(named: meter) else { break }
                continueBaseline(c, page: page, daemon: daemon)
            case .page(let meter, let address, let cursor):
                let page: TransactionPage
                do { page = try TransactionPage.decode(body, id: query.rpcID, account: address, cursor: cursor) } catch {
                    if case .unknownCursor = error {
                        log.error("\(meter): payments: \(error.message); searching back from the newest transaction")
                        recovering[meter] = RecoveryScan()
                        lastRecoveryCursor[meter] = nil
                        succeeded(nowMono: nowMono)
                        return
                    }
                    throw error
                }
                guard let c = daemon.circuit(named: meter) else { break }
                let scan = PaymentScan(page: page, cursor: cursor)
                credit(scan.payments, cursor: scan.cursor, to: c, daemon: daemon)
                if scan.fetchNextPage { nextPollMono[meter] = nowMono; succeeded(nowMono: nowMono); return }
            case .recovery(let meter, let address, let cursor):
                let page = try TransactionPage.decode(body, id: query.rpcID, account: address, cursor: cursor)
                guard let c = daemon.circuit(named: meter) else { break }
                continueRecovery(c, page: page, daemon: daemon, nowMono: nowMono)
                succeeded(nowMono: nowMono)
                return
            }
            succeeded(nowMono: nowMono)
            if case .baseline(let meter, _, _) = query.kind { nextPollMono[meter] = nowMono; return }
            if case .page(let meter, _, _) = query.kind { nextPollMono[meter] = nowMono + settings.pollInterval.value }
        } catch {
            failed("payments: \(error.message)", nowMono: nowMono)
        }
    }

    /// Where the next descending baseline page starts, per meter (nil: the head).
    private var baselineCursor: [String: TransactionDigest?] = [:]

    /// How far back the baseline search goes before it settles for the newest transaction.
    private static let baselinePageLimit = 20

    /// First start: the baseline is the newest payment made before this process started; every
    /// transaction after it — payments made since start included — is then read in order and
    /// credited as usual. Pages newest first until such a payment, the oldest transaction, or the
    /// page limit (then the head: nothing older than the limit is searched).
    private func continueBaseline(_ c: Circuit, page: TransactionPage, daemon: Daemon) {
        let pages = (baselinePages[c.name] ?? 0) + 1
        baselinePages[c.name] = pages
        var found: String?? = nil
        for entry in page.entries {
            if case .payment(let p) = entry, p.timestampMs < startedWallMs { found = .some(p.digest); break }
        }
        let exhausted = !page.hasNextPage || page.entries.isEmpty
        if found == nil && !exhausted && pages < PaymentService.baselinePageLimit {
            baselineCursor[c.name] = page.entries.last?.digest
            return
        }
        // No payment before start on the whole address: nothing is baseline, every payment counts.
        let cursor: String? = found ?? (exhausted ? nil : page.entries.first?.digest.text)
        baselineCursor[c.name] = nil
        baselinePages[c.name] = nil
        if daemon.commit([.paymentBaseline(cursor: cursor)], to: c) {
            log.notice("\(c.name): payments: baseline fixed at \(cursor ?? "the start of the address"); "
                       + "payments before it are not credited")
        }
    }

    /// Journals new payments and the cursor move in one append (fdatasync), then they count.
    private func credit(_ payments: [Payment], cursor: TransactionDigest?, to c: Circuit, daemon: Daemon) {
        var events: [AccountEvent] = []
        var seen: Set<String> = []
        for p in payments where !c.account.hasCredited(digest: p.digest) && seen.insert(p.digest).inserted {
            events.append(.paymentCredited(p))
        }
        if let cursor, cursor.text != c.account.state.paymentCursor { events.append(.paymentCursor(digest: cursor.text)) }
        if events.isEmpty { return }
        guard daemon.commit(c.account.withCheckpointIfNeeded(events), to: c) else {
            log.error("\(c.name): payments: the journal refused them; they will be read again")
            return
        }
        for case .paymentCredited(let p) in events {
            log.notice("\(c.name): payment \(p.digest) of \(p.amount.iotaText) IOTA credited")
        }
        daemon.decideAndDrive(c, nowMono: Clock.monotonicMs())
    }

    /// One descending page of a cursor recovery: collect payments until a digest already credited
    /// (everything older is handled), then credit what was collected and resume from the head.
    private func continueRecovery(_ c: Circuit, page: TransactionPage, daemon: Daemon, nowMono: Int64) {
        var scan = recovering[c.name] ?? RecoveryScan()
        scan.pages += 1
        if scan.head == nil { scan.head = page.entries.first { $0.isSettled }?.digest }
        var reachedKnown = false
        for entry in page.entries {
            if c.account.hasCredited(digest: entry.digest.text) { reachedKnown = true; break }
            if case .payment(let p) = entry { scan.collected.append(p) }
        }
        lastRecoveryCursor[c.name] = page.entries.last?.digest
        let exhausted = !page.hasNextPage || page.entries.isEmpty
        if reachedKnown || exhausted || scan.pages >= PaymentService.recoveryPageLimit {
            recovering[c.name] = nil
            lastRecoveryCursor[c.name] = nil
            if !reachedKnown {
                log.error("\(c.name): payments: no credited transaction found within \(scan.pages) page(s) back; "
                          + "crediting the \(scan.collected.count) payment(s) seen and resuming from the newest")
            }
            credit(scan.collected.reversed(), cursor: scan.head, to: c, daemon: daemon)
            nextPollMono[c.name] = nowMono + settings.pollInterval.value
        } else {
            recovering[c.name] = scan
            nextPollMono[c.name] = nowMono
        }
    }

    private func succeeded(nowMono: Int64) {
        if health == .fault { log.notice("payments: node \(nodeText) answers again") }
        health.recordSuccess()
        backoff.recordSuccess(nowMs: nowMono)
    }

    /// Logged once per outage, not once per retry.
    private func failed(_ message: String, nowMono: Int64) {
        if health != .fault { log.warning(message) }
        health.recordFailure()
        backoff.recordFailure(nowMs: nowMono)
    }
}
