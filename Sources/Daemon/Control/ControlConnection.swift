import OS

/// Turns a connection's bytes into request items: complete lines, or an overlong-line event.
/// The Control module's line framer (512-byte limit, `\r\n`) conforms to this; the server keeps
/// one per connection and never looks inside the items. The framer must bound its own buffer.
public protocol ControlFraming {
    associatedtype Item
    init()
    /// Feeds the bytes just read; returns the items they complete, in order.
    mutating func consume(_ bytes: ArraySlice<UInt8>) -> [Item]
    /// The peer closed its write side: items still pending (e.g. a last line without `\n`).
    mutating func finish() -> [Item]
}

/// Identifies a control connection for its whole life; unlike an fd it is never reused.
public typealias ControlClientID = UInt64

/// What the request handler learns about the peer of a request.
public struct ControlPeer: Equatable, Sendable {
    public var id: ControlClientID
    public var credentials: PeerCredentials
    /// Decided once at accept by `AdminRule`.
    public var isAdmin: Bool
    /// The connection is subscribed to pushed lines (`watch`).
    public var isWatching: Bool
}

/// The handler's answer to one request item: the reply bytes (data lines and the final line,
/// each ending in `\n`) and what becomes of the connection afterwards.
public struct ControlReply: Sendable {
    public enum Then: Sendable {
        case keepOpen
        /// Flush the reply, then close (e.g. after `ERR 413`); later input is ignored.
        case close
        /// The connection now receives `push`ed lines and is exempt from the idle timeout.
        case startWatching
        case stopWatching
        /// The answer needs the loop (a meter transaction): it comes later through
        /// `ControlServer.complete`; this client's further requests wait, so replies stay in order.
        case hold
    }
    public var bytes: [UInt8]
    public var then: Then

    public init(bytes: [UInt8], then: Then = .keepOpen) { self.bytes = bytes; self.then = then }
    public init(_ text: String, then: Then = .keepOpen) { self.init(bytes: Array(text.utf8), then: then) }
}

/// One accepted client: its framer and its bounded output queue. The server drives it.
final class ControlConnection<Framer: ControlFraming> {
    let fd: FileDescriptor
    var peer: ControlPeer
    var framer = Framer()
    /// Items framed but not yet answered: work stops while the output is above the high-water
    /// mark and resumes as it drains. At most one read's worth, since reading waits for them.
    /// A `.hold` reply is outstanding.
    var awaitingReply = false
    var pendingItems: [Framer.Item] = []
    var pendingItemsHead = 0
    /// Reply bytes not yet taken by the socket; `outputHead` is where sending resumes.
    private var output: [UInt8] = []
    private var outputHead = 0
    /// The peer shut its write side (or we stopped reading for good).
    var inputClosed = false
    /// Close as soon as `output` is flushed.
    var closeWhenFlushed = false
    var isClosed = false
    /// Monotonic ms of the last progress (`ControlLimits.idleTimeoutMs`): connect, a request line
    /// completed, or a reply taken in full — never a lone byte.
    var lastProgress: Int64

    init(fd: FileDescriptor, peer: ControlPeer, now: Int64) {
        self.fd = fd
        self.peer = peer
        self.lastProgress = now
    }

    var pendingOutput: Int { output.count - outputHead }
    var hasPendingItems: Bool { pendingItemsHead < pendingItems.count }

    /// The next unanswered item, if any.
    func nextItem() -> Framer.Item? {
        guard pendingItemsHead < pendingItems.count else {
            if !pendingItems.isEmpty { pendingItems.removeAll(keepingCapacity: true); pendingItemsHead = 0 }
            return nil
        }
        let item = pendingItems[pendingItemsHead]
        pendingItemsHead += 1
        return item
    }

    /// Queues bytes; false when that would exceed `cap` (the peer does not read: drop it).
    func enqueue(_ bytes: [UInt8], cap: Int) -> Bool {
        if pendingOutput + bytes.count > cap { return false }
        if outputHead > 0 && outputHead >= output.count / 2 {
            output.removeSubrange(0..<outputHead)
            outputHead = 0
        }
        output.append(contentsOf: bytes)
        return true
    }

    /// Sends what the socket takes now. Throws when the peer is gone (EPIPE, ECONNRESET).
    func flush(now: Int64) throws(SystemError) {
        if outputHead == output.count { return }
        while outputHead < output.count {
            let head = outputHead
            let sent = try output.withUnsafeBytes { raw in
                Result { () throws(SystemError) -> Int in
                    try UnixSocket.send(fd, UnsafeRawBufferPointer(rebasing: raw[head...]))
                }
            }.get()
            if sent == 0 { return }
            outputHead += sent
        }
        output.removeAll(keepingCapacity: output.capacity <= 16384)
        outputHead = 0
        // A watcher's pushes are taken by the kernel whether or not it reads: whether it reads
        // is asked of the kernel at its deadline instead (`ControlServer.stillReading`).
        if !peer.isWatching { lastProgress = now }
    }

    /// Whether everything sent has been read by the peer (SIOCOUTQ). If the kernel cannot
    /// say (qemu-user), only our own queue counts.
    var peerHasReadEverything: Bool {
        if pendingOutput > 0 { return false }
        return (UnixSocket.bytesUnreadByPeer(fd) ?? 0) == 0
    }
}
