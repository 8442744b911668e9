import Ledger

/// A length of time in whole milliseconds, as configured: `300ms`, `1s`, `1.5s`, `5min`, `2h`.
public struct Milliseconds: Hashable, Comparable, Sendable {
    public var value: Int64

    public init(_ value: Int64) { self.value = value }

    public static func < (a: Milliseconds, b: Milliseconds) -> Bool { a.value < b.value }

    static let units: [(String, Int64)] = [("ms", 1), ("s", 1000), ("min", 60_000), ("h", 3_600_000)]

    /// Parses a duration; decimals are allowed where the result is a whole number of ms.
    static func parse(_ text: Substring) throws(Expected) -> Milliseconds {
        guard let value = parseQuantity(text, units: units) else {
            throw Expected("a duration like 300ms, 1s, 5min or 2h")
        }
        return Milliseconds(value)
    }

    /// The largest unit that states the value exactly: `300ms`, `10s`, `1min`, `2h`.
    public var text: String { quantityText(value, units: Milliseconds.units) }
}

/// Texts of the Ledger quantities the configuration uses, in the file's own syntax; parsing them
/// is Ledger's (`WattHours.parse`, `Deciwatts.parse`, `FriendlyHours.parse`).
enum QuantityText {
    /// `100Wh`
    static func energy(_ energy: WattHours) -> String { "\(energy.value)Wh" }

    /// Watts with one decimal when needed: `2300W`, `2300.5W`.
    static func power(_ power: Deciwatts) -> String {
        FixedPoint.format(Int128(power.value), decimals: 1, trimmingZeros: true) + "W"
    }
}

/// Parses `NUMBER UNIT` (a space between them is allowed) into the base unit, exactly: the
/// number may have decimals only as far as the result stays a whole number of base units.
/// nil on any malformed text, unknown unit, inexact fraction or overflow.
func parseQuantity(_ text: Substring, units: [(String, Int64)]) -> Int64? {
    let (number, unit) = splitQuantity(text)
    for (name, factor) in units where name == unit {
        return (try? DecimalNumber(number, maxFractionDigits: 18))?.times(factor)
    }
    return nil
}

/// `value` in the largest unit of `units` (ascending factors) that divides it: `60s` → `1min`.
func quantityText(_ value: Int64, units: [(String, Int64)]) -> String {
    var best = units[0]
    for unit in units where value != 0 && value % unit.1 == 0 { best = unit }
    return "\(value / best.1)\(best.0)"
}
