import Hummingbird
import HTTPTypes
import OpenAPIHummingbird
import OpenAPIRuntime

/// The transport the generated server registers its operations on: it hands each to
/// the Hummingbird router and remembers it, so the API can say which methods a path
/// answers (a 405's `Allow`) and the tests can hold the routes against the document.
final class RouteTable: ServerTransport, @unchecked Sendable {
    // Sendable: filled while the router is built, on one thread, then only read.
    private let base: any ServerTransport
    /// Where the routes are mounted ("/api" in the web console; "" on the API's socket).
    let prefix: String
    private(set) var routes: [String] = []

    init(base: any ServerTransport, prefix: String = "") {
        self.base = base
        self.prefix = prefix
    }

    func register(_ handler: @Sendable @escaping (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
                  method: HTTPRequest.Method, path: String) throws {
        routes.append("\(method.rawValue) \(path)")
        try base.register(handler, method: method, path: path)
    }

    /// The methods some route answers on `path` (a request's path, `{name}` matching
    /// any one segment), in the order they were added: what a 405's `Allow` lists.
    func methods(answering path: String) -> [String] {
        guard path.hasPrefix(prefix) else { return [] }
        let segments = path.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: true)
        var methods: [String] = []
        for route in routes {
            let parts = route.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let pattern = parts[1].split(separator: "/", omittingEmptySubsequences: true)
            guard pattern.count == segments.count,
                  zip(pattern, segments).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) else { continue }
            let method = String(parts[0])
            if !methods.contains(method) { methods.append(method) }
        }
        return methods
    }
}
