/// Bounds that keep one client from costing the daemon more than its share.
public struct ControlLimits: Sendable {
    /// Connections beyond this get `ERR 503 too many clients` and are closed.
    public var maxClients = 1024
    /// The last this many of `maxClients` are kept for admin peers (DESIGN §3.3): a crowd of
    /// read-only clients or `watch` streams can never lock the operator out of `relay … off`.
    public var adminReservedClients = 32
    /// Bytes read per readiness event: the per-client input buffer never exceeds it.
    public var readChunk = 4096
    /// Above this many unsent reply bytes the client's requests are not read (back-pressure):
    /// a pipelining client that reads slowly is slowed down, not dropped.
    public var outputHighWater = 64 * 1024
    /// A reply or push that would queue more than this drops the client: it does not read.
    public var outputCap = 256 * 1024
    /// A client is closed when for this long it has neither completed a request line nor had
    /// a reply taken in full. Single bytes do not count: a client trickling a byte every 30 s
    /// never completes a 512-byte line in time. A `watch` client is closed when, at the end of
    /// such a period, the kernel still holds lines it has not read; one that reads stays, however
    /// quiet the meter (DESIGN §3.3, README "Socket protocol").
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
