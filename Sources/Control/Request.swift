import Ledger

/// A parsed, authorised request, ready for the daemon to carry out. Meter names in it are known.
public enum Command: Equatable, Sendable {
    case help
    case version
    case status(meter: String?)
    case meter(String)
    /// The last `count` credits (default 10, at most `Request.maxPayments`).
    case payments(meter: String, count: Int)
    case watch(meter: String?)
    case metrics
    /// A manual credit of `amount` (> 0); `note` is the rest of the line, possibly empty.
    case credit(meter: String, amount: Nanos, note: String)
    case relay(meter: String, RelayOverride)
    case resetEnergy(meter: String)
    case reload

    /// The meter the command is about, if any.
    public var meterName: String? {
        switch self {
        case .status(let meter), .watch(let meter): return meter
        case .meter(let meter), .payments(let meter, _), .credit(let meter, _, _), .relay(let meter, _),
             .resetEnergy(let meter):
            return meter
        case .help, .version, .metrics, .reload: return nil
        }
    }
}

/// Parses request lines into commands (DESIGN §3.3). Checks, in this order: the command exists
/// (404), the peer may use it (403, before any argument is looked at, so a non-admin learns
/// nothing about meters), the arguments are well formed (400), the meter exists (404).
public enum Request {
    public static let defaultPayments = 10
    public static let maxPayments = 1000
    /// The longest note a credit may carry: the journal's limit (`JournalLimits.note`). A longer
    /// one is the client's mistake (400), not the journal failing (503).
    public static let maxNoteBytes = 256

    /// `isAdmin`: the server's decision from SO_PEERCRED. `meters`: the configured meter names.
    public static func parse(_ line: String, isAdmin: Bool, meters: [String]) throws(ControlError) -> Command {
        try parse(Substring(line), isAdmin: isAdmin, meters: meters)
    }

    /// The same for a slice of a line.
    public static func parse(_ line: Substring, isAdmin: Bool, meters: [String]) throws(ControlError) -> Command {
        var words = Words(line)
        guard let name = words.next() else { throw .malformed("empty request; try help") }
        guard let spec = CommandSpec.named(name) else { throw .notFound("unknown command \(quoted(name)); try help") }
        if spec.admin && !isAdmin { throw .forbidden("'\(spec.name)' is an admin command") }
        let usage = ControlError.malformed("usage: \(spec.name)" + (spec.arguments.isEmpty ? "" : " " + spec.arguments))

        func meter(_ word: Substring?) throws(ControlError) -> String {
            guard let word else { throw usage }
            guard meters.contains(where: { $0 == word }) else { throw .notFound("unknown meter \(quoted(word))") }
            return String(word)
        }
        func end() throws(ControlError) { if words.next() != nil { throw usage } }

        switch spec.name {
        case "help": try end(); return .help
        case "version": try end(); return .version
        case "metrics": try end(); return .metrics
        case "reload": try end(); return .reload
        case "status", "watch":
            let word = words.next()
            try end()
            let name = try word.map { (w: Substring) throws(ControlError) -> String in try meter(w) }
            return spec.name == "status" ? .status(meter: name) : .watch(meter: name)
        case "meter", "reset-energy":
            let word = words.next()
            try end()
            let name = try meter(word)
            return spec.name == "meter" ? .meter(name) : .resetEnergy(meter: name)
        case "payments":
            let word = words.next()
            var count = defaultPayments
            if let countText = words.next() {
                guard countText.utf8.count <= 4, countText.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                      let value = Int(countText), value >= 1, value <= maxPayments else {
                    throw .malformed("N must be 1...\(maxPayments), got \(quoted(countText))")
                }
                count = value
            }
            try end()
            return .payments(meter: try meter(word), count: count)
        case "relay":
            let word = words.next()
            let modeWord = words.next()
            try end()
            let mode: RelayOverride
            switch modeWord {
            case "on": mode = .on
            case "off": mode = .off
            case "auto": mode = .auto
            default: throw usage
            }
            return .relay(meter: try meter(word), mode)
        case "credit":
            let word = words.next()
            guard let number = words.next(), let unit = words.next() else { throw usage }
            var note = words.rest
            while let c = note.last, c == " " || c == "\t" { note = note.dropLast() }
            let amount: Nanos
            do {
                amount = try Nanos.parse(number: number, unit: unit)
            } catch {
                throw .malformed(error.message)
            }
            guard amount.value > 0 else { throw .malformed("the amount must be above 0") }
            guard note.utf8.count <= maxNoteBytes else {
                throw .malformed("the note is \(note.utf8.count) bytes, at most \(maxNoteBytes)")
            }
            return .credit(meter: try meter(word), amount: amount, note: String(note))
        default:
            throw .internalError("command '\(spec.name)' has no parser")   // the table and this switch disagree
        }
    }
}

/// Words of a request line, separated by spaces or tabs; `rest` is the unread remainder.
struct Words {
    private(set) var rest: Substring

    init(_ line: Substring) { rest = line }

    mutating func next() -> Substring? {
        rest = rest.drop { $0 == " " || $0 == "\t" }
        guard !rest.isEmpty else { return nil }
        let end = rest.firstIndex { $0 == " " || $0 == "\t" } ?? rest.endIndex
        let word = rest[..<end]
        rest = rest[end...].drop { $0 == " " || $0 == "\t" }
        return word
    }
}
