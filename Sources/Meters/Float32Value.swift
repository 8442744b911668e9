/// An IEEE-754 binary32 register pair (Eastron SDM: high word first) turned into an exact
/// fixed-point integer with integer arithmetic only: the bit pattern is an exact rational,
/// mantissa × 2^exponent, so `value × 10^decimals` rounds the same on every machine and no
/// floating point ever reaches money or energy (DESIGN §2 "Money and energy").
public enum Float32Value: Equatable, Sendable {
    /// |value| × 10^decimals rounded to the nearest integer (halves away from zero), and the sign.
    case finite(negative: Bool, magnitude: UInt64)
    case notANumber
    case infinite
    /// |value| × 10^decimals is beyond 2^53: no meter quantity is that large.
    case tooLarge

    /// The largest scaled magnitude decoded; far above any register a meter fills.
    public static let maxMagnitude: UInt64 = 1 << 53

    /// The float of the two registers `high`, `low` (the order on the wire).
    public init(high: UInt16, low: UInt16, decimals: Int) {
        self.init(bits: UInt32(high) << 16 | UInt32(low), decimals: decimals)
    }

    /// Decodes `bits` scaled by 10^`decimals` (0…6).
    public init(bits: UInt32, decimals: Int) {
        let biased = Int((bits >> 23) & 0xFF)
        let fraction = UInt64(bits & 0x7F_FFFF)
        let negative = bits >> 31 == 1
        if biased == 0xFF {
            self = fraction == 0 ? .infinite : .notANumber
            return
        }
        // value = mantissa × 2^exponent exactly; subnormals have no implicit leading 1.
        let mantissa = biased == 0 ? fraction : fraction | 0x80_0000
        let exponent = (biased == 0 ? 1 : biased) - 150
        var power: UInt64 = 1
        for _ in 0..<max(0, min(decimals, 6)) { power *= 10 }
        let scaled = mantissa * power            // < 2^24 × 10^6 < 2^44
        let magnitude: UInt64
        if exponent >= 0 {
            let wide = exponent <= 53 ? UInt128(scaled) << UInt128(exponent) : UInt128(scaled == 0 ? 0 : UInt64.max)
            guard wide <= UInt128(Self.maxMagnitude) else {
                self = .tooLarge
                return
            }
            magnitude = UInt64(wide)
        } else if -exponent > 45 {
            magnitude = 0                        // below 2^-45 × 2^44: rounds to zero
        } else {
            let shift = UInt64(-exponent)
            let whole = scaled >> shift
            let rest = scaled & ((1 << shift) - 1)
            magnitude = rest >= (1 << (shift - 1)) ? whole + 1 : whole
        }
        self = .finite(negative: negative, magnitude: magnitude)
    }
}
