import OS

/// The control socket's listener and clients, driven by the daemon's poll loop: add
/// `pollDescriptors()` to the poll set, pass each ready fd to `handle`, wake by `nextDeadline()`
/// and call `tick(now:)` every turn. Lines are handed to `handler`; nothing here parses the protocol.
public final class ControlServer<Framer: ControlFraming> {
    public typealias Handler = (ControlPeer, Framer.Item) -> ControlReply

    public let path: String
    public let limits: ControlLimits
    private let listener: ControlListener
    private let adminRule: AdminRule
    private let handler: Handler
    /// Sent to a watching client whose input ends (DESIGN §3.3: a watch ends with `OK` when the
    /// client sends a line or closes), before its connection is closed.
    private let watchEnd: [UInt8]
    private var clients = [ControlClientID: ControlConnection<Framer>]()
    private var idByFD = [Int32: ControlClientID]()
    private var nextID: ControlClientID = 1
    /// An fd kept open so that at EMFILE one can be freed to accept-and-close the newcomer.
    private var reserveFD: FileDescriptor?
    private var acceptPausedUntil: Int64?
    private var readBuffer: [UInt8]
    private var closed = false

    /// Binds `path` (mode, optional admin group by name or gid). Throws `.inUse` when a live
    /// daemon owns the path: the caller exits 2.
    public init(path: String, mode: UInt32, adminGroup: String?, limits: ControlLimits = ControlLimits(),
                watchEnd: [UInt8] = [], handler: @escaping Handler) throws(ControlSocketError) {
        var gid: UInt32? = nil
        if let name = adminGroup {
            guard let g = AdminRule.resolve(groupName: name) else { throw .noSuchGroup(name: name) }
            gid = g
        }
        self.path = path
        self.limits = limits
        self.adminRule = AdminRule(adminGroup: gid)
        self.handler = handler
        self.watchEnd = watchEnd
        self.readBuffer = [UInt8](repeating: 0, count: max(limits.readChunk, 64))
        // Linux's default soft limit of 1024 fds would run out before the client cap.
        CurrentProcess.raiseOpenFileLimit(to: limits.maxClients + 64)
        self.listener = try ControlListener.open(path: path, mode: mode, group: gid, backlog: limits.backlog)
        self.reserveFD = Self.openReserve()
    }

    public var clientCount: Int { clients.count }
    /// Connections subscribed with `watch`.
    public var watchers: [ControlClientID] { clients.values.filter { $0.peer.isWatching }.map { $0.peer.id } }

    /// fds and events for this turn's poll(2).
    public func pollDescriptors() -> PollSet {
        var set = PollSet()
        appendPollDescriptors(to: &set)
        return set
    }

    /// Appends this turn's fds and events to the loop's poll set.
    public func appendPollDescriptors(to set: inout PollSet) {
        set.reserveCapacity(set.count + clients.count + 1)
        if !closed && acceptPausedUntil == nil { set.add(listener.fd, .readable) }
        for conn in clients.values {
            var events = Readiness.nothing
            if wantsInput(conn) { events = events | .readable }
            if conn.pendingOutput > 0 { events = events | .writable }
            set.add(conn.fd, events)
        }
    }

    /// Handles readiness of one of our fds.
    public func handle(fd: FileDescriptor, readiness: Readiness, now: Int64) {
        if fd == listener.fd {
            if readiness.contains(.readable) { acceptAll(now: now) }
            return
        }
        guard let id = idByFD[fd.rawValue], let conn = clients[id] else { return }
        if readiness.containsAny(.error | .invalid) { drop(conn); return }
        if conn.pendingOutput > 0 || readiness.contains(.writable) {
            // Output drained below the mark: answer the requests that waited for it.
            if !flush(conn, now: now) || !answerPending(conn, now: now) { return }
        }
        // POLLHUP: the peer closed both directions; nothing we send can arrive any more.
        if readiness.contains(.hangUp) && !readiness.contains(.readable) { drop(conn); return }
        if readiness.containsAny(.readable | .hangUp) && wantsInput(conn) {
            readOnce(conn, now: now)
        }
    }

    /// The earliest monotonic ms at which `tick(now:)` has work: an idle client, a paused
    /// listener, or (as `Int64.min`: poll without waiting) requests held over from this turn.
    public func nextDeadline() -> Int64? {
        var best = acceptPausedUntil
        for conn in clients.values {
            if hasHeldOverRequests(conn) { return Int64.min }
            let due = conn.lastProgress + limits.idleTimeoutMs
            if best == nil || due < best! { best = due }
        }
        return best
    }

    /// Once per loop turn: answers held-over requests, closes idle clients, resumes a paused listener.
    public func tick(now: Int64) {
        if let until = acceptPausedUntil, now >= until { acceptPausedUntil = nil }
        var idle: [ControlConnection<Framer>] = []
        var held: [ControlConnection<Framer>] = []
        for conn in clients.values {
            if hasHeldOverRequests(conn) { held.append(conn) }
            else if now - conn.lastProgress >= limits.idleTimeoutMs {
                if stillReading(conn) { conn.lastProgress = now } else { idle.append(conn) }
            }
        }
        for conn in held { _ = answerPending(conn, now: now) }
        for conn in idle { drop(conn) }
    }

    /// Requests framed but unanswered only because of the per-turn budget (not back-pressure).
    private func hasHeldOverRequests(_ conn: ControlConnection<Framer>) -> Bool {
        conn.hasPendingItems && !conn.awaitingReply && !conn.closeWhenFlushed && conn.pendingOutput <= limits.outputHighWater
    }

    /// A watching client waits for pushes, not for itself: it stays as long as it has read every
    /// line sent (however quiet the meter); one that has not read for the idle timeout goes.
    private func stillReading(_ conn: ControlConnection<Framer>) -> Bool {
        conn.peer.isWatching && conn.peerHasReadEverything
    }

    /// Queues bytes (whole lines) for a watching client: a `watch` line. False if the client is
    /// gone, no longer watching (its watch ended with its final line: nothing may follow), or was
    /// dropped because it does not read.
    @discardableResult
    public func push(_ bytes: [UInt8], to id: ControlClientID, now: Int64) -> Bool {
        guard let conn = clients[id], !conn.isClosed, conn.peer.isWatching else { return false }
        guard conn.enqueue(bytes, cap: limits.outputCap) else { drop(conn); return false }
        // Not `flush(_:now:)`: a push from inside the handler must not close the very client
        // whose reply is being produced; ending a finished client is the read path's job.
        do { try conn.flush(now: now) } catch { drop(conn); return false }
        return true
    }

    /// Closes every client and the listener, and removes the socket file if still ours.
    public func shutdown() {
        guard !closed else { return }
        closed = true
        for conn in Array(clients.values) { drop(conn) }
        listener.close()
        reserveFD?.close()
        reserveFD = nil
    }

    deinit { shutdown() }

    // MARK: - accepting

    private func acceptAll(now: Int64) {
        while !closed {
            let accepted: FileDescriptor?
            do { accepted = try UnixSocket.accept(listener.fd) } catch {
                if !acceptAfterDescriptorExhaustion(error, now: now) { return }
                continue
            }
            guard let fd = accepted else { return }
            if clients.count >= limits.maxClients { reject(fd); continue }
            // A client usually sends its request with the connect: read it now rather than one
            // more poll(2) later, which with a thousand clients held costs ~0.5 ms a turn.
            if let conn = admit(fd, now: now) { readOnce(conn, now: now) }
        }
    }

    /// Whether a newcomer fits: beyond `maxClients − adminReservedClients`, only admins.
    private func hasRoom(isAdmin: Bool) -> Bool {
        isAdmin || clients.count < limits.maxClients - limits.adminReservedClients
    }

    /// EMFILE/ENFILE leave the connection queued and the listener readable: poll would spin.
    /// Free the reserve fd, accept-and-reject the newcomer, take the reserve back; without a
    /// reserve, pause accepting. Returns whether to keep accepting. (Linux reports EMFILE before
    /// it looks at the queue, so "nothing was waiting" must end the loop too.)
    private func acceptAfterDescriptorExhaustion(_ error: SystemError, now: Int64) -> Bool {
        switch error.errno {
        case .EMFILE, .ENFILE:
            if let reserve = reserveFD {
                reserve.close()
                reserveFD = nil
                let accepted = try? UnixSocket.accept(listener.fd)
                if let fd = accepted ?? nil { reject(fd) }
                reserveFD = Self.openReserve()
                if reserveFD == nil { acceptPausedUntil = now + limits.acceptPauseMs }
                return reserveFD != nil && (accepted ?? nil) != nil
            }
            acceptPausedUntil = now + limits.acceptPauseMs
            return false
        case .ENOBUFS, .ENOMEM:
            acceptPausedUntil = now + limits.acceptPauseMs
            return false
        default:
            // ECONNABORTED, EPROTO …: that one connection failed; the next may not.
            return true
        }
    }

    private func admit(_ fd: FileDescriptor, now: Int64) -> ControlConnection<Framer>? {
        var credentials: PeerCredentials
        do { credentials = try PeerCredentials.of(fd) } catch { fd.close(); return nil }
        let admin = adminRule.isAdmin(&credentials, fd: fd)
        guard hasRoom(isAdmin: admin) else { reject(fd); return nil }
        let id = nextID
        nextID &+= 1
        let peer = ControlPeer(id: id, credentials: credentials, isAdmin: admin, isWatching: false)
        let conn = ControlConnection<Framer>(fd: fd, peer: peer, now: now)
        clients[id] = conn
        idByFD[fd.rawValue] = id
        return conn
    }

    /// Best effort: a fresh socket's buffer takes one short line without blocking.
    private func reject(_ fd: FileDescriptor) {
        let line: StaticString = "ERR 503 too many clients\n"
        _ = try? UnixSocket.send(fd, UnsafeRawBufferPointer(start: line.utf8Start, count: line.utf8CodeUnitCount))
        fd.close()
    }

    private static func openReserve() -> FileDescriptor? {
        try? FileDescriptor.open("/dev/null", .readOnly)
    }

    // MARK: - one client

    private func readOnce(_ conn: ControlConnection<Framer>, now: Int64) {
        let fd = conn.fd
        let result = readBuffer.withUnsafeMutableBytes { raw in
            Result { () throws(SystemError) -> Int? in try UnixSocket.receive(fd, into: raw) }
        }
        guard case .success(let count) = result else { drop(conn); return }
        guard let n = count else { return }
        let items = n == 0 ? conn.framer.finish() : conn.framer.consume(readBuffer[0..<n])
        if !items.isEmpty { conn.lastProgress = now }
        conn.pendingItems += items
        if n == 0 {
            conn.inputClosed = true
            // A watching client closed its write side: its watch request's reply ends now.
            if items.isEmpty && conn.peer.isWatching {
                conn.peer.isWatching = false
                guard conn.enqueue(watchEnd, cap: limits.outputCap) else { drop(conn); return }
            }
        }
        _ = answerPending(conn, now: now)
    }

    /// Reads only when every framed request is answered and the peer keeps up with the replies:
    /// this bounds both the input held and the output queued.
    private func wantsInput(_ conn: ControlConnection<Framer>) -> Bool {
        !conn.inputClosed && !conn.closeWhenFlushed && !conn.hasPendingItems && !conn.awaitingReply
            && conn.pendingOutput <= limits.outputHighWater
    }

    /// Answers waiting requests until the output passes the high-water mark or the turn's
    /// budget is spent, then flushes. False if the client is gone (dropped, or done and closed).
    private func answerPending(_ conn: ControlConnection<Framer>, now: Int64) -> Bool {
        var budget = limits.requestsPerTurn
        while budget > 0 && !conn.closeWhenFlushed && !conn.awaitingReply
              && conn.pendingOutput <= limits.outputHighWater, let item = conn.nextItem() {
            budget -= 1
            answer(conn, item)
            if conn.isClosed { return false }
            if conn.pendingOutput > limits.outputHighWater && !flush(conn, now: now) { return false }
        }
        return flush(conn, now: now)
    }

    private func answer(_ conn: ControlConnection<Framer>, _ item: Framer.Item) {
        let reply = handler(conn.peer, item)
        if conn.isClosed { return }  // the handler pushed past the cap
        guard conn.enqueue(reply.bytes, cap: limits.outputCap) else { drop(conn); return }
        switch reply.then {
        case .keepOpen: break
        case .close: conn.closeWhenFlushed = true
        case .startWatching: conn.peer.isWatching = true
        case .stopWatching: conn.peer.isWatching = false
        case .hold: conn.awaitingReply = true
        }
    }

    /// Delivers the reply to a request answered with `.hold`, then goes on with the client's
    /// pipelined requests. False if the client is gone.
    @discardableResult
    public func complete(_ bytes: [UInt8], to id: ControlClientID, now: Int64) -> Bool {
        guard let conn = clients[id], conn.awaitingReply else { return false }
        conn.awaitingReply = false
        guard conn.enqueue(bytes, cap: limits.outputCap) else { drop(conn); return false }
        return answerPending(conn, now: now)
    }

    /// Sends queued output; false if the client had to be dropped (or is done and closed).
    private func flush(_ conn: ControlConnection<Framer>, now: Int64) -> Bool {
        do { try conn.flush(now: now) } catch { drop(conn); return false }
        if conn.pendingOutput == 0 && !conn.awaitingReply
            && (conn.closeWhenFlushed || (conn.inputClosed && !conn.hasPendingItems)) {
            drop(conn)
            return false
        }
        return true
    }

    private func drop(_ conn: ControlConnection<Framer>) {
        guard !conn.isClosed else { return }
        conn.isClosed = true
        conn.fd.close()
        clients[conn.peer.id] = nil
        idByFD[conn.fd.rawValue] = nil
        acceptPausedUntil = nil  // a freed fd is room for the next client
    }
}
