/// Why a configuration file was refused: every problem found, each naming file, line and key.
/// Rendered to text once, by `message` (one problem per line), at the edge that prints or logs it.
public enum ConfigError: Error, Equatable, Sendable {
    case invalid([ConfigProblem])

    /// All problems, in file order.
    public var problems: [ConfigProblem] {
        switch self { case .invalid(let problems): return problems }
    }

    public var message: String {
        var text = ""
        for (index, problem) in problems.enumerated() {
            if index > 0 { text += "\n" }
            text += problem.message
        }
        return text
    }
}

/// One problem in a configuration file: where it is (`line` 0: the file as a whole), which key
/// (nil for syntax and section problems), and what was expected.
public struct ConfigProblem: Equatable, Sendable {
    public var path: String
    public var line: Int
    public var key: String?
    public var text: String

    public init(path: String, line: Int, key: String?, text: String) {
        self.path = path
        self.line = line
        self.key = key
        self.text = text
    }

    /// `/etc/tanglemeter.conf:12: key 'serial.baud': expected 1200…115200, got '9601'`
    /// Control characters from the file (an escape sequence, a carriage return) are shown as
    /// `\xNN`: a message must not drive the operator's terminal or forge a log line.
    public var message: String {
        var result = line > 0 ? "\(path):\(line): " : "\(path): "
        if let key { result += "key '\(key)': " }
        return escapingControlCharacters(result + text)
    }
}

/// `text` with C0 and C1 control characters and DEL written as `\xNN`.
func escapingControlCharacters(_ text: String) -> String {
    func isControl(_ v: UInt32) -> Bool { v < 0x20 || (v >= 0x7F && v <= 0x9F) }
    guard text.unicodeScalars.contains(where: { isControl($0.value) }) else { return text }
    let hex: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
    var result = ""
    for scalar in text.unicodeScalars {
        let v = scalar.value
        if isControl(v) {
            result += "\\x"
            result.append(hex[Int(v >> 4)])
            result.append(hex[Int(v & 15)])
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return result
}

/// A value that does not parse, saying what was expected; the parser adds file, line, key and the
/// text it got. Internal: it never crosses the module boundary.
struct Expected: Error {
    var text: String
    init(_ text: String) { self.text = text }
}
