import FoundationEssentials
import Hummingbird

/// What the API answers a refusal with: `{"error": "...", "field": "cap"}`, and the
/// VM's `state` when that is why. The web console's 401 and the errors on its
/// console's WebSocket are the same JSON.
struct APIErrorBody: Encodable {
    var error: String
    var field: String?
    var state: String?

    init(error: String, field: String? = nil, state: String? = nil) {
        self.error = error
        self.field = field
        self.state = state
    }

    /// One line of JSON, keys sorted.
    var encoded: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { Array($0) } ?? Array("{}".utf8)
    }

    /// The body as a response with `status`, and `headers` besides its content type.
    func response(_ status: HTTPResponse.Status, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: encoded)))
    }
}
