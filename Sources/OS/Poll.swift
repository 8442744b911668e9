import CSystem

/// The `pollfd` array of one loop turn: the loop adds each fd it waits on, waits once, then asks
/// each entry's readiness by the index `add` returned. Rebuilt every turn (DESIGN §2 "The loop").
public struct PollSet {
    private var entries: [pollfd] = []

    public init() {}

    /// Adds `fd`, to be woken for `events` (`.readable`, `.writable`; hang-ups and errors always
    /// wake); returns the index to ask `readiness(_:)` with after `wait`.
    @discardableResult
    public mutating func add(_ fd: FileDescriptor, _ events: Readiness) -> Int {
        entries.append(pollfd(fd: fd.rawValue, events: events.pollEvents, revents: 0))
        return entries.count - 1
    }

    public var count: Int { entries.count }

    public mutating func removeAll() { entries.removeAll(keepingCapacity: true) }

    public mutating func reserveCapacity(_ n: Int) { entries.reserveCapacity(n) }

    /// poll(2) for at most `timeoutMs` (-1: no deadline). Returns how many fds are ready; 0 on
    /// timeout and on EINTR (a signal woke us: the loop recomputes its deadlines and turns again).
    @inline(never)
    public mutating func wait(timeoutMs: Int32) throws(SystemError) -> Int {
        for i in entries.indices { entries[i].revents = 0 }
        let result = entries.withUnsafeMutableBufferPointer { buffer in
            poll(buffer.baseAddress, nfds_t(buffer.count), timeoutMs)
        }
        return try PollSet.count(result)
    }

    /// poll(2)'s result: how many are ready; 0 for EINTR (the caller turns again), else thrown.
    static func count(_ result: Int32) throws(SystemError) -> Int {
        if result >= 0 { return Int(result) }
        if tm_errno() == EINTR { return 0 }
        throw SystemError("poll", errno: .current)
    }

    /// What the entry at `index` waits for.
    public func requested(_ index: Int) -> Readiness { Readiness(pollEvents: entries[index].events) }

    /// The descriptor of the entry at `index`.
    public func descriptor(_ index: Int) -> FileDescriptor { FileDescriptor(rawValue: entries[index].fd) }

    /// What poll reported for the entry at `index` (empty for an index it does not hold).
    public func readiness(_ index: Int) -> Readiness {
        guard entries.indices.contains(index) else { return .nothing }
        return Readiness(pollEvents: entries[index].revents)
    }

    /// Sleeps `ms` milliseconds (poll with no descriptors; a signal may end it early).
    public static func sleep(ms: Int32) {
        _ = poll(nil, 0, ms)
    }
}

/// What poll(2) reported for one fd, or what to wait for. `hangUp`, `error` and `invalid` also
/// wake a read-only waiter: a read then reports what happened (end of file, EIO).
public struct Readiness: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// POLLIN (and POLLPRI): data to read.
    public static let readable = Readiness(rawValue: 1 << 0)
    /// POLLOUT: room to write.
    public static let writable = Readiness(rawValue: 1 << 1)
    /// POLLHUP: the peer or the device is gone.
    public static let hangUp = Readiness(rawValue: 1 << 2)
    /// POLLERR
    public static let error = Readiness(rawValue: 1 << 3)
    /// POLLNVAL: not an open descriptor.
    public static let invalid = Readiness(rawValue: 1 << 4)

    /// Worth a read(2): data, or a condition a read will turn into an error.
    public var wantsRead: Bool { containsAny(.readable | .hangUp | .error | .invalid) }

    /// Nothing at all (cheaper than SetAlgebra's `isEmpty`, which compares with a new empty set).
    public var isEmpty: Bool { rawValue == 0 }

    /// Whether any of `other` is here.
    public func containsAny(_ other: Readiness) -> Bool { rawValue & other.rawValue != 0 }

    /// Both: a plain bit-or (an array literal of options would build an array at run time in the
    /// firmware, which is compiled without inlining).
    public static func | (a: Readiness, b: Readiness) -> Readiness { Readiness(rawValue: a.rawValue | b.rawValue) }

    /// Nothing (what poll says of an fd that is not ready). Not `[]`: see `|`.
    public static var nothing: Readiness { Readiness(rawValue: 0) }

    /// From a pollfd's `events` or `revents`.
    init(pollEvents bits: Int16) {
        let bits = Int32(bits)
        var raw: UInt8 = 0
        if bits & Int32(POLLIN | POLLPRI) != 0 { raw |= Readiness.readable.rawValue }
        if bits & Int32(POLLOUT) != 0 { raw |= Readiness.writable.rawValue }
        if bits & Int32(POLLHUP) != 0 { raw |= Readiness.hangUp.rawValue }
        if bits & Int32(POLLERR) != 0 { raw |= Readiness.error.rawValue }
        if bits & Int32(POLLNVAL) != 0 { raw |= Readiness.invalid.rawValue }
        self.init(rawValue: raw)
    }

    /// As a pollfd's `events` (only readable and writable can be asked for).
    var pollEvents: Int16 {
        var mask: Int16 = 0
        if containsAny(.readable) { mask |= Int16(POLLIN) }
        if containsAny(.writable) { mask |= Int16(POLLOUT) }
        return mask
    }
}
