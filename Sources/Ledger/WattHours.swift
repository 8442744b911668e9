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
        WattHours(try parseQuantity(text, units: [("Wh", 0), ("kWh", 3)], expected: "an energy like 100Wh or 1.5kWh"))
    }
}

/// Parses `12.5kW` or `12.5 kW` exactly, in the smallest unit: each unit says how many decimals it
/// allows, which is also how many places it is scaled up (kW = 10^4 dW). The number is the leading
/// run of digits and dots, so a sign is refused with the expected form in the message.
func parseQuantity(_ text: Substring, units: [(name: Substring, scaleDigits: Int)], expected: String) throws(LedgerError) -> Int64 {
    let (number, unit) = splitQuantity(text)
    if number.isEmpty || unit.isEmpty { throw .invalidAmount(text: String(text), reason: "expected \(expected)") }
    guard let match = units.first(where: { $0.name == unit }) else {
        throw .invalidAmount(text: String(text), reason: "expected \(expected)")
    }
    return try parseDecimal(number, scaleDigits: match.scaleDigits, what: String(match.name))
}
