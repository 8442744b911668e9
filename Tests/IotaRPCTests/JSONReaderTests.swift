import Testing
@testable import IotaRPC

func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }

func parse(_ text: String, limits: JSONLimits = .standard) throws(IotaRPCError) -> JSONValue {
    try JSONReader.parse(utf8(text), limits: limits)
}

/// The error a document fails with, or nil if it parses.
func jsonError(_ bytes: [UInt8], limits: JSONLimits = .standard) -> (offset: Int, reason: String)? {
    do {
        _ = try JSONReader.parse(bytes, limits: limits)
        return nil
    } catch {
        guard case .invalidJSON(let offset, let reason) = error else { return (-1, error.message) }
        return (offset, reason)
    }
}

@Suite struct JSONReaderTests {
    @Test func readsEveryKindOfValue() throws {
        let value = try parse(#" {"a": [1, -2.5e+3, true, false, null, "x", {}, []], "b": {"c": "d"}} "#)
        #expect(value == .object([
            JSONMember(key: "a", value: .array([.number("1"), .number("-2.5e+3"), .bool(true), .bool(false), .null,
                                                 .string("x"), .object([]), .array([])])),
            JSONMember(key: "b", value: .object([JSONMember(key: "c", value: .string("d"))])),
        ]))
        #expect(value["b"]?["c"]?.stringValue == "d")
        #expect(value["missing"] == nil)
    }

    @Test func scalarsAreDocumentsToo() throws {
        #expect(try parse("1") == .number("1"))
        #expect(try parse("\t\"s\"\r\n") == .string("s"))
        #expect(try parse("null") == .null)
    }

    @Test func hugeNumbersStayExact() throws {
        let big = "123456789012345678901234567890123456789012345678901234567890"
        #expect(try parse(big) == .number(big))
        #expect(try parse("-0.000000000000000000001e-999") == .number("-0.000000000000000000001e-999"))
        #expect(try parse("9223372036854775807").int64Value == Int64.max)
        #expect(try parse("-9223372036854775808").int64Value == Int64.min)
        #expect(try parse("9223372036854775808").int64Value == nil)
        #expect(try parse("1.0").int64Value == nil)
        #expect(try parse("1e3").int64Value == nil)
    }

    @Test(arguments: [
        ("", 0), (" ", 1), ("{", 1), ("[1,]", 3), ("{\"a\":1,}", 7), ("01", 1), ("1.", 2), (".5", 0), ("-", 1),
        ("1e", 2), ("1e+", 3), ("+1", 0), ("NaN", 0), ("Infinity", 0), ("'a'", 0), ("{\"a\" 1}", 5),
        ("[1 2]", 3), ("tru", 0), ("nul", 0), ("truex", 4), ("1 2", 2), ("{a:1}", 1), ("[1]//", 3),
        ("/* c */1", 0), ("{\"a\":1}}", 7), ("[", 1), ("\"abc", 0), ("{\"a\":}", 5), ("[-]", 2),
        ("-01", 2), ("1.e5", 2), ("\u{FEFF}1", 0),
    ])
    func refusesWhatRFC8259Refuses(text: String, offset: Int) {
        let error = jsonError(utf8(text))
        #expect(error?.offset == offset, "\(text): \(error?.reason ?? "parsed")")
    }

    @Test func decodesEveryEscape() throws {
        let text = #""\"\\\/\b\f\n\r\t\u0041\u00e9\u20ac\ud83d\ude00\u0000""#
        #expect(try parse(text) == .string("\"\\/\u{8}\u{C}\n\r\tAé€😀\u{0}"))
        #expect(try parse(#""\uD83D\uDE00""#) == .string("😀"))
    }

    @Test(arguments: [
        #""\x""#, #""\u12""#, #""\u12G4""#, #""\ud83d""#, #""\ud83dx""#, #""\ude00""#,
        #""\ud83d\u0041""#, #""\ud83d\ud83d""#, "\"a\u{1}b\"", "\"tab\there\"", "\"new\nline\"", #""\"#,
    ])
    func refusesBadEscapesAndControlCharacters(text: String) {
        #expect(jsonError(utf8(text)) != nil, "\(text)")
    }

    @Test func checksUTF8() throws {
        let quote: UInt8 = 0x22
        #expect(try JSONReader.parse([quote, 0xF0, 0x9F, 0x98, 0x80, 0xC3, 0xA9, quote]) == .string("😀é"))
        let bad: [[UInt8]] = [
            [0xC0, 0x80],               // overlong NUL
            [0xE0, 0x80, 0x80],         // overlong 3-byte
            [0xED, 0xA0, 0x80],         // UTF-16 surrogate
            [0xF4, 0x90, 0x80, 0x80],   // past U+10FFFF
            [0xF5, 0x80, 0x80, 0x80],
            [0xE2, 0x82],               // truncated
            [0x80],                     // stray continuation
            [0xFF],
            [0xC3, 0x28],
        ]
        for sequence in bad {
            #expect(jsonError([quote] + sequence + [quote]) != nil, "\(sequence)")
        }
        #expect(jsonError([0xC3, 0xA9]) != nil)   // non-ASCII outside a string
        #expect(jsonError([quote, 0xE2, 0x82])?.offset == 1)
    }

    @Test func refusesDuplicateKeys() {
        #expect(jsonError(utf8(#"{"amount":"1","amount":"2"}"#))?.offset == 14)
        // Past 16 members the set-based check takes over.
        let many = (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        #expect(jsonError(utf8("{" + many + "}")) == nil)
        #expect(jsonError(utf8("{" + many + ",\"k7\":0}")) != nil)
        #expect(jsonError(utf8("{" + many + ",\"k39\":0}")) != nil)
    }

    @Test func boundsNestingDepth() {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(jsonError(utf8(ok)) == nil)
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(jsonError(utf8(deep))?.reason == "nesting deeper than 64")
        let mixed = String(repeating: "{\"a\":[", count: 40)
        #expect(jsonError(utf8(mixed))?.reason == "nesting deeper than 64")
        // A hostile document of nothing but brackets fails fast instead of exhausting the stack.
        #expect(jsonError([UInt8](repeating: UInt8(ascii: "["), count: 1 << 20)) != nil)
    }

    @Test func boundsSizeStringsAndValueCount() {
        let limits = JSONLimits(maxBytes: 100, maxDepth: 64, maxStringBytes: 10, maxValues: 5)
        #expect(jsonError([UInt8](repeating: 0x20, count: 101) , limits: limits)?.reason
                == "document larger than 100 bytes")
        #expect(jsonError(utf8(#""0123456789""#), limits: limits) == nil)
        #expect(jsonError(utf8(#""0123456789a""#), limits: limits)?.reason == "string longer than 10 bytes")
        #expect(jsonError(utf8(#""\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9""#), limits: limits) != nil)   // 12 bytes decoded
        #expect(jsonError(utf8("12345678901"), limits: limits)?.reason == "number longer than 10 bytes")
        #expect(jsonError(utf8("[1,2,3,4]"), limits: limits) == nil)
        #expect(jsonError(utf8("[1,2,3,4,5]"), limits: limits)?.reason == "more than 5 values")
        #expect(JSONLimits.standard.maxBytes == 4 << 20)
        // What maxValues bounds: values are inline (not boxed), 24 bytes each.
        #expect(MemoryLayout<JSONValue>.stride <= 24)
    }
}
