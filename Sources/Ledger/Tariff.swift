/// A price per kWh in nanos. Charged money is computed from energy totals, never per poll:
/// `floor(wh × pricePerKWh / 1000)` with an Int128 product, so no rounding error accumulates.
public struct Tariff: Hashable, Sendable {
    public var pricePerKWh: Nanos

    public init(pricePerKWh: Nanos) { self.pricePerKWh = pricePerKWh }

    /// Parses `0.25 IOTA/kWh` or `250000000 nanos/kWh` (also `/Wh`, scaled by 1000 exactly).
    public static func parse(_ text: Substring) throws(LedgerError) -> Tariff {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2, let slash = parts[1].firstIndex(of: "/") else {
            throw .invalidAmount(text: String(text), reason: "expected a price like 0.25 IOTA/kWh or 250000000 nanos/kWh")
        }
        let unit = parts[1][..<slash]
        let per = parts[1][parts[1].index(after: slash)...]
        let price = try Nanos.parse(number: parts[0], unit: unit)
        switch per {
        case "kWh": return Tariff(pricePerKWh: price)
        case "Wh":
            let (perKWh, overflow) = price.value.multipliedReportingOverflow(by: 1000)
            if overflow { throw .invalidAmount(text: String(text), reason: "too large") }
            return Tariff(pricePerKWh: Nanos(perKWh))
        default:
            throw .invalidAmount(text: String(text), reason: "price must be per kWh or per Wh")
        }
    }

    /// Money for `energy` at this price, floored to whole nanos. Throws only if the result
    /// exceeds Int64 (far beyond any real meter's range).
    public func charge(for energy: WattHours) throws(LedgerError) -> Nanos {
        let product = Int128(energy.value) * Int128(pricePerKWh.value)
        let nanos = product >= 0 ? product / 1000 : (product - 999) / 1000   // floor, also below zero
        guard nanos <= Int128(Int64.max), nanos >= Int128(Int64.min) else {
            throw .overflow(operation: "\(energy.value) Wh at \(pricePerKWh.value) nanos/kWh")
        }
        return Nanos(Int64(nanos))
    }
}
