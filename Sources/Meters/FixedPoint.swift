/// Fixed-point decimals as text, for status lines and logs: `format(27598, decimals: 1)` is
/// `"2759.8"`, `format(12345, decimals: 3)` is `"12.345"`, `format(-5, decimals: 2)` is `"-0.05"`.
/// Integers only: no floating point ever touches a measured or billed quantity.
public enum FixedPoint {
    /// `value` scaled down by 10^`decimals` (clamped to 0…38), every decimal digit kept.
    public static func format<T: BinaryInteger>(_ value: T, decimals: Int) -> String {
        let decimals = max(0, min(decimals, 38))
        let negative = value < 0
        var magnitude = UInt128(clamping: value.magnitude)
        var digits: [UInt8] = []
        repeat {
            digits.append(UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        while digits.count < decimals + 1 { digits.append(0) }
        var text = negative ? "-" : ""
        text.reserveCapacity(digits.count + 2)
        for index in stride(from: digits.count - 1, through: 0, by: -1) {
            if index == decimals - 1 { text += "." }
            text.append(Character(Unicode.Scalar(UInt8(ascii: "0") + digits[index])))
        }
        return text
    }
}
