import Config
import OS

/// One line per event (start, config, meter fault, relay change, credit, journal), never one per
/// poll. On stderr a line is `LEVEL: message`, with no timestamp: the supervisors that collect
/// stderr (systemd, runit, s6, start-stop-daemon into a logger) stamp lines themselves.
/// Lines are written with write(2) so they are never held in a stdio buffer.
public struct Log: Sendable {
    /// Where lines go: the configuration's `log` key.
    public var destination: LogTarget
    /// Lines less important than this are skipped.
    public var threshold: LogLevel
    /// Where `.stderr` lines go; tests point it at a pipe.
    var stderrFD: Int32 = 2

    public init(_ destination: LogTarget, threshold: LogLevel = .info) {
        self.destination = destination
        self.threshold = threshold
        if destination == .syslog { Syslog.open() }
    }

    public func error(_ message: String) { write(.error, message) }
    public func warning(_ message: String) { write(.warning, message) }
    public func notice(_ message: String) { write(.notice, message) }
    public func info(_ message: String) { write(.info, message) }
    public func debug(_ message: String) { write(.debug, message) }

    public func write(_ level: LogLevel, _ message: String) {
        guard level <= threshold else { return }
        let line = Log.oneLine(message)
        switch destination {
        case .stderr:
            // One write(2) per line: concurrent writers to the same stderr never interleave
            // inside a line. Errors are ignored: there is nowhere left to report them.
            try? FileDescriptor(rawValue: stderrFD).writeAll("\(level.name): \(line)\n")
        case .syslog:
            Syslog.write(level, line)
        }
    }

    /// A message with a line break (from a peer or a file) must not forge a second log line.
    static func oneLine(_ message: String) -> String {
        guard message.utf8.contains(where: { $0 == 10 || $0 == 13 }) else { return message }
        return String(decoding: message.utf8.map { $0 == 10 || $0 == 13 ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
}
