import Ledger

/// One job of the poller, a request or several in a row: an endpoint's start-up query, an
/// address's first-start baseline, an old cursor's conversion, or a scan.
struct Task {
    enum Kind: Sendable {
        case bootstrap
        case baseline
        case scan(from: UInt64?)
    }

    enum Step: Equatable, Sendable {
        case bootstrap       // GraphQL: chain, latest checkpoint, limits
        case chain           // JSON-RPC: iota_getChainIdentifier
        case latest          // JSON-RPC: the checkpoint H a scan pins
        case page(String?)   // a page of the scan, after this cursor
        case changes         // GraphQL: the rest of `pending[0]`'s balance changes
    }

    var account: PollAccount?
    var kind: Kind
    var step: Step
    /// The address has no watermark yet: the scan journals one even when it credits nothing.
    var persist = false

    // A scan's findings, journaled together when it ends.
    var pinned: UInt64? = nil
    var availableFirst: UInt64? = nil
    var payments: [Payment] = []
    var unusable: [String] = []
    var pending: [ScannedTransaction] = []
    var cursors: Set<String> = []
    var pages = 0
    var reachedWatermark = false
    /// A first start by a synchronised clock: only payments stamped in this window (from the start
    /// to a minute past now) are credited; the rest is the baseline.
    var creditWindowMs: ClosedRange<Int64>? = nil
}

extension PaymentPoller {
    /// The most overdue account (one never scanned counts as most overdue) gets the next task, so no
    /// account can starve another; a GraphQL endpoint is asked for its limits first.
    func startTask(nowMs: Int64, accounts: [PollAccount]) -> Task? {
        if active != 0, let since = fallbackSinceMs, nowMs - since >= PaymentPoller.primaryRetryMs {
            active = 0
            bootstrapped = false
            fallbackSinceMs = nil
            effects.append(.log(.notice, "payments: trying \(settings.endpoints[0].text) again"))
        }
        var chosen: PollAccount? = nil
        var chosenDue = Int64.max
        for account in accounts {
            let due = dueMs[account.meter] ?? .min
            if due <= nowMs && (chosen == nil || due < chosenDue) { chosen = account; chosenDue = due }
        }
        guard let account = chosen else { return nil }
        let graphQL = settings.endpoints[active].api == .graphQL
        if graphQL && !bootstrapped { return Task(account: nil, kind: .bootstrap, step: .bootstrap) }
        var task: Task
        switch account.start {
        case .watermark(let w):
            task = Task(account: account, kind: .scan(from: w), step: graphQL ? .page(nil) : .chain)
        case .fresh where settings.creditExisting:
            task = Task(account: account, kind: .scan(from: nil), step: graphQL ? .page(nil) : .chain)
            task.persist = true
        case .fresh:
            if let started = settings.startedWallMs {
                // Scanned from the oldest: crediting only what was stamped since the start.
                task = Task(account: account, kind: .scan(from: nil), step: graphQL ? .page(nil) : .chain)
                task.persist = true
                task.creditWindowMs = started...max(started, nowMs.addingSaturating(settings.wallOffsetMs + 60_000))
            } else {
                task = Task(account: account, kind: .baseline, step: graphQL ? .bootstrap : .chain)
            }
        }
        return task
    }

    func body(for task: Task) -> [UInt8] {
        rpcID += 1
        switch task.step {
        case .bootstrap:
            return GraphQLRequest.bootstrap()
        case .chain:
            return RPCRequest.chainIdentifier(id: rpcID)
        case .latest:
            return RPCRequest.latestCheckpoint(id: rpcID)
        case .page(let after):
            guard let account = task.account, case .scan(let from) = task.kind else { return [] }
            if settings.endpoints[active].api == .graphQL {
                return GraphQLRequest.scan(address: account.address, afterCheckpoint: from, after: after, pageSize: pageSize)
            }
            // Newest first, from the head down to W (a digest cursor only within this scan).
            return RPCRequest.queryTransactionBlocks(id: rpcID, address: account.address,
                                                     cursor: after.flatMap { TransactionDigest($0) },
                                                     limit: PaymentPoller.maxPageSize, descending: true)
        case .changes:
            guard let tx = task.pending.first, let digest = tx.digest,
                  case .moreChanges(let cursor, _, _) = tx.verdict else { return [] }
            return GraphQLRequest.balanceChanges(digest: digest, after: cursor, pageSize: pageSize)
        }
    }

    /// Takes one good reply into the task; true when the task is done.
    func advance(_ task: inout Task, body: [UInt8], api: NodeEndpoint.API, nowMs: Int64) throws(IotaRPCError) -> Bool {
        let chain = settings.chain
        switch task.step {
        case .bootstrap:
            let boot = try GraphQLReply.bootstrap(body, chain: chain)
            guard case .bootstrap = task.kind else { return finishBaseline(task, at: boot.checkpoint, nowMs: nowMs) }
            guard boot.maxPageSize >= 1, GraphQLRequest.largestBodySize <= boot.maxQueryPayloadSize else {
                throw .malformedReply(path: "serviceConfig", reason: "limits too small for the scan query")
            }
            pageSize = min(PaymentPoller.maxPageSize, boot.maxPageSize)
            bootstrapped = true
            return true
        case .chain:
            _ = try NodeReply.chainIdentifier(body, id: rpcID, chain: chain)
            task.step = .latest
            return false
        case .latest:
            let latest = try NodeReply.latestCheckpoint(body, id: rpcID)
            guard case .scan(let from) = task.kind else { return finishBaseline(task, at: latest, nowMs: nowMs) }
            task.pinned = latest
            if let from, latest <= from { return finishScan(task, nowMs: nowMs) }
            task.step = .page(nil)
            return false
        case .page(let after):
            guard let account = task.account, case .scan(let from) = task.kind else { return true }
            task.pages += 1
            var next: String? = nil
            var more = false
            if api == .graphQL {
                let page = try GraphQLReply.scanPage(body, chain: chain, account: account.address)
                // Every page is pinned to the checkpoint of the first; should a node serve pages at
                // different ones, the lowest is all the scan has surely seen.
                task.pinned = min(task.pinned ?? page.checkpoint, page.checkpoint)
                if after == nil { task.availableFirst = page.availableFirst }
                take(page.transactions, into: &task, from: from, api: api)
                more = page.hasNextPage
                next = page.endCursor
            } else {
                let page = try TransactionPage.decode(body, id: rpcID, account: account.address)
                take(page.entries, into: &task, from: from, api: api)
                // Newest first: the list has reached W when the page's oldest entry lies at or below
                // it. Not any entry: a node that lists an old digest again at the head of the list
                // must not end the scan above newer payments.
                if let from, let oldest = page.entries.last(where: { $0.checkpoint != nil })?.checkpoint, oldest <= from {
                    task.reachedWatermark = true
                }
                more = page.hasNextPage && !task.reachedWatermark && !page.entries.isEmpty
                next = page.nextCursor?.text
            }
            if more {
                task.step = .page(try newCursor(next, in: &task, what: "transaction page"))
                return false
            }
            if !task.pending.isEmpty { task.step = .changes; return false }
            return finishScan(task, nowMs: nowMs)
        case .changes:
            guard let tx = task.pending.first, let digest = tx.digest, let checkpoint = tx.checkpoint,
                  case .moreChanges(_, var tally, let timestampMs) = tx.verdict else { return true }
            task.pages += 1
            switch try GraphQLReply.balanceChanges(body, chain: chain, tally: &tally) {
            case .unusable(let reason):
                task.pending.removeFirst()
                task.unusable.append(tx.label + ": " + reason)
            case .page(let next?):
                let cursor = try newCursor(next, in: &task, what: "balance change page")
                task.pending[0].verdict = .moreChanges(cursor: cursor, tally: tally, timestampMs: timestampMs)
            case .page(nil):
                task.pending.removeFirst()
                record(ScannedTransaction(digest: digest, checkpoint: checkpoint,
                                          verdict: tally.verdict(digest: digest, checkpoint: checkpoint,
                                                                 timestampMs: timestampMs)), into: &task)
            }
            return task.pending.isEmpty ? finishScan(task, nowMs: nowMs) : false
        }
    }

    /// A next-page cursor must be one this scan has not followed yet (a node that lists the same
    /// page again would loop us), within the page bound.
    func newCursor(_ cursor: String?, in task: inout Task, what: String) throws(IotaRPCError) -> String {
        guard let cursor else { throw .malformedReply(path: what, reason: "hasNextPage without a cursor") }
        guard task.cursors.insert(cursor).inserted else {
            throw .malformedReply(path: what, reason: "the node repeats cursor \(IotaAddress.excerpt(cursor, limit: 60))")
        }
        guard task.pages < PaymentPoller.maxPagesPerScan else {
            throw .malformedReply(path: what, reason: "too many pages in one scan")
        }
        return cursor
    }

    /// The transactions of a page that lie in (W, H].
    func take(_ transactions: [ScannedTransaction], into task: inout Task, from: UInt64?, api: NodeEndpoint.API) {
        for tx in transactions {
            if case .notFinal = tx.verdict { continue }
            if let checkpoint = tx.checkpoint {
                if let from, checkpoint <= from { continue }
                // JSON-RPC: newer than the H asked first; the next scan has it.
                if api == .jsonRPC, let pinned = task.pinned, checkpoint > pinned { continue }
            }
            record(tx, into: &task)
        }
    }

    func record(_ tx: ScannedTransaction, into task: inout Task) {
        switch tx.verdict {
        case .payment(let payment):
            if let window = task.creditWindowMs, !window.contains(payment.timestampMs.value) { return }
            if !task.payments.contains(where: { $0.digest == payment.digest }) { task.payments.append(payment) }
        case .unusable(let reason):
            task.unusable.append(tx.label + ": " + reason)
        case .moreChanges:
            if !task.pending.contains(where: { $0.digest == tx.digest }) { task.pending.append(tx) }
        case .ignored, .notFinal:
            break
        }
    }

    /// The scan's credits and W := H, in one commit. An unusable transaction costs itself alone:
    /// reported once (W moves past it, so it is not read again), never hiding the payments around it.
    func finishScan(_ task: Task, nowMs: Int64) -> Bool {
        guard let account = task.account, case .scan(let from) = task.kind else { return true }
        let meter = account.meter
        let watermark = task.pinned.map { max(from ?? $0, $0) } ?? from
        skippedEntries += Int64(task.unusable.count)
        for reason in task.unusable {
            effects.append(.log(.error, "\(meter): payments: transaction not credited, the node cannot describe it: \(reason)"))
        }
        if let first = task.availableFirst, first > (from.map { $0 + 1 } ?? 0), gapsReported.insert(meter).inserted {
            historyGaps += 1
            effects.append(.log(.error, "\(meter): payments: the node keeps checkpoints from \(first) on only; "
                                + "payments to the address before it cannot be seen here (use a node with more history)"))
        }
        // The commit goes first: a log line says what is durable (a kill -9 between the two must not
        // leave a "baseline" logged that the journal does not hold).
        if !task.payments.isEmpty || watermark != from || task.persist {
            effects.append(.commit(meter: meter, address: account.address, payments: task.payments, watermark: watermark))
        }
        if task.creditWindowMs != nil {
            effects.append(.log(.notice, "\(meter): payments: transactions stamped before the start are the baseline, not credited"))
        }
        dueMs[meter] = nowMs.addingSaturating(settings.pollIntervalMs)
        return true
    }

    /// First start (`credit_existing = no`): what the address holds up to the node's latest
    /// checkpoint is the baseline, not credited. The node's checkpoint, not the Pi's clock, draws
    /// the line: a Pi has no RTC and may start an hour behind.
    func finishBaseline(_ task: Task, at checkpoint: UInt64, nowMs: Int64) -> Bool {
        guard let account = task.account else { return true }
        effects.append(.commit(meter: account.meter, address: account.address, payments: [], watermark: checkpoint))
        effects.append(.log(.notice, "\(account.meter): payments: transactions up to checkpoint \(checkpoint) are the baseline, not credited"))
        dueMs[account.meter] = nowMs.addingSaturating(settings.pollIntervalMs)
        return true
    }

}
