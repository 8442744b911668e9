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
