/// A refused request, as the socket protocol reports it: `ERR CODE MESSAGE` (DESIGN §3.3).
/// Rendered once, by `replyLine`, at the edge that answers the client.
public enum ControlError: Error, Equatable, Sendable {
    /// 400: malformed request or argument.
    case malformed(String)
    /// 403: admin command from a peer that is not allowed.
    case forbidden(String)
    /// 404: unknown command or meter.
    case notFound(String)
    /// 409: the state forbids it.
    case conflict(String)
    /// 413: request line too long; the server closes the connection after replying.
    case tooLong(String)
    /// 500: internal.
    case internalError(String)
    /// 503: meter or node unavailable.
    case unavailable(String)

    public var code: Int {
        switch self {
        case .malformed: return 400
        case .forbidden: return 403
        case .notFound: return 404
        case .conflict: return 409
        case .tooLong: return 413
        case .internalError: return 500
        case .unavailable: return 503
        }
    }

    public var message: String {
        switch self {
        case .malformed(let text), .forbidden(let text), .notFound(let text), .conflict(let text),
             .tooLong(let text), .internalError(let text), .unavailable(let text):
            return text
        }
    }

    /// Whether the server closes the connection after sending this error.
    public var closesConnection: Bool { code == 413 }

    /// `ERR 404 unknown meter 'x'`, without the newline; the message is made one line of ASCII.
    public var replyLine: String { "ERR \(code) " + Reply.sanitized(message) }
}

/// Client text quoted in a message: cut short, so an error reply stays one short line.
func quoted(_ text: Substring) -> String {
    text.utf8.count <= 40 ? "'\(text)'" : "'\(text.prefix(40))...'"
}
