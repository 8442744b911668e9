/// Counters printed by the `stats` command.
struct SimStats {
    /// Requests addressed to a meter that answers (including broadcasts, which get no reply).
    var requests = 0
    /// Replies queued for the wire (whatever faults they carry).
    var replies = 0
    var dropped = 0
    var corrupted = 0
    var garbage = 0
    var delayed = 0
    /// Exception replies among `replies`.
    var exceptions = 0
    /// Valid requests for no meter here, or for a silent one.
    var ignored = 0
    /// Frames with a bad CRC and partial frames dropped after silence: a slave stays silent.
    var badFrames = 0

    var line: String {
        "stats requests=\(requests) replies=\(replies) dropped=\(dropped) corrupted=\(corrupted) garbage=\(garbage)"
            + " delayed=\(delayed) exceptions=\(exceptions) ignored=\(ignored) badframes=\(badFrames)"
    }
}
