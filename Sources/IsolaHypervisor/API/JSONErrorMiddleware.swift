import FoundationEssentials
import Hummingbird
import IsolaVMM

/// Turns every refusal into a 4xx (or a 500) with a JSON body that says what is wrong
/// and, where one is at fault, names the field: `{"error": "...", "field": "cap"}`.
/// A method no route answers on a path that exists is a 405 with `Allow`.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    struct Body: Encodable {
        var error: String
        var field: String?
        var state: String?
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HypervisorError {
            var state: String?
            if case let .conflict(s, _) = error { state = s.rawValue }
            return response(.init(code: error.httpStatus), Body(error: error.description, field: error.field, state: state))
        } catch let error as MonitorError {
            return response(.conflict, Body(error: error.description))
        } catch let error as HTTPError {
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
        } catch {
            return response(.internalServerError, Body(error: "\(error)"))
        }
    }

    private func response(_ status: HTTPResponse.Status, _ body: Body) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
