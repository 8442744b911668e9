import Ledger

/// The start-up reply: which chain, how far it is, and the service's limits.
public struct GraphQLBootstrap: Equatable, Sendable {
    public var checkpoint: UInt64
    public var maxPageSize: Int
    public var maxQueryPayloadSize: Int
}

/// One page of a scan: H (the checkpoint it was served at), the oldest checkpoint the service still
/// has, the transactions judged for the account, and where the next page starts.
public struct GraphQLScanPage: Equatable, Sendable {
    public var checkpoint: UInt64
    public var availableFirst: UInt64?
    public var transactions: [ScannedTransaction]
    public var hasNextPage: Bool
    public var endCursor: String?
}

/// Decoders of GraphQL replies. Any `errors` entry, a wrong chain or a malformed envelope throws:
/// the whole reply is a node fault and credits nothing. Within a page, each transaction is judged
/// on its own (`ScannedTransaction`).
public enum GraphQLReply {
    /// `data`, after refusing any reply with errors.
    static func data(_ body: [UInt8], chain: IotaChain) throws(IotaRPCError) -> ReplyFields {
        let reply = ReplyFields(try JSONReader.parse(body), path: "reply")
        _ = try reply.object()
        if let errors = reply.optional("errors") {
            let items = try errors.array()
            if let first = items.first {
                // The message says what was refused (a field a newer server dropped is named in it).
                throw .graphQLErrors(count: items.count, first: first.value["message"]?.stringValue ?? "")
            }
        }
        let data = try reply.require("data").object()
        try chain.verify(data.require("chainIdentifier"))
        return data
    }

    public static func bootstrap(_ body: [UInt8], chain: IotaChain) throws(IotaRPCError) -> GraphQLBootstrap {
        let data = try data(body, chain: chain)
        let config = try data.require("serviceConfig")
        return GraphQLBootstrap(checkpoint: try data.require("checkpoint").require("sequenceNumber").uint53(),
                                maxPageSize: Int(try config.require("maxPageSize").uint53()),
                                maxQueryPayloadSize: Int(try config.require("maxQueryPayloadSize").uint53()))
    }

    public static func scanPage(_ body: [UInt8], chain: IotaChain, account: IotaAddress) throws(IotaRPCError) -> GraphQLScanPage {
        let data = try data(body, chain: chain)
        let checkpoint = try data.require("checkpoint").require("sequenceNumber").uint53()
        let first = try data.optional("availableRange")?.optional("first")?.require("sequenceNumber").uint53()
        let blocks = try data.require("transactionBlocks")
        let pageInfo = try blocks.require("pageInfo")
        var transactions: [ScannedTransaction] = []
        for node in try blocks.require("nodes").array() { transactions.append(transaction(node, account: account)) }
        return GraphQLScanPage(checkpoint: checkpoint, availableFirst: first, transactions: transactions,
                               hasNextPage: try pageInfo.require("hasNextPage").bool(),
                               endCursor: try pageInfo.optional("endCursor")?.string())
    }

    /// The next page of one transaction's balance changes, added to `tally`; the cursor of the page
    /// after it, or nil when this was the last. Throws `.malformedReply` for this transaction's data
    /// (the caller then drops that entry alone) after `data` has been accepted.
    public static func balanceChanges(_ body: [UInt8], chain: IotaChain,
                                      tally: inout BalanceTally) throws(IotaRPCError) -> ChangesPage {
        let data = try data(body, chain: chain)
        do throws(IotaRPCError) {
            let changes = try data.require("transactionBlock").require("effects").require("balanceChanges")
            return .page(next: try addChanges(changes, to: &tally))
        } catch {
            return .unusable(reason: error.message)
        }
    }

    public enum ChangesPage: Equatable, Sendable {
        /// `next`: the cursor of the following page, nil after the last.
        case page(next: String?)
        case unusable(reason: String)
    }

    @inline(never)
    static func transaction(_ node: ReplyFields, account: IotaAddress) -> ScannedTransaction {
        let digest: TransactionDigest
        do { digest = try node.require("digest").digest() } catch {
            return ScannedTransaction(digest: nil, checkpoint: nil, verdict: .unusable(reason: error.message))
        }
        var checkpoint: UInt64? = nil
        do throws(IotaRPCError) {
            let effects = try node.require("effects")
            let final = try effects.require("checkpoint").require("sequenceNumber").uint53()
            checkpoint = final
            let status = try effects.require("status")
            switch try status.string() {
            case "SUCCESS": break
            case "FAILURE": return ScannedTransaction(digest: digest, checkpoint: final, verdict: .ignored)
            default: throw status.fail("expected SUCCESS or FAILURE")
            }
            let stamp = try effects.require("timestamp")
            guard let timestampMs = RFC3339.unixMs(try stamp.string()) else { throw stamp.fail("not an RFC 3339 UTC time") }
            var tally = BalanceTally(account: account)
            if let next = try addChanges(effects.require("balanceChanges"), to: &tally) {
                return ScannedTransaction(digest: digest, checkpoint: final,
                                          verdict: .moreChanges(cursor: next, tally: tally, timestampMs: timestampMs))
            }
            return ScannedTransaction(digest: digest, checkpoint: final,
                                      verdict: tally.verdict(digest: digest, checkpoint: final, timestampMs: timestampMs))
        } catch {
            return ScannedTransaction(digest: digest, checkpoint: checkpoint, verdict: .unusable(reason: error.message))
        }
    }

    /// Adds one `BalanceChangeConnection` page; returns the cursor of the next page, if any.
    static func addChanges(_ changes: ReplyFields, to tally: inout BalanceTally) throws(IotaRPCError) -> String? {
        for change in try changes.require("nodes").array() {
            // An owner-less change (the schema allows null) can be no one's payment to us.
            guard let owner = change.optional("owner") else { continue }
            try tally.add(owner: owner.require("address"), coinType: change.require("coinType").require("repr"),
                          amount: change.require("amount"))
        }
        let pageInfo = try changes.require("pageInfo")
        guard try pageInfo.require("hasNextPage").bool() else { return nil }
        return try pageInfo.require("endCursor").string()
    }
}

extension ReplyFields {
    /// A `UInt53` (checkpoint numbers, limits): a JSON integer 0…2^53−1.
    @inline(never)
    func uint53() throws(IotaRPCError) -> UInt64 {
        guard case .number = value, let number = value.int64Value, number >= 0, number < 1 << 53 else {
            throw fail("expected an integer 0…2^53−1, got \(value.kindName)")
        }
        return UInt64(number)
    }
}

extension IotaChain {
    /// Checks a chain identifier field: 8 lowercase hex digits, and this network's.
    @inline(never)
    func verify(_ field: ReplyFields) throws(IotaRPCError) {
        let identifier = try field.string()
        let bytes = Array(identifier.utf8)
        guard bytes.count == 8, bytes.allSatisfy({ hexDigitValue($0) != nil && !($0 >= 0x41 && $0 <= 0x46) }) else {
            throw field.fail("expected 8 lowercase hex digits, got \"\(IotaAddress.excerpt(identifier))\"")
        }
        try check(identifier)
    }
}
