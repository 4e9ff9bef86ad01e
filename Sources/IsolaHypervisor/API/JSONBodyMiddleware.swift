import Hummingbird

/// Every body the API takes is JSON of at most 1 MiB. This reads it whole before the
/// generated server sees it (a larger one is a 413 naming `body`) and marks it JSON
/// when the client did not say (`curl -d` says form-encoded), so the server reads
/// bodies as it always has, whatever the header.
struct JSONBodyMiddleware<Context: RequestContext>: RouterMiddleware {
    static var limit: Int { 1 << 20 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var request = request
        var bytes: ByteBuffer
        do {
            bytes = try await request.collectBody(upTo: Self.limit)
        } catch {
            throw HTTPError(.contentTooLarge)  // NIO's "too many bytes", or a body that broke off
        }
        let type = request.headers[.contentType]
        let isJSON = type != nil && type?.hasPrefix("application/x-www-form-urlencoded") != true
        // An empty body is an empty object, as an action without parameters takes it.
        let isEmpty = bytes.readableBytesView.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard !isJSON || isEmpty, request.method != .get else { return try await next(request, context) }
        if isEmpty { bytes = ByteBuffer(string: "{}") }
        var head = request.head
        head.headerFields[.contentType] = "application/json"
        return try await next(Request(head: head, body: .init(buffer: bytes)), context)
    }
}
