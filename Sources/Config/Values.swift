import IotaRPC
import Ledger

/// Parsers for the plain value kinds of the configuration file. Each says what it expected.
enum Values {
    /// `yes` or `no`, as the contract writes booleans.
    static func bool(_ text: Substring) throws(Expected) -> Bool {
        switch text {
        case "yes": return true
        case "no": return false
        default: throw Expected("yes or no")
        }
    }

    /// A plain decimal integer in `range` (no sign, no leading `+`).
    static func integer(_ text: Substring, _ range: ClosedRange<Int>) throws(Expected) -> Int {
        guard !text.isEmpty, text.utf8.count <= 18, isDigits(text), let value = Int(text),
              range.contains(value) else {
            throw Expected("\(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    /// A duration within `range`; the message names the range in configuration units.
    static func duration(_ text: Substring, _ range: ClosedRange<Int64>) throws(Expected) -> Milliseconds {
        let expected = Expected("a duration from \(Milliseconds(range.lowerBound).text) to "
                                + "\(Milliseconds(range.upperBound).text) (ms, s, min, h)")
        guard let value = try? Milliseconds.parse(text), range.contains(value.value) else { throw expected }
        return value
    }

    /// A duration of whole seconds within `range` (seconds), for `watchdog.timeout`: the kernel's
    /// WDIOC_SETTIMEOUT takes seconds, so 1500ms would be silently rounded by someone.
    static func wholeSeconds(_ text: Substring, _ range: ClosedRange<Int64>) throws(Expected) -> Milliseconds {
        let expected = Expected("whole seconds from \(range.lowerBound)s to \(range.upperBound)s "
                                + "(a Raspberry Pi's watchdog allows at most 15s)")
        guard let value = try? Milliseconds.parse(text), value.value % 1000 == 0,
              range.contains(value.value / 1000) else { throw expected }
        return value
    }

    /// `8N1`, `8N2`, `8E1`, `7O1` …: data bits 5…8, parity N/E/O, stop bits 1 or 2.
    static func serialFormat(_ text: Substring) throws(Expected) -> SerialFormat {
        guard let format = SerialFormat(text: text) else {
            throw Expected("data bits 5…8, parity N/E/O, stop bits 1…2, like 8N1 or 8N2")
        }
        return format
    }

    /// Octal permission bits, 3 or 4 digits (`0660`, `660`), at most 0777.
    static func octalMode(_ text: Substring) throws(Expected) -> UInt32 {
        let expected = Expected("octal permission bits like 0660 (at most 0777)")
        guard text.utf8.count == 3 || text.utf8.count == 4 else { throw expected }
        var mode: UInt32 = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") else { throw expected }
            mode = mode * 8 + UInt32(byte - UInt8(ascii: "0"))
        }
        guard mode <= 0o777 else { throw expected }
        return mode
    }

    /// `0660`
    static func octalText(_ mode: UInt32) -> String {
        var digits = ""
        var rest = mode
        for _ in 0..<3 {
            digits = "\(rest % 8)" + digits
            rest /= 8
        }
        return "0" + digits
    }

    /// A file system path: printable ASCII without spaces (the file format has no quoting), at most
    /// `maxBytes` (a Unix socket path must fit `sun_path`).
    static func path(_ text: Substring, maxBytes: Int = 4095) throws(Expected) -> String {
        guard !text.isEmpty, text.utf8.count <= maxBytes, text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw Expected("a path of at most \(maxBytes) bytes, printable ASCII without spaces")
        }
        return String(text)
    }

    /// A group name (or numeric gid): letters, digits, `.`, `_`, `-`, 1…32 bytes, not starting with `-`.
    static func groupName(_ text: Substring) throws(Expected) -> String {
        guard !text.isEmpty, text.utf8.count <= 32, text.first != "-",
              text.utf8.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".")
                                     || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }) else {
            throw Expected("a group name (letters, digits, . _ -, at most 32)")
        }
        return String(text)
    }

    /// `auto`, `gpiochipN`, `/dev/…` or a chip label.
    static func gpioChip(_ text: Substring) throws(Expected) -> GPIOChip {
        if text == "auto" { return .auto }
        if text.hasPrefix("/") {
            return .path(try path(text))
        }
        if text.hasPrefix("gpiochip"), isDigits(text.dropFirst(8)), text.utf8.count > 8 {
            return .name(String(text))
        }
        guard text.utf8.count <= 64, text.utf8.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: ".")
              || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ":") }), !text.isEmpty else {
            throw Expected("auto, a chip name (gpiochip0), a path (/dev/gpiochip0) or a label (pinctrl-rp1)")
        }
        return .label(String(text))
    }

    /// `0x` + 64 hex digits, normalised to lowercase: IotaRPC's own rule, so the configuration
    /// and the payment decoder can never disagree on what an address is.
    static func iotaAddress(_ text: Substring) throws(Expected) -> IotaAddress {
        do { return try IotaAddress(config: String(text)) } catch {
            throw Expected("0x followed by 64 hex digits")
        }
    }

    /// A money amount, `0.5 IOTA` or `500000000 nanos`, greater than zero.
    static func money(_ text: Substring) throws(Expected) -> Nanos {
        let expected = Expected("an amount like 0.5 IOTA or 500000000 nanos (up to 9 decimals, above 0)")
        guard let amount = try? Nanos.parse(text), amount.value > 0 else { throw expected }
        return amount
    }

    /// A tariff, `0.25 IOTA/kWh` or `250000000 nanos/kWh`, above 0: a zero tariff would give
    /// energy away under the look of billing (`relay M on` is the way to give it, and is logged).
    static func tariff(_ text: Substring) throws(Expected) -> Tariff {
        let expected = Expected("a price above 0 like 0.25 IOTA/kWh or 250000000 nanos/kWh (up to 9 decimals)")
        guard let tariff = try? Tariff.parse(text), tariff.pricePerKWh.value > 0 else { throw expected }
        return tariff
    }

    /// Whether `name` is a valid meter name: `[a-z0-9_-]{1,32}`.
    static func isMeterName(_ name: Substring) -> Bool {
        !name.isEmpty && name.utf8.count <= 32 && name.utf8.allSatisfy({
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        })
    }

    static func isDigits(_ text: Substring) -> Bool {
        text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}

/// ASCII-only lowercase (host names); other bytes are kept.
func asciiLowercased(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
        if scalar.value >= 65 && scalar.value <= 90, let lower = Unicode.Scalar(scalar.value + 32) {
            result.unicodeScalars.append(lower)
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return result
}
