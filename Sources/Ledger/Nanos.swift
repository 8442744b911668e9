/// Money in IOTA nanos (1 IOTA = 10^9 nanos, the coin's 9 decimals). Signed: a balance may fall
/// below zero by what was used between the last poll and the cut-off. Never floating point.
public struct Nanos: Hashable, Comparable, Sendable {
    public var value: Int64

    public static let perIOTA: Int64 = 1_000_000_000
    public static let zero = Nanos(0)

    public init(_ value: Int64) { self.value = value }

    public static func < (a: Nanos, b: Nanos) -> Bool { a.value < b.value }

    /// Checked sum: money never wraps silently.
    public func adding(_ other: Nanos) throws(LedgerError) -> Nanos {
        let (sum, overflow) = value.addingReportingOverflow(other.value)
        if overflow { throw .overflow(operation: "\(value) + \(other.value) nanos") }
        return Nanos(sum)
    }

    /// Checked difference.
    public func subtracting(_ other: Nanos) throws(LedgerError) -> Nanos {
        let (difference, overflow) = value.subtractingReportingOverflow(other.value)
        if overflow { throw .overflow(operation: "\(value) - \(other.value) nanos") }
        return Nanos(difference)
    }

    /// The amount as an exact decimal IOTA text with trailing zeros trimmed: `2.5`, `-0.000000001`, `3`.
    public var iotaText: String { FixedPoint.format(Int128(value), decimals: 9, trimmingZeros: true) }
}

extension Nanos {
    /// Parses an exact non-negative amount: `NUMBER UNIT` where UNIT is `IOTA` (up to 9 decimals)
    /// or `nanos` (an integer). Refuses signs, exponents, excess decimals and overflow.
    public static func parse(_ text: Substring) throws(LedgerError) -> Nanos {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else {
            throw .invalidAmount(text: String(text), reason: "expected NUMBER IOTA or NUMBER nanos")
        }
        return try parse(number: parts[0], unit: parts[1])
    }

    /// Parses `number` in `unit` (`IOTA` or `nanos`, case-sensitive as the contract writes them).
    public static func parse(number: Substring, unit: Substring) throws(LedgerError) -> Nanos {
        switch unit {
        case "IOTA": return Nanos(try parseDecimal(number, scaleDigits: 9, what: "IOTA"))
        case "nanos": return Nanos(try parseDecimal(number, scaleDigits: 0, what: "nanos"))
        default:
            throw .invalidAmount(text: "\(number) \(unit)", reason: "unit must be IOTA or nanos")
        }
    }
}

/// Parses an unsigned decimal with at most `scaleDigits` fraction digits into an integer scaled by
/// 10^scaleDigits, exactly. Shared by money (9 decimals) and other fixed-point texts.
public func parseDecimal(_ text: Substring, scaleDigits: Int, what: String) throws(LedgerError) -> Int64 {
    let bad = { (reason: String) -> LedgerError in .invalidAmount(text: String(text), reason: reason) }
    // 10^18 is the largest power of ten in Int64: a larger scale could not hold even the number 1.
    guard (0...18).contains(scaleDigits) else { throw bad("at most 18 decimals can be represented") }
    let number: DecimalNumber
    do { number = try DecimalNumber(text, maxFractionDigits: scaleDigits) } catch {
        switch error {
        case .tooManyDecimals:
            throw bad(scaleDigits == 0 ? "\(what) must be a whole number" : "at most \(scaleDigits) decimals for \(what)")
        case .misplacedPoint: throw bad("expected a decimal number like 2.5")
        case .notADigit: throw bad("expected a non-negative decimal number")
        case .tooLarge: throw bad("too large")
        }
    }
    var scale: Int64 = 1
    for _ in 0..<scaleDigits { scale *= 10 }
    guard let value = number.times(scale) else { throw bad("too large") }
    return value
}
