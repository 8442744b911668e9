/// Exact decimal text of fixed-point integers: `fixed(12345, decimals: 1)` is `1234.5`, always with
/// exactly `decimals` digits after the point (so `1234.0`), never through floating point.
func fixed(_ value: Int64, decimals: Int) -> String {
    var scale: UInt64 = 1
    for _ in 0..<decimals { scale *= 10 }
    let magnitude = value.magnitude   // no trap for Int64.min
    let whole = magnitude / scale
    var fraction = "\(magnitude % scale)"
    while fraction.utf8.count < decimals { fraction = "0" + fraction }
    return (value < 0 ? "-" : "") + "\(whole)" + (decimals > 0 ? "." + fraction : "")
}

/// Decimal text of an Int128 (a balance computed without overflow).
func decimal(_ value: Int128) -> String {
    if value >= Int128(Int64.min) && value <= Int128(Int64.max) { return "\(Int64(value))" }
    var magnitude = value.magnitude
    var digits = ""
    repeat {
        digits = "\(UInt8(magnitude % 10))" + digits
        magnitude /= 10
    } while magnitude > 0
    return (value < 0 ? "-" : "") + digits
}
