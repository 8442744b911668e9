import Ledger

/// GraphQL request bodies (`{"query": …, "variables": {…}}`) for IOTA's GraphQL service. The query
/// texts are fixed and compact (the server limits the payload, `maxQueryPayloadSize`); every value
/// goes in as a variable through the one JSON string escaper. Field names follow
/// `crates/iota-graphql-rpc/schema.graphql` (specs/iota-graphql.md).
public enum GraphQLRequest {
    /// The checkpoints a scan of one address pins: the transactions that sent objects to `$a`
    /// strictly after checkpoint `$w`, oldest first, `$n` a page, each with its balance changes;
    /// with the chain (checked on every scan), the checkpoint it is served at (H) and the oldest
    /// checkpoint the service still has.
    static let scanQuery = "query($a:IotaAddress!,$w:UInt53,$c:String,$n:Int){chainIdentifier "
        + "checkpoint{sequenceNumber}availableRange{first{sequenceNumber}}"
        + "transactionBlocks(first:$n,after:$c,filter:{recvAddress:$a,afterCheckpoint:$w}){"
        + "pageInfo{hasNextPage endCursor}nodes{digest effects{status timestamp checkpoint{sequenceNumber}"
        + "balanceChanges(first:$n){" + changeFields + "}}}}}"

    /// The rest of one transaction's balance changes, after `$c`.
    static let changesQuery = "query($d:String!,$c:String,$n:Int){chainIdentifier "
        + "transactionBlock(digest:$d){effects{balanceChanges(first:$n,after:$c){" + changeFields + "}}}}"

    static let changeFields = "pageInfo{hasNextPage endCursor}nodes{owner{address}amount coinType{repr}}"

    /// Start-up, once per endpoint: the chain, the latest checkpoint and the service's limits.
    static let bootstrapQuery = "{chainIdentifier checkpoint{sequenceNumber}serviceConfig{maxPageSize maxQueryPayloadSize}}"

    /// One page of a scan. `afterCheckpoint` nil: from the oldest the service has; `after` nil: page 1.
    public static func scan(address: IotaAddress, afterCheckpoint: UInt64?, after: String?, pageSize: Int) -> [UInt8] {
        var variables: [UInt8] = []
        JSONText.append("{\"a\":", to: &variables)
        JSONText.appendString(address.text, to: &variables)
        JSONText.append(",\"w\":" + (afterCheckpoint.map { "\($0)" } ?? "null") + ",\"c\":", to: &variables)
        appendOptional(after, to: &variables)
        JSONText.append(",\"n\":\(pageSize)}", to: &variables)
        return body(scanQuery, variables)
    }

    public static func balanceChanges(digest: TransactionDigest, after: String, pageSize: Int) -> [UInt8] {
        var variables: [UInt8] = []
        JSONText.append("{\"d\":", to: &variables)
        JSONText.appendString(digest.text, to: &variables)
        JSONText.append(",\"c\":", to: &variables)
        JSONText.appendString(after, to: &variables)
        JSONText.append(",\"n\":\(pageSize)}", to: &variables)
        return body(changesQuery, variables)
    }

    public static func bootstrap() -> [UInt8] { body(bootstrapQuery, Array("{}".utf8)) }

    /// The largest body a scan sends: the query and its variables (an address, a checkpoint, a
    /// cursor of up to 120 characters, the page size), for the service's payload check.
    static var largestBodySize: Int { scanQuery.utf8.count + 300 }

    static func appendOptional(_ text: String?, to out: inout [UInt8]) {
        if let text { JSONText.appendString(text, to: &out) } else { JSONText.append("null", to: &out) }
    }

    @inline(never)
    static func body(_ query: String, _ variables: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        JSONText.append("{\"query\":", to: &out)
        JSONText.appendString(query, to: &out)
        JSONText.append(",\"variables\":", to: &out)
        out.append(contentsOf: variables)
        out.append(UInt8(ascii: "}"))
        return out
    }
}
