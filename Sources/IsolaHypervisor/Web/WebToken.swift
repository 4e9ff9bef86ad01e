import Hummingbird
import HTTPTypes
import IsolaCore
import IsolaHost

/// The secret every request to the web console must carry: printed by `isola serve`
/// at start-up in the URL to open. A browser brings it once in the query; the answer
/// sets it as a cookie (HttpOnly, SameSite=Strict) so the page's assets and its
/// WebSocket carry it; the page's script also sends it as a bearer token, which a
/// request that changes something must have (a cookie alone could come from
/// another site's form).
public struct WebToken: Sendable, Equatable {
    public let value: String
    static let cookieName = "isola_token"

    public init(value: String) { self.value = value }

    /// A new token of 32 random bytes, or nil if the host has no randomness to give.
    public static func make() -> WebToken? {
        guard let bytes = HostRandom.bytes(32) else { return nil }
        return WebToken(value: Hex.encode(bytes))
    }

    /// Whether `candidate` is the token, in time that does not depend on where they differ.
    func matches(_ candidate: Substring?) -> Bool {
        guard let candidate else { return false }
        let a = Array(value.utf8), b = Array(candidate.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Checks the token on every request (pages, assets, the API, the WebSocket) and
/// refuses one without it: 401 with a JSON error, nothing done.
struct WebTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: WebToken

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let bearer = request.headers[.authorization].flatMap { $0.hasPrefix("Bearer ") ? $0.dropFirst(7) : nil }
        let cookie = Self.cookie(WebToken.cookieName, in: request.headers[values: .cookie])
        let query = request.uri.queryParameters.get("token").map { Substring($0) }
        let safe = request.method == .get || request.method == .head
        // A change needs the bearer token; a read may bring it any way.
        guard token.matches(bearer) || (safe && (token.matches(cookie) || token.matches(query))) else {
            return APIErrorBody(error: safe
                ? "no valid token: open the URL 'isola serve --web' printed"
                : "no valid token: a request that changes something needs 'Authorization: Bearer TOKEN'")
                .response(.unauthorized, headers: WebResponses.securityHeaders)
        }
        var response = try await next(request, context)
        if token.matches(query) {
            response.headers[.setCookie] = "\(WebToken.cookieName)=\(token.value); Path=/; HttpOnly; SameSite=Strict"
        }
        return response
    }

    static func cookie(_ name: String, in headers: [String]) -> Substring? {
        for header in headers {
            for part in header.split(separator: ";") {
                let pair = part.drop { $0 == " " }
                if pair.hasPrefix(name + "=") { return pair.dropFirst(name.count + 1) }
            }
        }
        return nil
    }
}
