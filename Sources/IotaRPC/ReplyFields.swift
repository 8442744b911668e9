import Ledger

/// Typed access to reply fields: every missing or mistyped field becomes `.malformedReply` with its
/// path, so decoders read as a list of requirements and never trap.
struct ReplyFields {
    let value: JSONValue
    let path: String

    init(_ value: JSONValue, path: String) {
        self.value = value
        self.path = path
    }

    @inline(never)
    func optional(_ key: String) -> ReplyFields? {
        guard let member = value[key], !member.isNull else { return nil }
        return ReplyFields(member, path: path + "." + key)
    }

    @inline(never)
    func require(_ key: String) throws(IotaRPCError) -> ReplyFields {
        guard let field = optional(key) else { throw .malformedReply(path: path + "." + key, reason: "missing") }
        return field
    }

    @inline(never)
    func fail(_ reason: String) -> IotaRPCError { .malformedReply(path: path, reason: reason) }

    @inline(never)
    func string() throws(IotaRPCError) -> String {
        guard let text = value.stringValue else { throw fail("expected a string, got \(value.kindName)") }
        return text
    }

    @inline(never)
    func bool() throws(IotaRPCError) -> Bool {
        guard let flag = value.boolValue else { throw fail("expected a boolean, got \(value.kindName)") }
        return flag
    }

    func array() throws(IotaRPCError) -> [ReplyFields] {
        guard let items = value.arrayValue else { throw fail("expected an array, got \(value.kindName)") }
        var fields: [ReplyFields] = []
        fields.reserveCapacity(items.count)
        for (index, item) in items.enumerated() { fields.append(ReplyFields(item, path: path + "[\(index)]")) }
        return fields
    }

    @inline(never)
    func object() throws(IotaRPCError) -> ReplyFields {
        guard case .object = value else { throw fail("expected an object, got \(value.kindName)") }
        return self
    }

    /// A u64/u128/i128 the node writes as a decimal string.
    @inline(never)
    func integerString() throws(IotaRPCError) -> Int128 {
        let text = try string()
        guard let number = DecimalInteger.int128(text) else {
            throw fail("expected a decimal integer string, got \"\(IotaAddress.excerpt(text))\"")
        }
        return number
    }

    /// A decimal integer string that must fit `0…max` (checkpoint numbers, timestamps, balances).
    func unsignedString(max: Int128) throws(IotaRPCError) -> Int128 {
        let number = try integerString()
        // The message quotes the source text: printing an Int128 would link a large formatter.
        guard number >= 0, number <= max else {
            throw fail("\(IotaAddress.excerpt(value.stringValue ?? "")) is out of range")
        }
        return number
    }

    func digest() throws(IotaRPCError) -> TransactionDigest {
        let text = try string()
        guard let digest = TransactionDigest(text) else {
            throw fail("not a Base58 transaction digest: \"\(IotaAddress.excerpt(text))\"")
        }
        return digest
    }
}
