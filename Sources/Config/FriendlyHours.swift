/// A daily window of local time, `HH:MM-HH:MM`, in which running out of credit does not open the
/// relay. The end is exclusive; an end before the start crosses midnight (`20:00-08:00`).
public struct FriendlyHours: Hashable, Sendable {
    /// Minutes after local midnight, 0…1439.
    public var startMinute: Int
    public var endMinute: Int

    public init(startMinute: Int, endMinute: Int) {
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    /// Whether `minuteOfDay` (0…1439, local time) lies inside the window.
    public func contains(minuteOfDay: Int) -> Bool {
        if startMinute < endMinute { return minuteOfDay >= startMinute && minuteOfDay < endMinute }
        return minuteOfDay >= startMinute || minuteOfDay < endMinute
    }

    static func parse(_ text: Substring) throws(Expected) -> FriendlyHours {
        let expected = Expected("hours like 20:00-08:00 (HH:MM-HH:MM, start and end differ)")
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = minuteOfDay(parts[0]), let end = minuteOfDay(parts[1]),
              start != end else { throw expected }
        return FriendlyHours(startMinute: start, endMinute: end)
    }

    /// `HH:MM` with two digits each (24:00 is not a time of day).
    static func minuteOfDay(_ text: Substring) -> Int? {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":") else { return nil }
        var digits: [Int] = []
        for index in [0, 1, 3, 4] {
            let byte = bytes[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            digits.append(Int(byte - UInt8(ascii: "0")))
        }
        let hours = digits[0] * 10 + digits[1]
        let minutes = digits[2] * 10 + digits[3]
        guard hours < 24, minutes < 60 else { return nil }
        return hours * 60 + minutes
    }

    /// `20:00-08:00`
    public var text: String { "\(Self.clock(startMinute))-\(Self.clock(endMinute))" }

    static func clock(_ minute: Int) -> String {
        let h = minute / 60, m = minute % 60
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }
}
