/// An unsigned decimal as people write it — `2.5`, `100`, `0.000000001` — read exactly, digit by
/// digit. The one decimal parser: money, energy and power (Ledger), durations (Config) and the
/// simulator's options all scale from it. No sign, exponent, space or bare point (`.5`, `5.`).
public struct DecimalNumber: Equatable, Sendable {
    /// The digits before the point.
    public var whole: Int64
    /// The digits after the point as an integer, and how many there were (`2.05`: 5 and 2).
    public var fraction: Int64
    public var fractionDigits: Int

    /// Why a text is not a decimal, as the reader first meets it.
    public enum Problem: Error, Equatable, Sendable {
        /// A digit after the point beyond the caller's limit (or any point when that is 0).
        case tooManyDecimals
        /// A point first, a second point, a point with no digit after it, or no digit at all.
        case misplacedPoint
        /// A byte that is neither a digit nor a point.
        case notADigit
        /// The whole part does not fit Int64.
        case tooLarge
    }

    /// Reads `text`, stopping at the first problem. `maxFractionDigits` (clamped to 0…18, so the
    /// fraction fits Int64) is reported as soon as a digit passes it.
    public init(_ text: Substring, maxFractionDigits: Int) throws(Problem) {
        let limit = max(0, min(maxFractionDigits, 18))
        whole = 0
        fraction = 0
        fractionDigits = 0
        var seenDot = false
        var seenDigit = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                let digit = Int64(byte - UInt8(ascii: "0"))
                seenDigit = true
                if seenDot {
                    fractionDigits += 1
                    if fractionDigits > limit { throw .tooManyDecimals }
                    fraction = fraction * 10 + digit
                } else {
                    let (times10, o1) = whole.multipliedReportingOverflow(by: 10)
                    let (next, o2) = times10.addingReportingOverflow(digit)
                    if o1 || o2 { throw .tooLarge }
                    whole = next
                }
            case UInt8(ascii: "."):
                if seenDot || !seenDigit { throw .misplacedPoint }
                if limit == 0 { throw .tooManyDecimals }
                seenDot = true
            default:
                throw .notADigit
            }
        }
        if !seenDigit || (seenDot && fractionDigits == 0) { throw .misplacedPoint }
    }

    /// The number × `factor` if that is a whole number within Int64, else nil: `1.5` × 1000 is
    /// 1500, `1.0005` × 1000 is not whole. A negative factor gives nil.
    public func times(_ factor: Int64) -> Int64? {
        guard factor >= 0 else { return nil }
        var scale: Int128 = 1
        for _ in 0..<fractionDigits { scale *= 10 }
        let fractionPart = Int128(fraction) * Int128(factor)
        guard fractionPart % scale == 0 else { return nil }
        let total = Int128(whole) * Int128(factor) + fractionPart / scale
        return total <= Int128(Int64.max) ? Int64(total) : nil
    }
}

/// A quantity's text split into its number (the leading digits and points) and its unit (after
/// any spaces): `12.5kW` and `12.5 kW` both give `12.5` and `kW`.
public func splitQuantity(_ text: Substring) -> (number: Substring, unit: Substring) {
    let isNumeric = { (byte: UInt8) in (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: ".") }
    let unitStart = text.utf8.firstIndex { !isNumeric($0) } ?? text.endIndex
    var unit = text[unitStart...]
    while unit.first == " " { unit = unit.dropFirst() }
    return (text[..<unitStart], unit)
}
