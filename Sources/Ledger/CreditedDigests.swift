/// Every payment digest an account has credited: the exactly-once guarantee. Holds only
/// `TransactionDigest`s, kept as their texts so the firmware's one `Set<String>` serves it (a set of
/// the digest type itself would add a second copy of the hash-table code, about 2 KB).
public struct CreditedDigests: Equatable, Sendable, ExpressibleByArrayLiteral {
    /// The digests' texts, for the journal's snapshot (which sorts them: a set's order changes from
    /// run to run).
    public private(set) var texts: Set<String> = []

    public init() {}

    public init(_ digests: [TransactionDigest]) {
        for digest in digests { texts.insert(digest.text) }
    }

    public init(arrayLiteral digests: TransactionDigest...) { self.init(digests) }

    public var count: Int { texts.count }
    public var isEmpty: Bool { texts.isEmpty }

    public func contains(_ digest: TransactionDigest) -> Bool { texts.contains(digest.text) }

    public mutating func insert(_ digest: TransactionDigest) { texts.insert(digest.text) }

    public mutating func reserveCapacity(_ count: Int) { texts.reserveCapacity(count) }
}
