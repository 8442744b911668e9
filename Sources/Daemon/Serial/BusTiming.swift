import Config
import ModbusRTU

/// Every wait of one Modbus transaction, in µs, computed once from the line settings: pure, so the
/// figures are tested without a port (meters.md §2 "For the Swift daemon").
public struct BusTiming: Equatable, Sendable {
    /// Character time, t1.5 and t3.5 for the line.
    public var frame: FrameTiming
    /// How long the first byte of a reply may take, counted from the end of the request on the
    /// wire (`serial.timeout`, default 300 ms; a PZEM turns a request round in 30–90 ms).
    public var responseTimeoutMicros: Int64
    /// Silence that ends a reply that is not complete yet. t1.5 is what RTU prescribes, but a
    /// Linux tty (and a USB adapter's latency timer, 16 ms by default on FTDI) delivers bytes in
    /// bursts, so the gap is t3.5 plus that latency: about 20 ms at 9600 baud.
    public var gapTimeoutMicros: Int64
    /// Silence kept on the line after a transaction before the next request: t3.5 plus a
    /// millisecond, since a byte is timed when it is read, not when it ended on the wire.
    public var quietMicros: Int64
    /// The longest a babbling line is drained after a failed transaction before the bus moves on
    /// anyway (the next request still starts by flushing the input).
    public var drainLimitMicros: Int64

    /// Latency a USB serial adapter may add between bursts of one frame (FTDI's default timer).
    public static let adapterLatencyMicros: Int64 = 16_000
    /// Extra silence after t3.5 before sending.
    public static let quietSlackMicros: Int64 = 1_000

    public init(baud: Int, format: SerialFormat, responseTimeoutMs: Int64 = 300) {
        frame = FrameTiming.forBaud(baud, bitsPerCharacter: format.bitsPerCharacter)
        let timeout = max(1, min(responseTimeoutMs, 60_000))
        responseTimeoutMicros = timeout * 1000
        gapTimeoutMicros = Int64(frame.t35Micros) + Self.adapterLatencyMicros
        quietMicros = Int64(frame.t35Micros) + Self.quietSlackMicros
        drainLimitMicros = responseTimeoutMicros
    }

    /// Time `bytes` characters take on the wire.
    public func wireMicros(bytes: Int) -> Int64 { Int64(frame.wireMicros(bytes: bytes)) }

    /// When the first reply byte must have come for a request of `requestBytes` sent at `sentAt`.
    public func firstByteDeadline(sentAt: Int64, requestBytes: Int) -> Int64 {
        sentAt + wireMicros(bytes: requestBytes) + responseTimeoutMicros
    }

    /// When a reply still streaming in is given up: the longest frame, garbage in front of it
    /// included, must have fit after the first-byte deadline.
    public func replyDeadline(firstByteDeadline: Int64) -> Int64 {
        firstByteDeadline + wireMicros(bytes: 2 * ModbusFunction.maxFrameLength) + gapTimeoutMicros
    }

    /// The physical floor of one read of `registers` registers (request, reply, t3.5 after each),
    /// as meters.md §4 counts it: the figure bus throughput is compared with.
    public func minimumTransactionMicros(registers: Int) -> Int64 {
        let read = ModbusRequest.readInputRegisters(slave: 1, start: 0, count: UInt16(clamping: registers))
        return wireMicros(bytes: read.encode().count + read.replyLength) + 2 * Int64(frame.t35Micros)
    }
}
