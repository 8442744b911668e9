/// JSON strings: escapes (with UTF-16 surrogate pairs) decoded, raw bytes checked to be UTF-8.
extension JSONParser {
    /// A string at the opening quote: escapes decoded, raw bytes checked to be well-formed UTF-8.
    mutating func string() throws(IotaRPCError) -> String {
        let start = position
        position += 1   // "
        var text: [UInt8] = []
        while true {
            if text.count > limits.maxStringBytes {
                throw fail("string longer than \(limits.maxStringBytes) bytes", at: start)
            }
            guard let byte = current else { throw fail("unterminated string", at: start) }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: text, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &text)
            case 0x00..<0x20:
                throw fail("unescaped control character \(hexByte(byte)) in a string")
            case 0x20..<0x80:
                text.append(byte)
                position += 1
            default:
                try utf8Sequence(into: &text)
            }
        }
    }

    mutating func escape(into text: inout [UInt8]) throws(IotaRPCError) {
        let start = position
        position += 1   // backslash
        guard let byte = current else { throw fail("unterminated escape", at: start) }
        position += 1
        switch byte {
        case UInt8(ascii: "\""): text.append(0x22)
        case UInt8(ascii: "\\"): text.append(0x5C)
        case UInt8(ascii: "/"): text.append(0x2F)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw fail("lone low surrogate \\u\(hex4Text(scalar))", at: start)
            }
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                // A high surrogate must be followed at once by an escaped low surrogate.
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"),
                      bytes[position + 1] == UInt8(ascii: "u") else {
                    throw fail("high surrogate \\u\(hex4Text(scalar)) not followed by a low surrogate", at: start)
                }
                position += 2
                let low = try hex4()
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw fail("high surrogate \\u\(hex4Text(scalar)) followed by \\u\(hex4Text(low))", at: start)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            appendUTF8(scalar, to: &text)
        default:
            throw fail("invalid escape \\\(printable(byte))", at: start)
        }
    }

    mutating func hex4() throws(IotaRPCError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = current, let digit = hexDigitValue(byte) else {
                throw fail("expected 4 hex digits after \\u")
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    /// Copies one multi-byte UTF-8 sequence, refusing overlongs, surrogates and values past U+10FFFF
    /// (the table of well-formed sequences in Unicode §3.9).
    mutating func utf8Sequence(into text: inout [UInt8]) throws(IotaRPCError) {
        let start = position
        let lead = bytes[position]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: throw fail("invalid UTF-8 lead byte \(hexByte(lead))")
        }
        guard start + length <= bytes.count else { throw fail("truncated UTF-8 sequence") }
        for index in 1..<length {
            let byte = bytes[start + index]
            let (min, max) = index == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard byte >= min, byte <= max else {
                throw fail("invalid UTF-8 continuation byte \(hexByte(byte))", at: start + index)
            }
        }
        text.append(contentsOf: bytes[start..<start + length])
        position += length
    }
}
