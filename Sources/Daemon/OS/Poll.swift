import CSystem

/// The `pollfd` array of one loop turn: the loop adds each fd it waits on, waits once, then asks
/// each entry's readiness by the index `add` returned. Rebuilt every turn (DESIGN §2 "The loop").
public struct PollSet {
    private var entries: [pollfd] = []

    public init() {}

    /// Adds `fd`; returns the index to ask `readiness(_:)` with after `wait`.
    @discardableResult
    public mutating func add(_ fd: FileDescriptor, readable: Bool = true, writable: Bool = false) -> Int {
        var events: Int16 = 0
        if readable { events |= Int16(POLLIN) }
        if writable { events |= Int16(POLLOUT) }
        entries.append(pollfd(fd: fd.rawValue, events: events, revents: 0))
        return entries.count - 1
    }

    public var count: Int { entries.count }

    public mutating func removeAll() { entries.removeAll(keepingCapacity: true) }

    /// poll(2) for at most `timeoutMs` (-1: no deadline). Returns how many fds are ready; 0 on
    /// timeout and on EINTR (a signal woke us: the loop recomputes its deadlines and turns again).
    public mutating func wait(timeoutMs: Int32) throws(SystemError) -> Int {
        for i in entries.indices { entries[i].revents = 0 }
        let result = entries.withUnsafeMutableBufferPointer { buffer in
            poll(buffer.baseAddress, nfds_t(buffer.count), timeoutMs)
        }
        if result >= 0 { return Int(result) }
        let code = tm_errno()
        if code == EINTR { return 0 }
        throw SystemError("poll", errno: code)
    }

    /// What poll reported for the entry at `index` (empty for an index it does not hold).
    public func readiness(_ index: Int) -> Readiness {
        guard entries.indices.contains(index) else { return [] }
        let revents = Int32(entries[index].revents)
        var result: Readiness = []
        if revents & Int32(POLLIN) != 0 { result.insert(.readable) }
        if revents & Int32(POLLOUT) != 0 { result.insert(.writable) }
        if revents & Int32(POLLHUP) != 0 { result.insert(.hangUp) }
        if revents & Int32(POLLERR) != 0 { result.insert(.error) }
        if revents & Int32(POLLNVAL) != 0 { result.insert(.invalid) }
        return result
    }

    /// The poll timeout that wakes at `deadline` (µs, monotonic) seen from `now`: rounded *up* to
    /// whole ms so the loop never wakes just before a deadline and spins; -1 for no deadline.
    public static func timeoutMs(untilMicros deadline: Int64?, nowMicros now: Int64) -> Int32 {
        guard let deadline else { return -1 }
        if deadline <= now { return 0 }
        let (gap, overflow) = deadline.subtractingReportingOverflow(now)
        if overflow || gap >= Int64(Int32.max) * 1000 { return Int32.max }
        return Int32((gap + 999) / 1000)
    }
}

/// What poll(2) reported for one fd. `hangUp`, `error` and `invalid` also wake a read-only waiter:
/// a read then reports what happened (end of file, EIO).
public struct Readiness: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let readable = Readiness(rawValue: 1 << 0)
    public static let writable = Readiness(rawValue: 1 << 1)
    public static let hangUp = Readiness(rawValue: 1 << 2)
    public static let error = Readiness(rawValue: 1 << 3)
    public static let invalid = Readiness(rawValue: 1 << 4)

    /// Worth a read(2): data, or a condition a read will turn into an error.
    public var wantsRead: Bool { !isDisjoint(with: [.readable, .hangUp, .error, .invalid]) }
}

extension Clock {
    /// Microseconds on the monotonic clock: Modbus gaps (t3.5 is 4 ms at 9600 baud) need finer
    /// steps than `monotonicMs`.
    public static func monotonicMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }
}
