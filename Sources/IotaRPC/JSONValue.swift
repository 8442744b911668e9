/// One JSON value as read by `JSONReader`. Numbers keep their exact source text: money arrives as
/// strings anyway, and nothing here ever goes through a floating-point type.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number's exact text as it appeared (RFC 8259 grammar checked), e.g. `-12`, `1.5e300`.
    case number(String)
    case string(String)
    case array([JSONValue])
    /// Members in source order; keys are unique (the reader refuses duplicates).
    case object([JSONMember])

    /// The member named `key`, if this is an object that has it.
    @inline(never)
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.key == key { return member.value }
        return nil
    }

    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let flag) = self { return flag }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let items) = self { return items }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The number as an exact Int64 when it is an integer literal in range (`1071`, `-5`);
    /// nil for fractions, exponents and out-of-range values.
    public var int64Value: Int64? {
        guard case .number(let text) = self else { return nil }
        return DecimalInteger.int64(text)
    }

    /// A short name of the value's kind, for error messages.
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}

/// One `"key": value` pair of a JSON object.
public struct JSONMember: Equatable, Sendable {
    public var key: String
    public var value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}
