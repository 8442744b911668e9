/// Bounds that keep one client from costing the daemon more than its share.
public struct ControlLimits: Sendable {
    /// Connections beyond this get `ERR 503 too many clients` and are closed.
    public var maxClients = 1024
    /// Bytes read per readiness event: the per-client input buffer never exceeds it.
    public var readChunk = 4096
    /// Above this many unsent reply bytes the client's requests are not read (back-pressure):
    /// a pipelining client that reads slowly is slowed down, not dropped.
    public var outputHighWater = 64 * 1024
    /// A reply or push that would queue more than this drops the client: it does not read.
    public var outputCap = 256 * 1024
    /// A client with no byte read or written for this long is closed — unless it is watching
    /// with nothing queued (a quiet meter must not end a watch).
    public var idleTimeoutMs: Int64 = 60_000
    /// After EMFILE/ENFILE with no reserve fd left, accepting pauses this long (or until a
    /// client closes) instead of spinning on a listener that stays readable.
    public var acceptPauseMs: Int64 = 1_000
    public var backlog: Int32 = 256
    /// Requests answered per client per loop turn: a client pipelining thousands of requests
    /// must not delay the meter poll behind it. The rest wait for the next turn. Small, because
    /// it is per client: 100 pipelining clients at 64 each made one turn 6,400 replies long and a
    /// plain `status` waited ~130 ms behind them (Tests/EndToEnd/test_abuse_clients.py).
    public var requestsPerTurn = 8

    public init() {}
}
