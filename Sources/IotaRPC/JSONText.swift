/// Writing JSON: the one string escaper every request body goes through, so whatever lands inside
/// quotes (an address, a digest, a coin type) cannot break out of them.
enum JSONText {
    /// Appends `text` as a JSON string literal, quotes included. Escapes `"`, `\` and the control
    /// characters below 0x20 (the ones RFC 8259 requires); everything else is copied as UTF-8.
    @inline(never)
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(contentsOf: Array(hex4Text(UInt32(byte)).utf8.suffix(2)))
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    @inline(never)
    static func append(_ literal: String, to out: inout [UInt8]) {
        out.append(contentsOf: Array(literal.utf8))
    }
}
