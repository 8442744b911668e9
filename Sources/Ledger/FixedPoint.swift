/// Fixed-point integers as exact decimal text, for status lines, metrics, logs and the config
/// summary: `format(27598, decimals: 1)` is `2759.8`, `format(-5, decimals: 2)` is `-0.05`,
/// `format(2_500_000_000, decimals: 9, trimmingZeros: true)` is `2.5`. Integers only: no floating
/// point ever touches a measured or billed quantity. The one formatter every module uses.
public enum FixedPoint {
    /// `value` scaled down by 10^`decimals` (clamped to 0…38), with exactly `decimals` digits after
    /// the point, or with the fraction's trailing zeros (and a bare point) dropped.
    public static func format(_ value: Int128, decimals: Int, trimmingZeros: Bool = false) -> String {
        let decimals = max(0, min(decimals, 38))
        var digits: [UInt8] = []   // least significant first
        digits.reserveCapacity(40)
        var wide = value.magnitude   // no trap for Int128.min
        // 128-bit division is a library call: only the digits above UInt64 take it.
        while wide > UInt128(UInt64.max) {
            digits.append(UInt8(truncatingIfNeeded: wide % 10))
            wide /= 10
        }
        var narrow = UInt64(wide)
        repeat {
            digits.append(UInt8(truncatingIfNeeded: narrow % 10))
            narrow /= 10
        } while narrow > 0
        while digits.count < decimals + 1 { digits.append(0) }
        var lowest = 0
        if trimmingZeros { while lowest < decimals && digits[lowest] == 0 { lowest += 1 } }
        var text: [UInt8] = []
        text.reserveCapacity(digits.count + 2)
        if value < 0 { text.append(UInt8(ascii: "-")) }
        for index in stride(from: digits.count - 1, through: lowest, by: -1) {
            if index == decimals - 1 { text.append(UInt8(ascii: ".")) }
            text.append(UInt8(ascii: "0") + digits[index])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
