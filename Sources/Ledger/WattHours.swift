/// Energy in whole watt-hours, as the meter's own cumulative counter counts it.
public struct WattHours: Hashable, Comparable, Sendable {
    public var value: Int64

    public static let zero = WattHours(0)

    public init(_ value: Int64) { self.value = value }

    public static func < (a: WattHours, b: WattHours) -> Bool { a.value < b.value }

    /// Checked sum: energy never wraps silently.
    public func adding(_ other: WattHours) throws(LedgerError) -> WattHours {
        let (sum, overflow) = value.addingReportingOverflow(other.value)
        if overflow { throw .overflow(operation: "\(value) + \(other.value) Wh") }
        return WattHours(sum)
    }
}

extension WattHours {
    /// Parses an exact energy: `100Wh` (whole Wh, the meter's resolution) or `1.5kWh` (up to 3
    /// decimals); a space before the unit is allowed.
    public static func parse(_ text: Substring) throws(LedgerError) -> WattHours {
        let (number, unit) = try splitQuantity(text, expected: "an energy like 100Wh or 1.5kWh")
        switch unit {
        case "Wh": return WattHours(try parseDecimal(number, scaleDigits: 0, what: "Wh"))
        case "kWh": return WattHours(try parseDecimal(number, scaleDigits: 3, what: "kWh"))
        default: throw .invalidAmount(text: String(text), reason: "energy unit must be Wh or kWh")
        }
    }
}

/// Splits `12.5kW` or `12.5 kW` into its number and unit. The number is the leading run of digits
/// and dots (so a sign is refused here, with the expected form in the message); `parseDecimal`
/// judges it.
func splitQuantity(_ text: Substring, expected: String) throws(LedgerError) -> (number: Substring, unit: Substring) {
    let unitStart = text.utf8.firstIndex { !(($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: ".")) }
        ?? text.endIndex
    let number = text[..<unitStart]
    var unit = text[unitStart...]
    while unit.first == " " { unit = unit.dropFirst() }
    if number.isEmpty || unit.isEmpty { throw .invalidAmount(text: String(text), reason: "expected \(expected)") }
    return (number, unit)
}
