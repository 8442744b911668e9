/// One URL of `iota.node`, and which API it speaks: a plain URL is a GraphQL endpoint,
/// `jsonrpc:` + URL a JSON-RPC one (DESIGN §3.2).
public struct NodeEndpoint: Equatable, Sendable {
    public enum API: Equatable, Sendable {
        case graphQL
        case jsonRPC
    }

    public var api: API
    /// What libcurl is given (without the `jsonrpc:` prefix).
    public var url: String

    public init(api: API, url: String) {
        self.api = api
        self.url = url
    }

    /// As configured and as `status` shows it (`node.url`).
    public var text: String { api == .jsonRPC ? "jsonrpc:" + url : url }
}
