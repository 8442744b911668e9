import ModbusRTU

/// How one transaction on the bus ended.
public enum BusEvent: Equatable, Sendable {
    /// A reply that answers the request (an exception reply included); `elapsedMicros` runs from
    /// sending the request to the last byte of the reply.
    case completed(ModbusRequest, ModbusResponse, elapsedMicros: Int64)
    /// No usable reply: timeout, bad CRC, truncated or mismatched frame, garbage.
    case failed(ModbusRequest, ModbusError)
    /// The port failed (device gone, cannot be reopened); the request was not answered.
    case portFailed(ModbusRequest, SerialError)
}

/// One Modbus RTU master on one serial line shared by several slaves: one transaction at a time,
/// driven by the caller's poll loop and never blocking. Per transaction: wait until the line has
/// been quiet for t3.5, flush stale input, send, wait up to the response timeout for the first
/// byte, then decode incrementally until a frame is complete or the line falls silent for the gap
/// timeout; after a failure, drain until the line is quiet again (meters.md §2). Retries are the
/// caller's decision: a failure is reported once, as an event.
///
/// The loop's part, each turn: poll `link.descriptor` for input when `wantsReadable`, wake by
/// `nextDeadline()`, then call `handleReadable` / `handleTimer` and act on the event returned.
public struct MeterBus<Link: SerialLink> {
    public private(set) var link: Link
    public let timing: BusTiming
    private var phase: Phase = .idle
    /// The earliest instant the next request may go out (t3.5 after the last byte seen).
    private var quietAt: Int64 = .min
    /// Set after a failed transaction: read and discard until quiet, but not past this instant.
    private var drainUntil: Int64?
    private var table = BusCounterTable()
    /// The slave of the last transaction: bytes drained after it count as its garbage.
    private var lastSlave: UInt8?

    private enum Phase {
        case idle
        /// Accepted by `start`, sent once the line is quiet.
        case pending(ModbusRequest)
        case exchanging(Exchange)
    }

    private struct Exchange {
        var decoder: ResponseDecoder
        let sentAt: Int64
        let firstByteDeadline: Int64
        let giveUpAt: Int64
        var lastByteAt: Int64?
        var request: ModbusRequest { decoder.request }
    }

    public init(link: Link, timing: BusTiming) {
        self.link = link
        self.timing = timing
    }

    /// A request is waiting to be sent or awaiting its reply: `start` would refuse another.
    public var isBusy: Bool {
        if case .idle = phase { return false }
        return true
    }

    /// Whether the loop should poll the link's fd for input this turn.
    public var wantsReadable: Bool {
        if case .exchanging = phase { return true }
        return drainUntil != nil
    }

    /// Counters for one slave address (zero for a slave never asked).
    public func counters(for slave: UInt8) -> BusCounters { table[slave] }

    /// Slave addresses the bus has talked to, in order of first use.
    public var slaves: [UInt8] { table.slaves }

    /// Accepts `request`; it goes out from `handleTimer` once the line has been quiet long enough
    /// (at once if it already has: `nextDeadline()` is then in the past). False, and nothing changes,
    /// while another request is in progress.
    public mutating func start(_ request: ModbusRequest) -> Bool {
        guard case .idle = phase else { return false }
        phase = .pending(request)
        return true
    }

    /// The instant `handleTimer` has work: sending, a reply or gap timeout, the end of a drain.
    public func nextDeadline() -> Int64? {
        let drainEnd = drainUntil.map { min($0, quietAt) }
        switch phase {
        case .idle:
            return drainEnd
        case .pending:
            return drainEnd ?? quietAt
        case .exchanging(let exchange):
            guard let last = exchange.lastByteAt else { return exchange.firstByteDeadline }
            return min(last + timing.gapTimeoutMicros, exchange.giveUpAt)
        }
    }

    /// Reads what arrived. Returns an event when it completes or ends the transaction.
    public mutating func handleReadable(nowMicros now: Int64) -> BusEvent? {
        // Whatever the driver holds arrives in a few reads of this size.
        for _ in 0..<8 {
            let bytes: [UInt8]
            do {
                bytes = try link.read(upTo: 256)
            } catch {
                return portFailure(error)
            }
            if bytes.isEmpty { return nil }
            if let event = received(bytes, now) { return event }
        }
        return nil
    }

    /// Acts on whatever deadline has passed: sends a pending request, times a reply out, ends a drain.
    public mutating func handleTimer(nowMicros now: Int64) -> BusEvent? {
        if let until = drainUntil, now >= quietAt || now >= until { drainUntil = nil }
        switch phase {
        case .idle:
            return nil
        case .pending(let request):
            guard drainUntil == nil, now >= quietAt else { return nil }
            return send(request, now)
        case .exchanging(let exchange):
            guard let last = exchange.lastByteAt else {
                guard now >= exchange.firstByteDeadline else { return nil }
                return fail(.timeout, now, drain: false)
            }
            if now >= last + timing.gapTimeoutMicros {
                // The line has been silent for longer than t3.5 already: nothing to drain.
                return fail(exchange.decoder.failure(), now, drain: false)
            }
            if now >= exchange.giveUpAt {
                return fail(exchange.decoder.failure(), now, drain: true)
            }
            return nil
        }
    }

    /// Abandons any request in progress (no event) and closes the port: shutdown, or a reload that
    /// changes the line settings. A later `start` reopens it.
    public mutating func close() {
        phase = .idle
        drainUntil = nil
        link.close()
    }

    // MARK: - Steps

    private mutating func send(_ request: ModbusRequest, _ now: Int64) -> BusEvent? {
        let frame = request.encode()
        do throws(SerialError) {
            if link.descriptor == nil { try link.reopen() }
            try link.flushInput()
            table[request.slave].requests += 1
            // Eight bytes into an empty tty buffer without flow control always fit; if not, the
            // driver is wedged, and a half-sent frame would only confuse the slaves.
            if try link.write(frame) < frame.count { throw SerialError.writeStalled(device: link.device) }
        } catch {
            table[request.slave].portErrors += 1
            phase = .idle
            return .portFailed(request, error)
        }
        let firstByte = timing.firstByteDeadline(sentAt: now, requestBytes: frame.count)
        phase = .exchanging(Exchange(decoder: ResponseDecoder(expecting: request), sentAt: now,
                                     firstByteDeadline: firstByte,
                                     giveUpAt: timing.replyDeadline(firstByteDeadline: firstByte)))
        return nil
    }

    private mutating func received(_ bytes: [UInt8], _ now: Int64) -> BusEvent? {
        quietAt = now + timing.quietMicros
        guard case .exchanging(var exchange) = phase else {
            // Draining (or a stray wake-up): these bytes answer nothing.
            if let slave = lastSlave { table[slave].garbageBytes += bytes.count }
            return nil
        }
        exchange.lastByteAt = now
        let step = exchange.decoder.feed(bytes)
        phase = .exchanging(exchange)
        switch step {
        case .needMore:
            return nil
        case .frame(let response):
            let request = exchange.request
            var counters = table[request.slave]
            counters.replies += 1
            if case .exception = response { counters.exceptions += 1 }
            counters.garbageBytes += exchange.decoder.garbageSkipped + exchange.decoder.trailingBytes
            table[request.slave] = counters
            phase = .idle
            lastSlave = request.slave
            return .completed(request, response, elapsedMicros: now - exchange.sentAt)
        case .failed(let error):
            return fail(error, now, drain: true)
        }
    }

    /// Ends the exchange with `error`; with `drain`, reads and discards until the line is quiet.
    private mutating func fail(_ error: ModbusError, _ now: Int64, drain: Bool) -> BusEvent? {
        guard case .exchanging(let exchange) = phase else { return nil }
        table[exchange.request.slave].record(error)
        phase = .idle
        lastSlave = exchange.request.slave
        quietAt = max(quietAt, now + timing.quietMicros)
        if drain { drainUntil = now + timing.drainLimitMicros }
        return .failed(exchange.request, error)
    }

    /// The port failed while reading: the exchange ends, the port stays closed until the next send
    /// reopens it.
    private mutating func portFailure(_ error: SerialError) -> BusEvent? {
        drainUntil = nil
        guard case .exchanging(let exchange) = phase else { return nil }
        table[exchange.request.slave].portErrors += 1
        phase = .idle
        return .portFailed(exchange.request, error)
    }
}
