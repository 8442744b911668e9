import Ledger

/// The payment rules as one pure state machine (DESIGN §2 "Payments", specs/iota-graphql.md): which
/// endpoint is asked, what is asked next, what a page credits, when the watermark W moves, and the
/// backoff. No I/O and no clock: the shell posts `next(nowMs:accounts:)`'s request, hands the
/// outcome to `receive(_:nowMs:)`, and carries out `takeEffects()` (journal, log). One request is
/// in flight at a time.
/// A class: the shell holds one and reads its figures without copying its tables.
public final class PaymentPoller {
    public struct Settings: Equatable, Sendable {
        public var endpoints: [NodeEndpoint]
        public var chain: IotaChain
        public var creditExisting: Bool
        public var pollIntervalMs: Int64
        /// First start with `credit_existing = no` and a clock the kernel says is synchronised: the
        /// daemon's start (Unix ms), so a payment made after it while the node could not be reached
        /// yet is credited; nil: the node's checkpoint at first contact is the baseline.
        public var startedWallMs: Int64? = nil
        /// Unix ms minus the poller's (monotonic) ms: turns `nowMs` into wall time.
        public var wallOffsetMs: Int64 = 0

        public init(endpoints: [NodeEndpoint], chain: IotaChain, creditExisting: Bool, pollIntervalMs: Int64) {
            self.endpoints = endpoints
            self.chain = chain
            self.creditExisting = creditExisting
            self.pollIntervalMs = pollIntervalMs
        }
    }

    public struct Request: Equatable, Sendable {
        public var url: String
        public var body: [UInt8]
    }

    public enum Reply: Equatable, Sendable {
        case http(status: Int, body: [UInt8])
        /// No reply (transport error, timeout, oversize body), with the transport's message.
        case failed(String)
    }

    public enum Effect: Equatable, Sendable {
        /// Journal these credits (skipping digests credited anywhere already) and W := `watermark`
        /// for `address` in one fsync'd append.
        case commit(meter: String, address: IotaAddress, payments: [Payment], watermark: UInt64?)
        case log(Level, String)
    }

    public enum Level: Equatable, Sendable { case error, warning, notice }

    /// How long a fallback URL serves before the first one is tried again.
    public static let primaryRetryMs: Int64 = 300_000
    /// Pages of one scan: a node whose list never ends is a fault, not a loop.
    public static let maxPagesPerScan = 2000
    /// JSON-RPC's page size cap (and GraphQL's default `maxPageSize`).
    public static let maxPageSize = 50

    public internal(set) var settings: Settings
    /// Index into `settings.endpoints` of the URL in use.
    public internal(set) var active = 0
    /// false from a failed request until the next good reply.
    public internal(set) var nodeOK = true
    public internal(set) var failovers: Int64 = 0
    /// Transactions the node could not describe, not credited (each reported once).
    public internal(set) var skippedEntries: Int64 = 0
    /// Addresses whose history below the node's available range was missed (each reported once).
    public internal(set) var historyGaps: Int64 = 0

    var backoff: Backoff
    var failuresInRow = 0
    var retryAtMs: Int64? = nil
    var fallbackSinceMs: Int64? = nil
    var bootstrapped = false
    var pageSize = PaymentPoller.maxPageSize
    var dueMs: [String: Int64] = [:]
    var gapsReported: Set<String> = []
    var task: Task? = nil
    public internal(set) var inFlight = false
    var rpcID: Int64 = 0
    var effects: [Effect] = []

    public init(settings: Settings, seed: UInt64) {
        self.settings = settings
        backoff = Backoff(baseMs: settings.pollIntervalMs, seed: seed)
    }

    /// The URL in use, as configured (`node.url`); nil without one.
    public var activeURL: String? { settings.endpoints.isEmpty ? nil : settings.endpoints[active].text }

    public func takeEffects() -> [Effect] {
        defer { effects.removeAll() }
        return effects
    }

    /// A reload: the request in flight (the shell cancels it) and the scan under way are dropped —
    /// nothing a node said before the reload is credited after it — and a new endpoint list or
    /// chain starts afresh from its first URL.
    public func reconfigure(_ next: Settings, seed: UInt64) {
        task = nil
        inFlight = false
        if next.endpoints != settings.endpoints || next.chain != settings.chain {
            active = 0
            bootstrapped = false
            fallbackSinceMs = nil
            failuresInRow = 0
            retryAtMs = nil
        }
        if next.pollIntervalMs != settings.pollIntervalMs { backoff = Backoff(baseMs: next.pollIntervalMs, seed: seed) }
        settings = next
    }

    /// When `next` has something to send: nil while a request is in flight or nothing is due.
    public func wakeAtMs(nowMs: Int64, accounts: [PollAccount]) -> Int64? {
        if inFlight || settings.endpoints.isEmpty { return nil }
        var at: Int64? = task == nil ? nil : nowMs
        if at == nil {
            for account in accounts { at = min(at ?? .max, dueMs[account.meter] ?? nowMs) }
        }
        guard let at else { return nil }
        return max(at, retryAtMs ?? at)
    }

    /// The next request to post, if one is due.
    public func next(nowMs: Int64, accounts: [PollAccount]) -> Request? {
        guard !inFlight, !settings.endpoints.isEmpty else { return nil }
        if let retryAtMs, retryAtMs > nowMs { return nil }
        if task == nil {
            guard let started = startTask(nowMs: nowMs, accounts: accounts) else { return nil }
            task = started
        }
        guard let task else { return nil }
        inFlight = true
        return Request(url: settings.endpoints[active].url, body: body(for: task))
    }

    /// The outcome of the request `next` returned.
    public func receive(_ reply: Reply, nowMs: Int64) {
        guard inFlight, var current = task else { return }
        inFlight = false
        let endpoint = settings.endpoints[active]
        switch reply {
        case .failed(let message):
            fail(message, nowMs: nowMs)
        case .http(let status, let body):
            guard status == 200 else {
                let gone = endpoint.api == .jsonRPC && (status == 404 || status == 405 || status == 410)
                fail("node \(endpoint.text) answered HTTP \(status)" + (gone ? ": it no longer serves JSON-RPC" : ""), nowMs: nowMs)
                return
            }
            do throws(IotaRPCError) {
                let finished = try advance(&current, body: body, api: endpoint.api, nowMs: nowMs)
                succeeded(nowMs: nowMs)
                task = finished ? nil : current
            } catch {
                fail("node \(endpoint.text): \(error.message)", nowMs: nowMs)
            }
        }
    }

    // MARK: outcomes

    func succeeded(nowMs: Int64) {
        if !nodeOK { effects.append(.log(.notice, "payments: node \(settings.endpoints[active].text) answers again")) }
        nodeOK = true
        failuresInRow = 0
        retryAtMs = nil
        backoff.recordSuccess(nowMs: nowMs)
    }

    /// The reply credits nothing; the scan under way is dropped (W does not move) and the next URL
    /// takes over at once. Once every URL has failed in a row, the backoff holds the next attempt
    /// and the meter goes to the back of the queue (one address a node fails on cannot starve the rest).
    func fail(_ message: String, nowMs: Int64) {
        let meter = task?.account?.meter
        task = nil
        let count = settings.endpoints.count
        if nodeOK || count > 1 { effects.append(.log(.warning, "payments: " + message)) }
        nodeOK = false
        failuresInRow += 1
        if count > 1 {
            active = (active + 1) % count
            failovers += 1
            bootstrapped = false
            fallbackSinceMs = active == 0 ? nil : (fallbackSinceMs ?? nowMs)
            effects.append(.log(.notice, "payments: switching to \(settings.endpoints[active].text)"))
        }
        if failuresInRow % count == 0 {
            if let meter { dueMs[meter] = nowMs.addingSaturating(settings.pollIntervalMs) }
            backoff.recordFailure(nowMs: nowMs)
            retryAtMs = backoff.nextAttemptAt(nowMs: nowMs)
        } else {
            retryAtMs = nil
        }
    }
}
