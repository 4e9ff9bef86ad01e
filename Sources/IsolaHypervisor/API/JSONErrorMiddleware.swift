import Hummingbird
import IsolaVMM
import OpenAPIRuntime

/// Turns every refusal into a 4xx (or a 500) with a JSON body that says what is wrong
/// and, where one is at fault, names the field: `{"error": "...", "field": "cap"}`.
/// A method no route answers on a path that exists is a 405 with `Allow`.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    typealias Body = APIErrorBody

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            return answer(error, to: request)
        }
    }

    /// The JSON answer to a refusal. The generated server wraps what a handler or a
    /// body's decoding threw in a `ServerError`; its underlying error is the refusal.
    private func answer(_ error: any Error, to request: Request) -> Response {
        switch error {
        case let error as ServerError:
            if let decoding = error.underlyingError as? DecodingError, request.method == .get,
               let query = request.uri.query, Self.field(decoding) == "body" {
                // A GET has no body: what failed to decode is the query. Name its parameters.
                let names = query.split(separator: "&").map { String($0.prefix { $0 != "=" }) }.joined(separator: ",")
                return response(.badRequest, Body(error: "\(names): '\(query)' is not what the document's query parameters take", field: names))
            }
            return answer(error.underlyingError, to: request)
        case let error as DecodingError:
            return response(.badRequest, Body(error: "\(Self.field(error)): \(Self.describe(error))", field: Self.field(error)))
        case let error as HypervisorError:
            var state: String?
            if case let .conflict(s, _) = error { state = s.rawValue }
            return response(.init(code: error.httpStatus), Body(error: error.description, field: error.field, state: state))
        case let error as MonitorError:
            return response(.conflict, Body(error: error.description))
        case let error as HTTPError:
            if error.status == .notFound || error.status == .methodNotAllowed {
                let allowed = routes.methods(answering: request.uri.path)
                if !allowed.isEmpty {
                    var answer = response(.methodNotAllowed, Body(error: "\(request.method) is not allowed on \(request.uri.path); it answers \(allowed.joined(separator: ", "))"))
                    answer.headers[.allow] = allowed.joined(separator: ", ")
                    return answer
                }
            }
            let message: String
            switch error.status {
            case .notFound: message = "no such resource: \(request.method) \(request.uri.path)"
            case .methodNotAllowed: message = "\(request.method) is not allowed on \(request.uri.path)"
            case .contentTooLarge: message = "the request body is larger than 1 MiB"
            default: message = error.body ?? error.status.reasonPhrase
            }
            return response(error.status, Body(error: message, field: error.status == .contentTooLarge ? "body" : nil))
        case let error as any HTTPResponseConvertible:
            // The generated server's own refusals: a missing body, a content type it does not read.
            return response(.init(code: error.httpStatus.code), Body(error: "\(error)", field: "body"))
        default:
            return response(.internalServerError, Body(error: "\(error)"))
        }
    }

    /// The field a decoding error is about, as the API names fields (`disks[0].path`).
    static func field(_ error: DecodingError) -> String {
        let path: [any CodingKey]
        switch error {
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context): path = context.codingPath
        case let .keyNotFound(key, context): path = context.codingPath + [key]
        @unknown default: path = []
        }
        let joined = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return joined.isEmpty ? "body" : (joined.hasPrefix(".") ? String(joined.dropFirst()) : joined)
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch, .valueNotFound: "of the wrong type"
        case .keyNotFound: "missing"
        case let .dataCorrupted(context) where context.codingPath.isEmpty: "not valid JSON"
        case let .dataCorrupted(context): context.debugDescription
        @unknown default: "\(error)"
        }
    }

    private func response(_ status: HTTPResponse.Status, _ body: Body) -> Response { body.response(status) }
}
