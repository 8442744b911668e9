import CCurl

/// Identifies one `NodeTransport.post`; its completion carries the same value.
public struct NodeRequestID: Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
}

/// How a request ended: an HTTP reply of any status (the caller judges 200 vs the rest), or no reply.
/// Our own enum because `Result<_, any Error>` is not available in Embedded Swift.
public enum NodeOutcome: Equatable, Sendable {
    case ok(status: Int, body: [UInt8])
    case failed(TransportError)
}

/// A finished request, handed out by `NodeTransport.takeCompleted()`.
public struct NodeCompletion: Equatable, Sendable {
    public let id: NodeRequestID
    public let outcome: NodeOutcome
}

/// One POST in flight: its easy handle and the buffers libcurl writes into. libcurl holds a raw
/// pointer to this object (CURLOPT_PRIVATE, CURLOPT_WRITEDATA), so the transport keeps it alive
/// in its table until the handle has been removed from the multi.
final class NodeRequest {
    let id: NodeRequestID
    let url: String
    let easy: UnsafeMutableRawPointer
    let responseCap: Int
    var response: [UInt8] = []
    /// Set by the write callback when the body passed `responseCap`: the abort was ours.
    var overflowed = false
    private var headers: UnsafeMutablePointer<curl_slist>? = nil
    /// CURLOPT_ERRORBUFFER: curl's detailed text for the failure, more precise than curl_easy_strerror.
    let errorBuffer: UnsafeMutablePointer<CChar>

    init(id: NodeRequestID, url: String, responseCap: Int) throws(TransportError) {
        guard let easy = curl_easy_init() else { throw .setup(detail: "curl_easy_init failed") }
        self.id = id
        self.url = url
        self.easy = easy
        self.responseCap = responseCap
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(easy)
        curl_slist_free_all(headers)
        errorBuffer.deallocate()
    }

    /// Sets every option of a JSON POST. Why each is set is said once, here.
    func configure(body: [UInt8], caFile: String?, userAgent: String,
                   limits: NodeTransport.Limits) throws(TransportError) {
        for line in ["Content-Type: application/json", "Accept: application/json",
                     // No `Expect: 100-continue` round trip for larger bodies.
                     "Expect:"] {
            guard let list = line.withCString({ curl_slist_append(headers, $0) }) else {
                throw .setup(detail: "curl_slist_append failed")
            }
            headers = list
        }
        let context = Unmanaged.passUnretained(self).toOpaque()
        try set(CURLOPT_URL, string: url)
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeRawPointer(errorBuffer))
        try set(CURLOPT_PRIVATE, pointer: UnsafeRawPointer(context))
        // The daemon has its own signal handling; curl must never raise SIGALRM/SIGPIPE handling.
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_PROTOCOLS_STR, string: "http,https")
        // The configured URL is where we connect: no proxy from the environment (`https_proxy`
        // set for some other program) may relay payment data or take loopback traffic elsewhere.
        try set(CURLOPT_PROXY, string: "")
        // Redirects are not followed: a node that redirects is misconfigured, and following one
        // could leave the loopback/https policy checked in NodeURL.
        try set(CURLOPT_FOLLOWLOCATION, 0)
        // HTTP/1.1 only: one request at a time per node, and nghttp2's buffers would cost memory.
        try set(CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1)
        try set(CURLOPT_USERAGENT, string: userAgent)
        try set(CURLOPT_HTTPHEADER, pointer: UnsafeRawPointer(headers))
        try set(CURLOPT_POST, 1)
        try setOff(CURLOPT_POSTFIELDSIZE_LARGE, Int64(body.count))
        // COPYPOSTFIELDS: curl keeps its own copy, so the caller's array may go away.
        let copied = body.isEmpty
            ? "".withCString { tm_curl_easy_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, $0) }
            : body.withUnsafeBytes { tm_curl_easy_setopt_ptr(easy, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
        try check(copied, "CURLOPT_COPYPOSTFIELDS")
        try set(CURLOPT_CONNECTTIMEOUT_MS, limits.connectTimeoutMs)
        try set(CURLOPT_TIMEOUT_MS, limits.totalTimeoutMs)
        // A body trickling in below this rate is cut: a slow-drip node would otherwise hold the
        // request open until the total timeout on every poll.
        try set(CURLOPT_LOW_SPEED_LIMIT, limits.lowSpeedBytesPerSecond)
        try set(CURLOPT_LOW_SPEED_TIME, limits.lowSpeedWindowSeconds)
        // A Content-Length above the cap is refused before reading; a chunked body is cut in the
        // write callback.
        try setOff(CURLOPT_MAXFILESIZE_LARGE, Int64(responseCap))
        try set(CURLOPT_SSL_VERIFYPEER, 1)
        try set(CURLOPT_SSL_VERIFYHOST, 2)
        if let caFile {
            // `iota.ca_file` alone decides; the system CA directory must not widen it.
            try set(CURLOPT_CAINFO, string: caFile)
            try set(CURLOPT_CAPATH, pointer: nil)
        } else if defaultCAPathExists() {
            // The system CAs through the hashed directory, not the bundle: OpenSSL then loads only
            // the issuer it needs. Parsing the whole bundle (~140 CAs) costs ~1.2 MB of private
            // memory (measured) and ~40 ms of loop time per handshake on a PC, far more on a Pi.
            try set(CURLOPT_CAINFO, pointer: nil)
        }
        try check(tm_curl_easy_setopt_write_cb(easy) { data, size, count, context in
            guard let data, let context else { return 0 }
            let request = Unmanaged<NodeRequest>.fromOpaque(context).takeUnretainedValue()
            return request.append(UnsafeRawPointer(data), size: size, count: count)
        }, "CURLOPT_WRITEFUNCTION")
        try set(CURLOPT_WRITEDATA, pointer: UnsafeRawPointer(context))
    }

    /// True when this libcurl was built with a default CA directory (Debian, Raspberry Pi OS:
    /// /etc/ssl/certs); without one the default bundle stays the trust store.
    private func defaultCAPathExists() -> Bool {
        var path: UnsafeMutableRawPointer? = nil
        return tm_curl_easy_getinfo_ptr(easy, CURLINFO_CAPATH, &path) == CURLE_OK && path != nil
    }

    /// The write callback's work: keep the bytes, or abort (return 0) once past the cap.
    func append(_ data: UnsafeRawPointer, size: Int, count: Int) -> Int {
        let (total, overflow) = size.multipliedReportingOverflow(by: count)
        guard !overflow, response.count <= responseCap - total else {
            overflowed = true
            return 0
        }
        response.append(contentsOf: UnsafeRawBufferPointer(start: data, count: total))
        return total
    }

    /// What a finished transfer amounts to.
    func outcome(_ result: CURLcode) -> NodeOutcome {
        if result == CURLE_OK {
            var status = 0
            _ = tm_curl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &status)
            return .ok(status: status, body: response)
        }
        if overflowed || result == CURLE_FILESIZE_EXCEEDED {
            return .failed(.responseTooLarge(url: url, limitBytes: responseCap))
        }
        var detail = errorBuffer[0] != 0 ? String(cString: errorBuffer) : ""
        if detail.isEmpty { detail = String(cString: curl_easy_strerror(result)) }
        switch result {
        case CURLE_COULDNT_RESOLVE_HOST: return .failed(.resolve(url: url, detail: detail))
        case CURLE_COULDNT_CONNECT: return .failed(.connect(url: url, detail: detail))
        case CURLE_OPERATION_TIMEDOUT: return .failed(.timeout(url: url, detail: detail))
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_CERTPROBLEM:
            return .failed(.tls(url: url, detail: detail))
        default: return .failed(.transfer(url: url, code: Int32(bitPattern: result.rawValue), detail: detail))
        }
    }

    private func set(_ option: CURLoption, _ value: Int) throws(TransportError) {
        try check(tm_curl_easy_setopt_long(easy, option, value), "option \(option.rawValue)")
    }

    private func setOff(_ option: CURLoption, _ value: Int64) throws(TransportError) {
        try check(tm_curl_easy_setopt_off(easy, option, curl_off_t(value)), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, pointer: UnsafeRawPointer?) throws(TransportError) {
        try check(tm_curl_easy_setopt_ptr(easy, option, pointer), "option \(option.rawValue)")
    }

    /// String options are copied by libcurl (since 7.17), so a temporary C string is enough.
    private func set(_ option: CURLoption, string: String) throws(TransportError) {
        try check(string.withCString { tm_curl_easy_setopt_ptr(easy, option, $0) }, "option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, _ what: String) throws(TransportError) {
        guard code == CURLE_OK else {
            throw .setup(detail: "curl_easy_setopt \(what): \(String(cString: curl_easy_strerror(code)))")
        }
    }
}
