/// A daily window of local time, `20:00-08:00`, in which credit running out does not open a relay
/// that is on (as on utility prepayment meters). Start inclusive, end exclusive; it may wrap midnight.
public struct FriendlyHours: Hashable, Sendable {
    /// Minutes after local midnight, 0..<1440.
    public var startMinute: Int
    public var endMinute: Int

    public static let minutesPerDay = 1440

    /// Both bounds in 0..<1440 and different (an empty or whole-day window is a configuration
    /// mistake, not something to guess at).
    public init(startMinute: Int, endMinute: Int) throws(LedgerError) {
        let text = "\(startMinute)-\(endMinute) minutes"
        guard (0..<FriendlyHours.minutesPerDay).contains(startMinute),
              (0..<FriendlyHours.minutesPerDay).contains(endMinute) else {
            throw .invalidTime(text: text, reason: "minutes of the day must be 0…1439")
        }
        guard startMinute != endMinute else {
            throw .invalidTime(text: text, reason: "start and end must differ")
        }
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    /// Parses `HH:MM-HH:MM` (24-hour clock, hours 0–23 with one or two digits, minutes two digits).
    public static func parse(_ text: Substring) throws(LedgerError) -> FriendlyHours {
        let halves = text.split(separator: "-", omittingEmptySubsequences: false)
        guard halves.count == 2 else {
            throw .invalidTime(text: String(text), reason: "expected a local time range like 20:00-08:00")
        }
        let start = try minuteOfDay(halves[0], in: text)
        let end = try minuteOfDay(halves[1], in: text)
        guard start != end else {
            throw .invalidTime(text: String(text), reason: "start and end must differ")
        }
        return try FriendlyHours(startMinute: start, endMinute: end)
    }

    /// Whether `minute` (minutes after local midnight) falls in the window; out-of-range minutes never do.
    public func contains(minute: Int) -> Bool {
        guard (0..<FriendlyHours.minutesPerDay).contains(minute) else { return false }
        if startMinute < endMinute { return minute >= startMinute && minute < endMinute }
        return minute >= startMinute || minute < endMinute   // wraps midnight
    }

    /// The window as configured: `20:00-08:00`.
    public var text: String { FriendlyHours.clock(startMinute) + "-" + FriendlyHours.clock(endMinute) }

    static func clock(_ minute: Int) -> String {
        let hours = minute / 60, minutes = minute % 60
        return (hours < 10 ? "0" : "") + "\(hours):" + (minutes < 10 ? "0" : "") + "\(minutes)"
    }

    static func minuteOfDay(_ time: Substring, in text: Substring) throws(LedgerError) -> Int {
        let bad = LedgerError.invalidTime(text: String(text), reason: "expected HH:MM-HH:MM with hours 00–23 and minutes 00–59")
        let parts = time.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].utf8.count), parts[1].utf8.count == 2,
              let hours = digits(parts[0]), let minutes = digits(parts[1]),
              hours < 24, minutes < 60 else { throw bad }
        return hours * 60 + minutes
    }

    /// Plain ASCII digits only (no sign, no spaces), at most two of them, so nothing can overflow.
    static func digits(_ text: Substring) -> Int? {
        var value = 0
        for byte in text.utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
