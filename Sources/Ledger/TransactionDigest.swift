/// A transaction digest: 32 bytes in Base58 (Bitcoin alphabet), 32 to 44 characters. Case-sensitive:
/// kept exactly as the node wrote it. Validated once, where it enters (a node reply, a journal
/// record); checking the alphabet also keeps spaces and newlines out of the journal and the control
/// socket's lines. Lives in Ledger because the exactly-once rule keys on it; IotaRPC makes them.
public struct TransactionDigest: Hashable, Sendable {
    public let text: String

    /// nil unless `text` is 32 to 44 Base58 characters, or, with `orManualCredit` (only where a
    /// journal lists recent payments), exactly `manualCredit`'s text.
    @inline(never)
    public init?(_ text: String, orManualCredit: Bool = false) {
        let count = text.utf8.count
        if orManualCredit && count == 6 && text == "manual" {
            self.text = text
            return
        }
        guard count >= 32, count <= 44 else { return nil }
        for byte in text.utf8 where !TransactionDigest.isBase58(byte) { return nil }
        self.text = text
    }

    /// The one value that is not a transaction: what `recentPayments` (and so the `payments` command
    /// and a journal snapshot) records for an admin's manual credit, `manual` — not Base58 (`l`),
    /// so no node digest can ever equal it. The ledger never credits a payment under it.
    public static var manualCredit: TransactionDigest { TransactionDigest(unchecked: "manual") }

    /// Whether this is `manualCredit` rather than a transaction's digest (the only value shorter
    /// than 32 characters).
    public var isManualCredit: Bool { text.utf8.count < 32 }

    private init(unchecked text: String) { self.text = text }

    /// Bitcoin's Base58 alphabet, one bit per ASCII code: 1-9 (codes 49-57), A-Z without I and O,
    /// a-z without l (codes 64-127, counted from 64). A bitmap is smaller firmware than ranges.
    static func isBase58(_ byte: UInt8) -> Bool {
        let word: UInt64 = byte < 64 ? 0x03FE_0000_0000_0000 : byte < 128 ? 0x07FF_EFFE_07FF_7DFE : 0
        return word >> UInt64(byte & 63) & 1 != 0
    }
}
