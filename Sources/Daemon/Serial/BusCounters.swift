import ModbusRTU

/// What happened on the bus for one slave address, for the `meter` command and metrics.
public struct BusCounters: Equatable, Sendable {
    /// Requests written to the line.
    public var requests: Int = 0
    /// Replies decoded, exception replies included.
    public var replies: Int = 0
    /// Requests that got no byte back within the response timeout.
    public var timeouts: Int = 0
    /// Replies whose CRC did not check.
    public var crcErrors: Int = 0
    /// Exception replies (the slave understood and refused).
    public var exceptions: Int = 0
    /// Other unusable replies: truncated, from another slave, of another function or length.
    public var badFrames: Int = 0
    /// Bytes that were part of no reply: noise before a frame, after it, or drained after a failure.
    public var garbageBytes: Int = 0
    /// Port failures (device gone, write refused) while talking to this slave.
    public var portErrors: Int = 0

    public init() {}

    /// Counts a failed transaction under its cause.
    mutating func record(_ error: ModbusError) {
        switch error {
        case .timeout: timeouts += 1
        case .badCRC: crcErrors += 1
        case .garbage(let count):
            badFrames += 1
            garbageBytes += count
        case .wrongSlave, .wrongFunction, .byteCountMismatch, .echoMismatch, .truncated:
            badFrames += 1
        }
    }
}

/// Counters of the slaves a bus has talked to, in order of first use (a bus has a handful).
struct BusCounterTable {
    private var entries: [(slave: UInt8, counters: BusCounters)] = []

    subscript(slave: UInt8) -> BusCounters {
        get {
            for entry in entries where entry.slave == slave { return entry.counters }
            return BusCounters()
        }
        set {
            for i in entries.indices where entries[i].slave == slave {
                entries[i].counters = newValue
                return
            }
            entries.append((slave, newValue))
        }
    }

    var slaves: [UInt8] { entries.map { $0.slave } }
}
