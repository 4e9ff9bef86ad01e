import Hummingbird
import HummingbirdWebSocket
import IsolaHost
import Logging

/// `isola serve --web HOST:PORT`: a small web application in the hypervisor's own
/// process. A page lists every VM (state, vCPUs, memory, a live CPU chart, uptime,
/// last exit) with buttons for its lifecycle; a page per VM shows its configuration,
/// its snapshots and its console in a terminal emulator over a WebSocket. The
/// buttons call the control API itself, mounted at `/api` (the same generated
/// routes, strict bodies and JSON errors), so a refusal is the API's, shown as it
/// says it. Every request needs the token (`WebToken`); every asset is Isola's own.
public struct WebConsole: Sendable {
    public let host: String
    public let port: Int
    public let token: WebToken
    let api: ControlAPI

    public init(api: ControlAPI, host: String, port: Int, token: WebToken) {
        self.api = api
        self.host = host
        self.port = port
        self.token = token
    }

    /// The address to open, with the token, once the server listens on `port`.
    public func url(port: Int) -> String {
        let shown = host.contains(":") ? "[\(host)]" : host
        return "http://\(shown):\(port)/?token=\(token.value)"
    }

    func router() -> Router<BasicWebSocketRequestContext> {
        let router = Router(context: BasicWebSocketRequestContext.self)
        // A route has the middleware added before it: the token comes first of all.
        router.middlewares.add(WebTokenMiddleware(token: token))
        api.mount(on: router, prefix: "/api")
        let terminal = TerminalAssets.load()
        router.get("/") { _, _ in WebResponses.asset(WebPage.index, type: "text/html; charset=utf-8") }
        router.get("/vm") { _, _ in WebResponses.asset(WebPage.machine, type: "text/html; charset=utf-8") }
        router.get("/favicon.ico") { _, _ in Response(status: .noContent) }
        router.get("/assets/app.js") { _, _ in WebResponses.asset(WebPage.script, type: "text/javascript; charset=utf-8") }
        router.get("/assets/style.css") { _, _ in WebResponses.asset(WebPage.style, type: "text/css; charset=utf-8") }
        router.get("/assets/xterm.js") { _, _ in
            WebResponses.asset(terminal?.script ?? Array(TerminalAssets.missingScript.utf8), type: "text/javascript; charset=utf-8")
        }
        router.get("/assets/xterm.css") { _, _ in WebResponses.asset(terminal?.style ?? [], type: "text/css; charset=utf-8") }
        let supervisor = api.supervisor
        router.ws("/console/:name", shouldUpgrade: { request, context in
            // Only a VM that exists, and only from a page of this server (no other site's script).
            let name = try context.parameters.require("name")
            guard (try? supervisor.consolePath(name)) != nil else { return .dontUpgrade }
            if let origin = request.headers[.origin], let host = request.head.authority, origin != "http://" + host { return .dontUpgrade }
            return .upgrade([:])
        }, onUpgrade: { inbound, outbound, context in
            let name = try context.requestContext.parameters.require("name")
            try await ConsoleSocket.serve(supervisor, name: name, inbound: inbound, outbound: outbound)
        })
        return router
    }

    /// The server, for the hypervisor's service group; `onRunning` hears the bound port.
    func application(logger: Logger, onRunning: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = router()
        return Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname(host, port: port), serverName: "isola"),
            onServerRunning: { channel in onRunning(channel.localAddress?.port ?? port) },
            logger: logger)
    }
}
