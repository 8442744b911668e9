import Ledger
@testable import IotaRPC

let graphQLURL = "https://graphql.example"
let jsonRPCURL = "https://indexer.example"

/// Drives a `PaymentPoller` against model nodes the way the daemon's shell does, with a sink that
/// keeps what the journal would: credited digests (each once) and each account's watermark.
struct PollerHarness {
    var poller: PaymentPoller
    var accounts: [PollAccount]
    let graphQL = ModelNode()
    let jsonRPC = ModelNode()
    var nowMs: Int64 = 1_000
    /// Replaces the model's reply when it returns non-nil (faults).
    var fault: ((PaymentPoller.Request) -> PaymentPoller.Reply?)? = nil
    var requests: [PaymentPoller.Request] = []
    var commits = 0
    var credited: [String: Int64] = [:]
    var creditedTwice = 0
    var logs: [(PaymentPoller.Level, String)] = []

    init(endpoints: [NodeEndpoint] = [NodeEndpoint(api: .graphQL, url: graphQLURL)], start: ScanStart = .watermark(5),
         creditExisting: Bool = false, chain: IotaChain = .mainnet, seed: UInt64 = 1) {
        poller = PaymentPoller(settings: .init(endpoints: endpoints, chain: chain, creditExisting: creditExisting,
                                               pollIntervalMs: 10_000), seed: seed)
        accounts = [PollAccount(meter: "main", address: account, start: start)]
        jsonRPC.txs = []
    }

    var watermark: UInt64?? {
        if case .watermark(let w) = accounts[0].start { return .some(w) }
        return .none
    }

    /// One request and its reply; false when nothing is due now.
    @discardableResult
    mutating func step() -> Bool {
        guard let request = poller.next(nowMs: nowMs, accounts: accounts) else { return false }
        requests.append(request)
        let reply = fault?(request)
            ?? .http(status: 200, body: request.url == graphQLURL ? graphQL.graphQL(request.body) : jsonRPC.jsonRPC(request.body))
        poller.receive(reply, nowMs: nowMs)
        absorb()
        return true
    }

    mutating func absorb() {
        for effect in poller.takeEffects() {
            switch effect {
            case .log(let level, let text): logs.append((level, text))
            case .commit(let meter, let address, let payments, let watermark):
                guard let index = accounts.firstIndex(where: { $0.meter == meter && $0.address == address }) else { continue }
                commits += 1
                for payment in payments {
                    if credited[payment.digest.text] != nil { continue }
                    credited[payment.digest.text] = payment.amount.value
                }
                accounts[index].start = .watermark(watermark)
            }
        }
    }

    /// Everything due now, then time moves to the next wake-up; `rounds` times.
    mutating func run(rounds: Int = 1) {
        for _ in 0..<rounds {
            var guardCount = 0
            while step() { guardCount += 1; if guardCount > 10_000 { return } }
            nowMs = poller.wakeAtMs(nowMs: nowMs, accounts: accounts) ?? (nowMs + 10_000)
        }
    }

    func variables(_ request: PaymentPoller.Request) -> JSONValue? { (try? JSONReader.parse(request.body))?["variables"] }
}
