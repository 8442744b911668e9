/// Exact decimal integer texts, as the node writes u64/u128/i128 values (`"2000000000"`,
/// `"-2001997880"`). Strict: an optional `-`, then digits without leading zeros; no `+`, no spaces.
enum DecimalInteger {
    /// The value of `text` if it is a strict decimal integer that fits Int128 (the node's widest
    /// type, i128), else nil.
    @inline(never)
    static func int128(_ text: String) -> Int128? {
        var bytes = text.utf8[...]
        let negative = bytes.first == UInt8(ascii: "-")
        if negative { bytes = bytes.dropFirst() }
        guard let first = bytes.first else { return nil }
        if first == UInt8(ascii: "0") && bytes.count > 1 { return nil }
        var value: Int128 = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int128(byte - UInt8(ascii: "0"))
            // Accumulate towards the sign so Int128.min itself is representable.
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times10.subtractingReportingOverflow(digit)
                                      : times10.addingReportingOverflow(digit)
            if o1 || o2 { return nil }
            value = next
        }
        if negative && value == 0 { return nil }   // "-0" is not an integer the node writes
        return value
    }

    static func int64(_ text: String) -> Int64? {
        guard let wide = int128(text), wide >= Int128(Int64.min), wide <= Int128(Int64.max) else { return nil }
        return Int64(wide)
    }
}
