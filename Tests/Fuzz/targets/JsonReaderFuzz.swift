// Fuzzes the strict JSON reader and every node-reply decoder on arbitrary bytes: none may trap, and
// whatever parses must survive a write-and-read-again round trip unchanged.
#if canImport(IotaRPC)
import IotaRPC
#endif

private let fuzzAccount = try? IotaAddress(config: "0x5f0cb3d9a2106ea782cbbb609460008797e8c4efd0b033becd0253fdaa3d0250")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let value = try? JSONReader.parse(bytes) {
        var written: [UInt8] = []
        write(value, to: &written)
        guard let again = try? JSONReader.parse(written), again == value else {
            fatalError("round trip changed the value")
        }
    }
    _ = try? JSONReader.parse(bytes, limits: JSONLimits(maxBytes: 512, maxDepth: 4, maxStringBytes: 16, maxValues: 32))
    if let account = fuzzAccount {
        _ = try? TransactionPage.decode(bytes, id: 5, account: account)
        _ = try? GraphQLReply.scanPage(bytes, chain: .mainnet, account: account)
    }
    _ = try? NodeReply.latestCheckpoint(bytes, id: 1)
    _ = try? NodeReply.chainIdentifier(bytes, id: 1, chain: .mainnet)
    _ = try? GraphQLReply.bootstrap(bytes, chain: .any)
    return 0
}

/// A minimal writer, independent of the reader, for the round-trip property.
private func write(_ value: JSONValue, to out: inout [UInt8]) {
    switch value {
    case .null: out += Array("null".utf8)
    case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
    case .number(let text): out += Array(text.utf8)
    case .string(let text): writeString(text, to: &out)
    case .array(let items):
        out.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            write(item, to: &out)
        }
        out.append(UInt8(ascii: "]"))
    case .object(let members):
        out.append(UInt8(ascii: "{"))
        for (index, member) in members.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            writeString(member.key, to: &out)
            out.append(UInt8(ascii: ":"))
            write(member.value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }
}

private func writeString(_ text: String, to out: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    out.append(UInt8(ascii: "\""))
    for byte in text.utf8 {
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
            out += [UInt8(ascii: "\\"), byte]
        } else if byte < 0x20 {
            out += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
        } else {
            out.append(byte)
        }
    }
    out.append(UInt8(ascii: "\""))
}
