/// Every way a money or energy value can be refused. Rendered to text once, by `message`.
public enum LedgerError: Error, Equatable, Sendable {
    /// An amount, tariff or energy text that does not parse; `reason` says what was expected.
    case invalidAmount(text: String, reason: String)
    /// Arithmetic on money or energy left the representable range.
    case overflow(operation: String)
    /// A time or time-range text (friendly hours) that does not parse.
    case invalidTime(text: String, reason: String)
    /// An event that cannot apply to the account as it stands (e.g. a checkpoint behind the counter);
    /// the account is left unchanged.
    case invalidEvent(reason: String)

    public var message: String {
        switch self {
        case .invalidAmount(let text, let reason): return "invalid amount '\(text)': \(reason)"
        case .overflow(let operation): return "arithmetic overflow in \(operation)"
        case .invalidTime(let text, let reason): return "invalid time '\(text)': \(reason)"
        case .invalidEvent(let reason): return "event refused: \(reason)"
        }
    }
}
