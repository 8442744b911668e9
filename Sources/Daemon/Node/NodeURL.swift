import CCurl

/// A node URL as libcurl itself parsed it, checked against the transport policy: `https://` to any
/// host, `http://` only to loopback. Parsing with curl's own URL API means the host we check is the
/// host curl will connect to (no parser differential such as `http://127.0.0.1@evil.example/`).
public struct NodeURL: Equatable, Sendable {
    /// The URL normalised by libcurl; this exact text is what the transport sends to.
    public let text: String
    /// The host as curl sees it (IPv6 in brackets).
    public let host: String
    /// True for `https://`.
    public let isTLS: Bool

    /// Parses and checks `text`; throws `.refused` without touching the network.
    public static func parse(_ text: String) throws(TransportError) -> NodeURL {
        guard let handle = curl_url() else { throw .setup(detail: "curl_url: out of memory") }
        defer { curl_url_cleanup(handle) }
        let setCode = text.withCString { curl_url_set(handle, CURLUPART_URL, $0, 0) }
        guard setCode == CURLUE_OK else {
            throw .refused(url: text, reason: "not a URL: \(String(cString: curl_url_strerror(setCode)))")
        }
        guard let scheme = urlPart(handle, CURLUPART_SCHEME)?.lowercasedASCII,
              let host = urlPart(handle, CURLUPART_HOST),
              let normalised = urlPart(handle, CURLUPART_URL)
        else { throw .refused(url: text, reason: "not a URL with a scheme and a host") }
        switch scheme {
        case "https":
            return NodeURL(text: normalised, host: host, isTLS: true)
        case "http":
            guard isLoopbackHost(host) else {
                throw .refused(url: text, reason: "http:// is allowed only for loopback hosts; use https://")
            }
            return NodeURL(text: normalised, host: host, isTLS: false)
        default:
            throw .refused(url: text, reason: "scheme \(scheme) is not http or https")
        }
    }
}

/// True for hosts that cannot leave this machine: 127.0.0.0/8, ::1 and `localhost` (which libcurl
/// resolves to loopback itself). curl has already normalised IPv4 forms such as `0x7f.1`.
public func isLoopbackHost(_ host: String) -> Bool {
    let lower = host.lowercasedASCII
    if lower == "localhost" || lower == "[::1]" || lower == "::1" { return true }
    let parts = lower.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4, parts[0] == "127" else { return false }
    for part in parts {
        guard !part.isEmpty, part.count <= 3, let value = Int(part), value <= 255 else { return false }
    }
    return true
}

private func urlPart(_ handle: OpaquePointer, _ part: CURLUPart) -> String? {
    var value: UnsafeMutablePointer<CChar>? = nil
    guard curl_url_get(handle, part, &value, 0) == CURLUE_OK, let value else { return nil }
    defer { curl_free(value) }
    return String(cString: value)
}

extension String {
    /// ASCII-only lowercase: URL schemes and host names; needs no Unicode tables.
    var lowercasedASCII: String {
        var bytes = Array(utf8)
        for i in bytes.indices where bytes[i] >= 65 && bytes[i] <= 90 { bytes[i] += 32 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
