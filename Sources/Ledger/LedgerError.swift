/// Every way a money or energy value can be refused. Rendered to text once, by `message`.
public enum LedgerError: Error, Equatable, Sendable {
    /// An amount, tariff or energy text that does not parse; `reason` says what was expected.
    case invalidAmount(text: String, reason: String)
    /// Arithmetic on money or energy left the representable range.
    case overflow(operation: String)

    public var message: String {
        switch self {
        case .invalidAmount(let text, let reason): return "invalid amount '\(text)': \(reason)"
        case .overflow(let operation): return "arithmetic overflow in \(operation)"
        }
    }
}
