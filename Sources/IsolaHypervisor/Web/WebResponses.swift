import Hummingbird
import HTTPTypes

/// The web console's answers: its pages and assets with headers that keep a page
/// from running anything it did not bring itself.
enum WebResponses {
    /// No inline script, no script or frame from elsewhere, no plugins: what the
    /// guest prints cannot become code even if it reached the page's markup. Inline
    /// styles are allowed because xterm.js sizes its rows with a style element; a
    /// style runs nothing.
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        .cacheControl: "no-store",
    ]

    static func asset(_ body: String, type: String) -> Response {
        asset(Array(body.utf8), type: type)
    }

    static func asset(_ bytes: [UInt8], type: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
