import CSystem

/// How much a log line matters; maps onto syslog priorities.
public enum LogLevel: Int, Comparable, Sendable {
    case error, warning, notice, info, debug

    public var name: String {
        switch self {
        case .error: return "error"
        case .warning: return "warning"
        case .notice: return "notice"
        case .info: return "info"
        case .debug: return "debug"
        }
    }

    var syslogPriority: Int32 {
        switch self {
        case .error: return LOG_ERR
        case .warning: return LOG_WARNING
        case .notice: return LOG_NOTICE
        case .info: return LOG_INFO
        case .debug: return LOG_DEBUG
        }
    }

    public static func < (a: LogLevel, b: LogLevel) -> Bool { a.rawValue < b.rawValue }
}

/// syslog(3) in the daemon facility, lines tagged `tanglemeter[PID]`.
public enum Syslog {
    public static func open() {
        // openlog keeps the pointer: the identity must be static storage.
        let ident: StaticString = "tanglemeter"
        ident.withUTF8Buffer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count + 1) {
                openlog($0, LOG_PID, LOG_DAEMON)
            }
        }
    }

    /// One preformatted line (never a format string).
    public static func write(_ level: LogLevel, _ line: String) {
        tm_syslog(level.syslogPriority, line)
    }
}
