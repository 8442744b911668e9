import ModbusRTU
import OS

/// meter-sim's single poll(2) loop: requests in from the pty, replies out (on a wire-time
/// schedule when asked), commands in from stdin, SIGTERM/SIGINT through a signalfd.
struct Simulator {
    var meters: [SimMeter]
    var stats = SimStats()
    let options: SimOptions
    private let link: PtyLink
    private let signals: SignalSource
    private var faults: FaultInjector
    private var requests = RequestDecoder()
    private var transmitter: Transmitter
    var stdinOpen = true
    var stdinLines = LineBuffer()
    private var lastAdvanceMicros: Int64
    private var lastRequestByteMicros: Int64 = 0
    /// A partial request older than this is dropped: t3.5 of silence ends a frame, with slack
    /// for a scheduler that may run the master's write in two pieces.
    private let frameSilenceMicros: Int64

    init(options: SimOptions) throws(SimError) {
        self.options = options
        meters = zip(options.addresses, options.models).map {
            var meter = SimMeter(address: $0, powerDeciwatts: options.powerDeciwatts,
                                 voltageDecivolts: options.voltageDecivolts, energyWattHours: options.energyWattHours)
            meter.model = $1
            meter.energyMax = options.energyMax
            meter.saturates = options.energySaturates
            return meter
        }
        do { signals = try SignalSource(reload: false) } catch { throw .system(error) }
        faults = FaultInjector(options: options, seed: options.seed ?? UInt64(bitPattern: Clock.monotonicMicros()))
        let timing = options.wireBaud.map { FrameTiming.forBaud($0, bitsPerCharacter: 10) }
        transmitter = Transmitter(timing: timing)
        frameSilenceMicros = Int64(max(timing?.t35Micros ?? 0, 20_000))
        link = try PtyLink(linkPath: options.link)
        lastAdvanceMicros = Clock.monotonicMicros()
    }

    /// Runs until SIGTERM/SIGINT; returns the exit status.
    mutating func run() -> Int32 {
        writeAll(1, "ready \(options.link)\n")
        var fds = PollSet()
        while true {
            let now = Clock.monotonicMicros()
            fds.removeAll()
            let signalIndex = fds.add(signals.fd, .readable)
            let linkIndex = fds.add(link.master, transmitter.isBlocked ? .readable | .writable : .readable)
            let stdinIndex = stdinOpen ? fds.add(.standardInput, .readable) : nil
            do { _ = try fds.wait(timeoutMs: timeoutMillis(now: now)) } catch {
                writeAll(2, "meter-sim: \(error.message)\n")
                link.removeLink()
                return 2
            }
            advanceEnergy()
            if !fds.readiness(signalIndex).isEmpty { break }
            if fds.readiness(linkIndex).contains(.readable) { readRequests() }
            if let stdinIndex, !fds.readiness(stdinIndex).isEmpty { readCommands() }
            if requests.pendingCount > 0 && Clock.monotonicMicros() - lastRequestByteMicros >= frameSilenceMicros {
                requests.discardPending()
                stats.badFrames += 1
            }
            transmitter.sendDue(fd: link.master, now: Clock.monotonicMicros())
        }
        link.removeLink()
        return 0
    }

    /// Milliseconds until the next thing the loop must do by itself (a reply byte, a frame gap).
    private func timeoutMillis(now: Int64) -> Int32 {
        var deadline = transmitter.nextDeadline
        if requests.pendingCount > 0 {
            let gapEnd = lastRequestByteMicros + frameSilenceMicros
            deadline = deadline.map { min($0, gapEnd) } ?? gapEnd
        }
        guard let deadline else { return -1 }
        let micros = max(0, deadline - now)
        // poll(2) counts whole milliseconds. Rounding up makes a byte up to 1 ms late, which
        // the next bytes catch up on; for a reply's last byte, wake a little early instead and
        // spin (at most 1 ms per reply) so a wire-timed exchange takes no longer than the wire.
        if transmitter.nextIsLastByte && deadline == transmitter.nextDeadline {
            return Int32(clamping: micros / 1000)
        }
        return Int32(clamping: (micros + 999) / 1000)
    }

    private mutating func advanceEnergy() {
        let now = Clock.monotonicMicros()
        for index in meters.indices {
            meters[index].advance(elapsedMicros: now - lastAdvanceMicros, speedThousandths: options.speedThousandths)
        }
        lastAdvanceMicros = now
    }

    private mutating func readRequests() {
        guard let bytes = try? link.master.read(upTo: 512), !bytes.isEmpty else { return }
        let now = Clock.monotonicMicros()
        lastRequestByteMicros = now
        requests.append(bytes[...])
        while true {
            switch requests.next() {
            case .needMore: return
            case .failed: stats.badFrames += 1
            case .request(let request):
                route(slave: request.slave, function: request.function, frameLength: request.encode().count, now: now) {
                    meter in meter.answer(request)
                }
            case .unsupported(let slave, let function):
                // Framed by CRC; its length only matters for wire timing, where 8 is typical.
                route(slave: slave, function: function, frameLength: 8, now: now) { _ in
                    .exception(function: function, code: .illegalFunction)
                }
            }
        }
    }

    /// Who answers on a real bus: the meter with that address; at 0xF8 the only meter (several
    /// would collide, so none answers); at broadcast 0 every meter acts and none replies.
    private mutating func route(slave: UInt8, function: UInt8, frameLength: Int, now: Int64,
                                _ answer: (inout SimMeter) -> ModbusResponse) {
        if slave == 0 {
            stats.requests += 1
            for index in meters.indices where !meters[index].silent { _ = answer(&meters[index]) }
            return
        }
        let index: Int?
        if slave == 0xF8 {
            // Only a PZEM knows the general address; an SDM's addresses end at 247.
            index = meters.count == 1 && meters[0].model == .pzem004t ? 0 : nil
        } else {
            index = meters.firstIndex { $0.address == slave }
        }
        guard let index, !meters[index].silent else { stats.ignored += 1; return }
        stats.requests += 1
        let response = answer(&meters[index])
        if case .exception = response { stats.exceptions += 1 }
        // The reply carries the address the request was sent to (0xF8 echoed, meters.md §1).
        send(response.encode(slave: slave, function: function), requestLength: frameLength, now: now)
    }

    /// Applies the faults to one reply and queues it.
    private mutating func send(_ reply: [UInt8], requestLength: Int, now: Int64) {
        if faults.happens(faults.dropPPM) { stats.dropped += 1; return }
        var frame = reply
        if faults.happens(faults.corruptPPM) { faults.corrupt(&frame); stats.corrupted += 1 }
        if faults.happens(faults.garbagePPM) { frame = faults.garbage() + frame; stats.garbage += 1 }
        var delay: Int64 = 0
        if faults.happens(faults.delayPPM) { delay = faults.delayMicros; stats.delayed += 1 }
        stats.replies += 1
        if !transmitter.enqueue(frame, requestLength: requestLength, extraDelayMicros: delay, now: now) { stats.dropped += 1 }
    }
}

