/// An IOTA Rebased address in its one canonical form: `0x` + 64 lowercase hex digits (32 bytes).
/// Addresses are always sent and compared in this form, whatever case or length they came in.
public struct IotaAddress: Hashable, Sendable {
    /// `0x` + 64 lowercase hex digits.
    public let text: String

    /// Parses a configured `iota.address`: `0x` + exactly 64 hex digits, either case. Short forms
    /// are refused here: a truncated copy-paste must not silently become someone else's address.
    @inline(never)
    public init(config text: String) throws(IotaRPCError) {
        let digits = try IotaAddress.hexDigits(of: text)
        guard digits.count == 64 else {
            throw .invalidAddress(text: IotaAddress.excerpt(text), reason: "expected 0x and 64 hex digits, got \(digits.count) digits")
        }
        self.text = IotaAddress.canonical(digits)
    }

    /// Normalises an address as a node writes it, including short forms of system addresses
    /// (`0x2` → `0x000…0002`): `0x` + 1…64 hex digits, either case, left-padded with zeros.
    @inline(never)
    public init(normalising text: String) throws(IotaRPCError) {
        self.text = IotaAddress.canonical(try IotaAddress.hexDigits(of: text))
    }

    @inline(never)
    static func hexDigits(of text: String) throws(IotaRPCError) -> ArraySlice<UInt8> {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "x") else {
            throw .invalidAddress(text: excerpt(text), reason: "must start with 0x")
        }
        let digits = bytes[2...]
        guard !digits.isEmpty, digits.count <= 64 else {
            throw .invalidAddress(text: excerpt(text), reason: "expected 1 to 64 hex digits after 0x")
        }
        for byte in digits where hexDigitValue(byte) == nil {
            throw .invalidAddress(text: excerpt(text), reason: "\(printable(byte)) is not a hex digit")
        }
        return digits
    }

    @inline(never)
    static func canonical(_ digits: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = [UInt8(ascii: "0"), UInt8(ascii: "x")]
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 64 - digits.count))
        for byte in digits {
            // ASCII upper → lower case; digits are untouched by the OR.
            out.append(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F") ? byte | 0x20 : byte)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// At most `limit` bytes of an offending text, so a hostile reply cannot flood the log.
    @inline(never)
    static func excerpt(_ text: String, limit: Int = 80) -> String {
        text.utf8.count <= limit ? text : String(decoding: Array(text.utf8.prefix(limit - 3)), as: UTF8.self) + "..."
    }
}

/// Coin-type strings: the node writes `0x2::iota::IOTA` (fullnode, short system address) or the
/// 64-digit form (indexer). Compared with the address part normalised.
public enum CoinType {
    /// Whether `text` names the IOTA coin, in short or long form.
    @inline(never)
    public static func isIOTA(_ text: String) -> Bool {
        let suffix = "::iota::IOTA"
        guard text.hasSuffix(suffix) else { return false }
        let addressPart = String(decoding: Array(text.utf8.dropLast(suffix.utf8.count)), as: UTF8.self)
        guard let address = try? IotaAddress(normalising: addressPart) else { return false }
        return address == IotaAddress.framework
    }
}

extension IotaAddress {
    /// `0x2`, the IOTA framework package that defines the coin.
    static let framework = IotaAddress(canonical: canonical(Array("2".utf8)[...]))

    private init(canonical text: String) { self.text = text }
}
