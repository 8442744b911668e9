/// One reply being built: data lines, then exactly one final line, `OK` or `ERR CODE MESSAGE`
/// (DESIGN §3.3). Every line it writes is one line of printable ASCII, and no data line can begin
/// with `OK` or `ERR `: keys are lowercase (anything else in a key becomes `_`), and the few lines
/// that are not `KEY VALUE` (watch, metrics) begin with a digit, `#` or `tanglemeter_`.
public struct Reply: Sendable {
    /// The reply so far, every line ending in `\n`.
    public private(set) var text = ""
    /// Whether the final line has been written; nothing is added after it.
    public private(set) var isFinished = false

    public init() {}

    /// A `KEY VALUE` data line. `key` is a lowercase dotted name such as `main.power_w`.
    public mutating func data(_ key: String, _ value: String) {
        guard !isFinished else { return }
        if key.utf8.allSatisfy(Reply.isKeyByte) {
            text += key
        } else {
            for scalar in key.unicodeScalars {
                text.unicodeScalars.append(scalar.isASCII && Reply.isKeyByte(UInt8(scalar.value)) ? scalar : "_")
            }
        }
        text += " "
        text += Reply.sanitized(value)
        text += "\n"
    }

    /// `a-z 0-9 . _ -`: what keys are made of (meter names and lowercase dotted names).
    static func isKeyByte(_ byte: UInt8) -> Bool {
        (byte >= 97 && byte <= 122) || (byte >= 48 && byte <= 57) || byte == 46 || byte == 95 || byte == 45
    }

    /// A line that is not `KEY VALUE` (watch, metrics): written as is after the same checks.
    mutating func raw(_ line: String) {
        guard !isFinished else { return }
        assert(Reply.isDataLine(line), "not a data line: \(line)")
        text += Reply.isDataLine(line) ? line + "\n" : "# " + Reply.sanitized(line) + "\n"
    }

    /// Ends the reply with `OK`.
    public mutating func ok() {
        guard !isFinished else { return }
        text += "OK\n"
        isFinished = true
    }

    /// Ends the reply with `ERR CODE MESSAGE`.
    public mutating func error(_ error: ControlError) {
        guard !isFinished else { return }
        text += error.replyLine + "\n"
        isFinished = true
    }

    /// Whether `line` may be sent as a data line: printable ASCII, not beginning with `OK` or `ERR `.
    public static func isDataLine(_ line: String) -> Bool {
        !line.hasPrefix("OK") && !line.hasPrefix("ERR ")
            && line.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// `text` as one line of printable ASCII: anything else (a newline from a node's reply, UTF-8)
    /// becomes `?`, so no value can end a reply early or forge a final line.
    public static func sanitized(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            result.unicodeScalars.append(scalar.value >= 0x20 && scalar.value < 0x7F ? scalar : "?")
        }
        return result
    }
}
