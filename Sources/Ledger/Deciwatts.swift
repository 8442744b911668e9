/// Power in tenths of a watt, the resolution of the PZEM-004T's power register. Signed, so a meter
/// that reports export as negative power still fits.
public struct Deciwatts: Hashable, Comparable, Sendable {
    public var value: Int64

    public static let zero = Deciwatts(0)
    /// The most a PZEM-004T with its 100 A current transformer measures (datasheet: 0–23 kW); the
    /// default physical limit for rejecting impossible counter jumps.
    public static let pzem004tMaximum = Deciwatts(230_000)

    public init(_ value: Int64) { self.value = value }

    public static func < (a: Deciwatts, b: Deciwatts) -> Bool { a.value < b.value }

    /// Parses an exact power: `500W` (up to 1 decimal) or `2.3kW` (up to 4 decimals); a space
    /// before the unit is allowed.
    public static func parse(_ text: Substring) throws(LedgerError) -> Deciwatts {
        Deciwatts(try parseQuantity(text, units: [("W", 1), ("kW", 4)], expected: "a power like 500W or 2.3kW"))
    }
}
