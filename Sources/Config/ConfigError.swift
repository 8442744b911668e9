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
    public var message: String {
        var result = line > 0 ? "\(path):\(line): " : "\(path): "
        if let key { result += "key '\(key)': " }
        return result + text
    }
}

/// A value that does not parse, saying what was expected; the parser adds file, line, key and the
/// text it got. Internal: it never crosses the module boundary.
struct Expected: Error {
    var text: String
    init(_ text: String) { self.text = text }
}
