import IotaRPC

/// One URL of `iota.node`: a GraphQL endpoint, or `jsonrpc:` and a JSON-RPC one. `https://` for
/// any host; `http://` only for a loopback host (127.0.0.0/8, `localhost`, `[::1]`), because payments must not be spoofable on
/// the network. Credentials in the URL are refused: `http://127.0.0.1@evil.example` would
/// otherwise pass a naive loopback check while connecting elsewhere.
public struct NodeURL: Equatable, Sendable {
    /// The URL exactly as configured, `jsonrpc:` prefix included.
    public var text: String
    /// The endpoint speaks JSON-RPC (`jsonrpc:` prefix) rather than GraphQL.
    public var isJSONRPC = false
    public var isTLS: Bool
    /// Host as written, IPv6 without brackets (`::1`).
    public var host: String
    /// Explicit port, if any.
    public var port: Int?

    static let expected = "an https:// URL (a GraphQL endpoint, or jsonrpc:https://... for JSON-RPC), or http:// to a loopback host (127.0.0.0/8, localhost, [::1])"

    /// A space-separated list of URLs, at least one.
    static func parseList(_ value: Substring) throws(Expected) -> [NodeURL] {
        var urls: [NodeURL] = []
        for word in value.split(separator: " ") {
            let jsonRPC = word.hasPrefix("jsonrpc:")
            var url = try parse(jsonRPC ? word.dropFirst(8) : word)
            url.isJSONRPC = jsonRPC
            url.text = String(word)
            urls.append(url)
        }
        guard !urls.isEmpty, urls.count <= 8 else { throw Expected("one to eight URLs, separated by spaces") }
        return urls
    }

    /// The endpoint the poller asks: its API and the bare URL libcurl is given.
    public var endpoint: NodeEndpoint {
        NodeEndpoint(api: isJSONRPC ? .jsonRPC : .graphQL, url: isJSONRPC ? String(text.dropFirst(8)) : text)
    }

    static func parse(_ text: Substring) throws(Expected) -> NodeURL {
        let url = String(text)
        let isTLS: Bool
        let rest: Substring
        if text.hasPrefix("https://") {
            isTLS = true
            rest = text.dropFirst(8)
        } else if text.hasPrefix("http://") {
            isTLS = false
            rest = text.dropFirst(7)
        } else {
            throw Expected(expected)
        }
        // Printable ASCII without spaces: the URL goes to libcurl as is.
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { throw Expected(expected) }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains("@") else { throw Expected("a URL without user or password") }
        let (host, port) = try splitHostPort(authority)
        if !isTLS && !isLoopback(host) {
            throw Expected("http:// only to a loopback host (127.0.0.0/8, localhost, [::1]); use https://")
        }
        return NodeURL(text: url, isTLS: isTLS, host: host, port: port)
    }

    static func splitHostPort(_ authority: Substring) throws(Expected) -> (String, Int?) {
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw Expected(expected) }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Expected(expected) }
                portText = after.dropFirst()
            }
        } else {
            let parts = authority.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count <= 2 else { throw Expected(expected) }
            host = parts[0]
            if parts.count == 2 { portText = parts[1] }
        }
        guard !host.isEmpty else { throw Expected(expected) }
        var port: Int?
        if let portText {
            guard !portText.isEmpty, portText.utf8.count <= 5,
                  portText.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let value = Int(portText), value >= 1, value <= 65535 else {
                throw Expected("a port 1…65535 in the URL")
            }
            port = value
        }
        return (String(host), port)
    }

    /// `localhost`, `::1`, or a dotted quad 127.x.y.z.
    static func isLoopback(_ host: String) -> Bool {
        if asciiLowercased(host) == "localhost" || host == "::1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return false }
        for octet in octets {
            guard !octet.isEmpty, octet.utf8.count <= 3,
                  octet.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                  let value = Int(octet), value <= 255 else { return false }
        }
        return octets[0] == "127"
    }
}

/// A node URL refused by the rule above, saying what was expected.
public struct NodeURLProblem: Error, Equatable, Sendable {
    public var message: String
}

extension NodeURL {
    /// The configuration's own check, for callers outside the parser: the transport checks every
    /// URL again before any I/O, so no code path can send a payment query unencrypted off-host.
    public static func validated(_ text: String) throws(NodeURLProblem) -> NodeURL {
        do { return try parse(Substring(text)) } catch { throw NodeURLProblem(message: error.text) }
    }
}
