/// Why a request to the IOTA node did not produce an HTTP reply. Each case carries the URL and, where
/// libcurl failed, curl's own error text, so the log line says what went wrong and where.
public enum TransportError: Error, Equatable, Sendable {
    /// Refused before any I/O: a URL libcurl cannot parse, a scheme other than http/https, or
    /// `http://` to a host that is not loopback (payments must not travel in clear text).
    case refused(url: String, reason: String)
    /// The host name did not resolve.
    case resolve(url: String, detail: String)
    /// No TCP connection (refused, unreachable, or the connect timeout passed).
    case connect(url: String, detail: String)
    /// The total timeout passed or the body arrived slower than the low-speed limit.
    case timeout(url: String, detail: String)
    /// TLS failed: the certificate did not verify against the CA bundle, or the handshake failed.
    case tls(url: String, detail: String)
    /// The reply body grew past the cap; the transfer was aborted.
    case responseTooLarge(url: String, limitBytes: Int)
    /// Any other libcurl failure, with its CURLcode.
    case transfer(url: String, code: Int32, detail: String)
    /// libcurl could not be set up (out of memory, an option this libcurl lacks).
    case setup(detail: String)

    /// One line for the log: `node https://…: TLS: SSL certificate problem: unable to get local issuer certificate`.
    public var message: String {
        switch self {
        case let .refused(url, reason): return "node \(url): refused: \(reason)"
        case let .resolve(url, detail): return "node \(url): cannot resolve host: \(detail)"
        case let .connect(url, detail): return "node \(url): cannot connect: \(detail)"
        case let .timeout(url, detail): return "node \(url): timed out: \(detail)"
        case let .tls(url, detail): return "node \(url): TLS: \(detail)"
        case let .responseTooLarge(url, limit): return "node \(url): reply larger than \(limit) bytes, aborted"
        case let .transfer(url, code, detail): return "node \(url): curl error \(code): \(detail)"
        case let .setup(detail): return "node transport: \(detail)"
        }
    }
}
