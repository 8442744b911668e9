/// Bounds on what `JSONReader` accepts, so a hostile or broken node cannot exhaust memory or stack.
public struct JSONLimits: Equatable, Sendable {
    /// Whole document, in bytes. A 50-entry transaction page with effects is about 150 KB.
    public var maxBytes: Int
    /// Arrays and objects nested inside each other; a transaction page needs 7.
    public var maxDepth: Int
    /// One string (after unescaping) or one number's text, in bytes.
    public var maxStringBytes: Int
    /// Values in the document (every scalar, array and object counts one): bounds the tree's
    /// memory, which would otherwise be a multiple of `maxBytes` for `[0,0,0,…]`.
    public var maxValues: Int

    public init(maxBytes: Int = 4 << 20, maxDepth: Int = 64, maxStringBytes: Int = 256 << 10,
                maxValues: Int = 200_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxStringBytes = maxStringBytes
        self.maxValues = maxValues
    }

    public static let standard = JSONLimits()
}

/// A strict RFC 8259 reader over bytes: exactly one value with optional whitespace around it, UTF-8
/// only (no byte-order mark), no trailing commas, no comments, no NaN. Duplicate object keys are
/// refused: which of two `amount`s a node meant is not ours to guess. Numbers are checked against
/// the grammar and kept as text. Never traps: every failure is `.invalidJSON` with a byte offset.
public enum JSONReader {
    public static func parse(_ bytes: [UInt8], limits: JSONLimits = .standard) throws(IotaRPCError) -> JSONValue {
        if bytes.count > limits.maxBytes {
            throw .invalidJSON(offset: limits.maxBytes, reason: "document larger than \(limits.maxBytes) bytes")
        }
        var parser = JSONParser(bytes: bytes, limits: limits)
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        if parser.position < bytes.count {
            throw .invalidJSON(offset: parser.position, reason: "unexpected data after the JSON value")
        }
        return value
    }
}

/// The recursive-descent state behind `JSONReader`. Recursion depth is bounded by `maxDepth`.
struct JSONParser {
    let bytes: [UInt8]
    let limits: JSONLimits
    var position = 0
    var valueCount = 0

    init(bytes: [UInt8], limits: JSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    func fail(_ reason: String, at offset: Int? = nil) -> IotaRPCError {
        .invalidJSON(offset: offset ?? position, reason: reason)
    }

    var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            position += 1
        }
    }

    mutating func value(depth: Int) throws(IotaRPCError) -> JSONValue {
        skipWhitespace()
        valueCount += 1
        if valueCount > limits.maxValues { throw fail("more than \(limits.maxValues) values") }
        guard let byte = current else { throw fail("unexpected end of input, expected a value") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw fail("unexpected byte \(hexByte(byte)), expected a value")
        }
    }

    mutating func literal(_ word: StaticString) throws(IotaRPCError) {
        let start = position
        let count = word.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: count)
        for index in 0..<count {
            guard let byte = current, byte == expected[index] else {
                throw fail("invalid literal, expected \(word)", at: start)
            }
            position += 1
        }
    }

    mutating func array(depth: Int) throws(IotaRPCError) -> JSONValue {
        if depth > limits.maxDepth { throw fail("nesting deeper than \(limits.maxDepth)") }
        position += 1   // [
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") { position += 1; return .array(items) }
        while true {
            items.append(try value(depth: depth))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(items)
            case nil: throw fail("unexpected end of input in an array")
            default: throw fail("expected ',' or ']' in an array")
            }
        }
    }

    mutating func object(depth: Int) throws(IotaRPCError) -> JSONValue {
        if depth > limits.maxDepth { throw fail("nesting deeper than \(limits.maxDepth)") }
        position += 1   // {
        var members: [JSONMember] = []
        // Small objects (every object a node sends) are checked for duplicates linearly; a set
        // takes over for large ones so a hostile 4 MiB object cannot make the check quadratic.
        var seen: Set<String>? = nil
        skipWhitespace()
        if current == UInt8(ascii: "}") { position += 1; return .object(members) }
        while true {
            skipWhitespace()
            let keyOffset = position
            guard current == UInt8(ascii: "\"") else {
                throw fail(current == nil ? "unexpected end of input in an object" : "expected a string key")
            }
            let key = try string()
            if members.count < 16 {
                for member in members where member.key == key { throw fail("duplicate key", at: keyOffset) }
            } else {
                if seen == nil { seen = Set(members.map { $0.key }) }
                if seen?.insert(key).inserted == false { throw fail("duplicate key", at: keyOffset) }
            }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw fail("expected ':' after an object key") }
            position += 1
            members.append(JSONMember(key: key, value: try value(depth: depth)))
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(members)
            case nil: throw fail("unexpected end of input in an object")
            default: throw fail("expected ',' or '}' in an object")
            }
        }
    }

    /// A number per RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func number() throws(IotaRPCError) -> String {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        if current == UInt8(ascii: "0") {
            position += 1
        } else if try digits() == 0 {
            throw fail("expected a digit")
        }
        if current == UInt8(ascii: ".") {
            position += 1
            if try digits() == 0 { throw fail("expected a digit after '.'") }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            if try digits() == 0 { throw fail("expected a digit in the exponent") }
        }
        if position - start > limits.maxStringBytes {
            throw fail("number longer than \(limits.maxStringBytes) bytes", at: start)
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    mutating func digits() throws(IotaRPCError) -> Int {
        var count = 0
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            position += 1
            count += 1
        }
        return count
    }

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

func appendUTF8(_ scalar: UInt32, to text: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
        text.append(UInt8(scalar))
    case 0x80..<0x800:
        text.append(UInt8(0xC0 | scalar >> 6))
        text.append(UInt8(0x80 | scalar & 0x3F))
    case 0x800..<0x10000:
        text.append(UInt8(0xE0 | scalar >> 12))
        text.append(UInt8(0x80 | scalar >> 6 & 0x3F))
        text.append(UInt8(0x80 | scalar & 0x3F))
    default:
        text.append(UInt8(0xF0 | scalar >> 18))
        text.append(UInt8(0x80 | scalar >> 12 & 0x3F))
        text.append(UInt8(0x80 | scalar >> 6 & 0x3F))
        text.append(UInt8(0x80 | scalar & 0x3F))
    }
}

func hexDigitValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
    default: return nil
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

func hexByte(_ byte: UInt8) -> String {
    String(decoding: [UInt8(ascii: "0"), UInt8(ascii: "x"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]],
           as: UTF8.self)
}

func hex4Text(_ value: UInt32) -> String {
    String(decoding: (0..<4).map { hexDigits[Int(value >> (12 - 4 * UInt32($0)) & 0xF)] }, as: UTF8.self)
}

func printable(_ byte: UInt8) -> String {
    byte >= 0x21 && byte < 0x7F ? String(decoding: [byte], as: UTF8.self) : hexByte(byte)
}
