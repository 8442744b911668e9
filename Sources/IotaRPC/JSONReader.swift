/// Bounds on what `JSONReader` accepts, so a hostile or broken node cannot exhaust memory or stack.
public struct JSONLimits: Equatable, Sendable {
    /// Whole document, in bytes. A 50-entry transaction page with effects is about 150 KB.
    public var maxBytes: Int
    /// Arrays and objects nested inside each other; a transaction page needs 7.
    public var maxDepth: Int
    /// One string (after unescaping) or one number's text, in bytes.
    public var maxStringBytes: Int
    /// Values in the document (every scalar, array and object counts one): bounds the tree's
    /// memory (24 bytes a value plus long strings), which would otherwise be a multiple of
    /// `maxBytes` for `[0,0,0,…]`. A 50-entry page has about 3,000.
    public var maxValues: Int

    public init(maxBytes: Int = 4 << 20, maxDepth: Int = 64, maxStringBytes: Int = 256 << 10,
                maxValues: Int = 100_000) {
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
}
