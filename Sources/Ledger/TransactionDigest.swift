/// A transaction digest: 32 bytes in Base58 (Bitcoin alphabet), 32 to 44 characters. Case-sensitive:
/// kept exactly as the node wrote it. Validated once, where it enters (a node reply, a journal
/// record); checking the alphabet also keeps spaces and newlines out of the journal and the control
/// socket's lines. Lives in Ledger because the exactly-once rule keys on it; IotaRPC makes them.
public struct TransactionDigest: Hashable, Sendable {
    public let text: String

    /// nil unless `text` is 32 to 44 Base58 characters.
    @inline(never)
    public init?(_ text: String) {
        let bytes = text.utf8
        guard bytes.count >= 32, bytes.count <= 44 else { return nil }
        for byte in bytes where !TransactionDigest.isBase58(byte) { return nil }
        self.text = text
    }

    /// The one value that is not a transaction: what `recentPayments` (and so the `payments` command
    /// and a journal snapshot) records for an admin's manual credit, `manual` — not Base58 (`l`),
    /// so no node digest can ever equal it. The ledger never credits a payment under it.
    public static let manualCredit = TransactionDigest(unchecked: "manual")

    /// Whether this is `manualCredit` rather than a transaction's digest.
    public var isManualCredit: Bool { text == TransactionDigest.manualCredit.text }

    private init(unchecked text: String) { self.text = text }

    static func isBase58(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "1")...UInt8(ascii: "9"): return true
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte != UInt8(ascii: "I") && byte != UInt8(ascii: "O")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte != UInt8(ascii: "l")
        default: return false
        }
    }
}
