/// The `watch` subscriptions (DESIGN §3.3): which control clients watch which meter (nil: every
/// meter). The server keeps the connections; this decides who gets a meter's lines, and forgets a
/// client its line could not reach.
final class WatchStreams {
    /// `Dictionary()`, not `[:]`: in the firmware the literal builds through an empty variadic array
    /// (some 250 bytes for each key and value type).
    private var meterByClient = [ControlClientID: String?]()

    var isEmpty: Bool { meterByClient.isEmpty }

    /// `watch [METER]`: the client gets one line per reading of `meter` (every meter for nil).
    func add(_ id: ControlClientID, meter: String?) { meterByClient[id] = .some(meter) }

    /// The client ended its watch (any line it sends) or is gone.
    func remove(_ id: ControlClientID) { meterByClient[id] = nil }

    /// Hands `line` to `send` for every client watching `meter`; a client `send` could not reach
    /// (it returns false: gone, or too far behind) stops watching.
    func push(_ line: [UInt8], about meter: String, send: (ControlClientID, [UInt8]) -> Bool) {
        for (id, filter) in meterByClient where filter == nil || filter! == meter {
            if !send(id, line) { meterByClient[id] = nil }
        }
    }
}
