import Config
import CCurl
import OS

/// HTTP POSTs to the IOTA node through libcurl's multi interface, driven by the daemon's own poll
/// loop: libcurl tells us (socket and timer callbacks) which fds to watch and when to wake it; the
/// loop polls them with everything else and hands back what is ready. Nothing here ever blocks
/// (name resolution runs in libcurl's resolver thread). Connections stay in the multi's cache
/// between requests, so one node is reached over one kept-alive connection.
///
/// Each loop turn: add `pollDescriptors()` to the pollfd set and `nextDeadlineMs` to the deadlines;
/// after poll, call `handle(fd:readiness:)` for each ready curl fd and `handleTimeout()` once the
/// deadline has passed; then `takeCompleted()`.
public final class NodeTransport {
    /// Timeouts and caps of every request. The defaults suit a public node polled every 10 s.
    public struct Limits: Sendable {
        public var connectTimeoutMs: Int
        public var totalTimeoutMs: Int
        /// A transfer slower than this many bytes per second for `lowSpeedWindowSeconds` is cut.
        public var lowSpeedBytesPerSecond: Int
        public var lowSpeedWindowSeconds: Int
        public var maxResponseBytes: Int

        public init(connectTimeoutMs: Int = 5_000, totalTimeoutMs: Int = 15_000,
                    lowSpeedBytesPerSecond: Int = 64, lowSpeedWindowSeconds: Int = 5,
                    maxResponseBytes: Int = 1 << 20) {
            self.connectTimeoutMs = connectTimeoutMs
            self.totalTimeoutMs = totalTimeoutMs
            self.lowSpeedBytesPerSecond = lowSpeedBytesPerSecond
            self.lowSpeedWindowSeconds = lowSpeedWindowSeconds
            self.maxResponseBytes = maxResponseBytes
        }
    }

    public let limits: Limits
    private let caFile: String?
    private let userAgent: String
    private let multi: UnsafeMutableRawPointer
    /// fd → poll(2) events libcurl wants, kept up to date by the socket callback.
    private var watched = [Int32: Readiness]()
    /// Monotonic ms at which libcurl wants `handleTimeout()`, set by the timer callback.
    private var timerDeadlineMs: Int64? = nil
    private var inFlight = [NodeRequestID: NodeRequest]()
    private var completed: [NodeCompletion] = []
    private var lastID: UInt64 = 0

    /// `caFile`: `iota.ca_file`, or nil for the system CA bundle.
    public init(caFile: String? = nil, userAgent: String = "tanglemeter/\(tanglemeterVersion)",
                limits: Limits = Limits()) throws(TransportError) {
        try CurlLibrary.initializeOnce()
        guard let multi = curl_multi_init() else { throw .setup(detail: "curl_multi_init failed") }
        self.multi = multi
        self.caFile = caFile
        self.userAgent = userAgent
        self.limits = limits
        let context = Unmanaged.passUnretained(self).toOpaque()
        _ = tm_curl_multi_setopt_socket_cb(multi) { _, fd, what, context, _ in
            guard let context else { return 0 }
            Unmanaged<NodeTransport>.fromOpaque(context).takeUnretainedValue().watch(fd: fd, what: what)
            return 0
        }
        _ = tm_curl_multi_setopt_ptr(multi, CURLMOPT_SOCKETDATA, context)
        _ = tm_curl_multi_setopt_timer_cb(multi) { _, timeoutMs, context in
            guard let context else { return 0 }
            Unmanaged<NodeTransport>.fromOpaque(context).takeUnretainedValue().setTimer(timeoutMs)
            return 0
        }
        _ = tm_curl_multi_setopt_ptr(multi, CURLMOPT_TIMERDATA, context)
        // Idle connections kept for reuse: one per node is all the daemon needs.
        _ = tm_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 2)
    }

    deinit {
        for request in inFlight.values { _ = curl_multi_remove_handle(multi, request.easy) }
        inFlight.removeAll()
        _ = curl_multi_cleanup(multi)
    }

    /// Starts a JSON POST of `body` to `url`. Throws `.refused` (bad URL, `http://` off loopback)
    /// or `.setup` before any I/O; every later failure arrives as a completion.
    public func post(url: String, body: [UInt8]) throws(TransportError) -> NodeRequestID {
        let parsed: NodeURL
        do { parsed = try NodeURL.validated(url) } catch { throw .refused(url: url, reason: error.message) }
        lastID += 1
        let id = NodeRequestID(rawValue: lastID)
        let request = try NodeRequest(id: id, url: parsed.text, responseCap: limits.maxResponseBytes)
        try request.configure(body: body, caFile: caFile, userAgent: userAgent, limits: limits)
        let added = curl_multi_add_handle(multi, request.easy)
        guard added == CURLM_OK else {
            throw .setup(detail: "curl_multi_add_handle: \(String(cString: curl_multi_strerror(added)))")
        }
        inFlight[id] = request
        return id
    }

    /// Abandons a request without a completion (shutdown, reload with another node).
    public func cancel(_ id: NodeRequestID) {
        guard let request = inFlight.removeValue(forKey: id) else { return }
        _ = curl_multi_remove_handle(multi, request.easy)
    }

    /// Requests started and not yet completed or cancelled.
    public var pendingCount: Int { inFlight.count }

    /// The fds libcurl wants polled now, with what to wait for on each.
    public func pollDescriptors() -> [(fd: FileDescriptor, events: Readiness)] {
        watched.map { (fd: FileDescriptor(rawValue: $0.key), events: $0.value) }
    }

    /// Monotonic ms (Clock.monotonicMs) by which `handleTimeout()` must run; nil when curl has no timer.
    public var nextDeadlineMs: Int64? { timerDeadlineMs }

    /// Lets libcurl act on one fd that poll reported ready.
    public func handle(fd: FileDescriptor, readiness: Readiness) {
        var mask: Int32 = 0
        if readiness.containsAny(.readable | .hangUp | .error) { mask |= CURL_CSELECT_IN }
        if readiness.containsAny(.writable | .error) { mask |= CURL_CSELECT_OUT }
        if readiness.containsAny(.error | .invalid) { mask |= CURL_CSELECT_ERR }
        act(socket: fd.rawValue, mask: mask)
    }

    /// Lets libcurl run its timers (timeouts, connect progress, the resolver's wake-ups).
    public func handleTimeout() {
        timerDeadlineMs = nil
        act(socket: CURL_SOCKET_TIMEOUT, mask: 0)
    }

    /// The requests that finished since the last call, in the order libcurl reported them.
    public func takeCompleted() -> [NodeCompletion] {
        defer { completed.removeAll() }
        return completed
    }

    private func act(socket: curl_socket_t, mask: Int32) {
        var running: Int32 = 0
        _ = curl_multi_socket_action(multi, socket, mask, &running)
        collectFinished()
    }

    private func collectFinished() {
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
            let result = tm_curl_msg_result(message)
            var context: UnsafeMutableRawPointer? = nil
            _ = tm_curl_easy_getinfo_ptr(easy, CURLINFO_PRIVATE, &context)
            _ = curl_multi_remove_handle(multi, easy)
            guard let context else { continue }
            let request = Unmanaged<NodeRequest>.fromOpaque(context).takeUnretainedValue()
            completed.append(NodeCompletion(id: request.id, outcome: request.outcome(result)))
            inFlight[request.id] = nil
        }
    }

    /// CURLMOPT_SOCKETFUNCTION: what libcurl wants to hear about on `fd`.
    private func watch(fd: Int32, what: Int32) {
        switch what {
        case CURL_POLL_IN: watched[fd] = .readable
        case CURL_POLL_OUT: watched[fd] = .writable
        case CURL_POLL_INOUT: watched[fd] = .readable | .writable
        default: watched[fd] = nil  // CURL_POLL_REMOVE
        }
    }

    /// CURLMOPT_TIMERFUNCTION: -1 cancels the timer, 0 means "as soon as possible".
    private func setTimer(_ timeoutMs: Int) {
        timerDeadlineMs = timeoutMs < 0 ? nil : Clock.monotonicMs() + Int64(timeoutMs)
    }
}

/// curl_global_init must run once before any other libcurl call, from one thread.
enum CurlLibrary {
    nonisolated(unsafe) private static var initialized = false

    static func initializeOnce() throws(TransportError) {
        if initialized { return }
        let code = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        guard code == CURLE_OK else {
            throw .setup(detail: "curl_global_init: \(String(cString: curl_easy_strerror(code)))")
        }
        initialized = true
    }
}
