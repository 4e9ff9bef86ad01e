import FoundationEssentials
import Hummingbird
import IsolaHost
import IsolaVMM
import Logging
import ServiceLifecycle

/// The hypervisor's HTTP/JSON API on a Unix socket (mode 0600): resources in the shape
/// Firecracker's users know, one set per VM. docs/api/openapi.yaml describes it.
public struct ControlAPI: Sendable {
    public let supervisor: Supervisor
    public let metrics: HypervisorMetrics

    public init(supervisor: Supervisor) {
        self.supervisor = supervisor
        self.metrics = HypervisorMetrics(supervisor: supervisor)
    }

    /// The routes, for the server and for tests: the operations the generated server
    /// registers, behind the middleware that answers every refusal in JSON.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let table = RouteTable(base: router)
        router.middlewares.add(JSONErrorMiddleware(routes: table))
        router.middlewares.add(JSONBodyMiddleware())
        register(table)
        return router
    }

    /// Mounts the API on `router` under `prefix` (the web console's `/api`), behind
    /// the same middleware; every refusal on `router` becomes a JSON error.
    func mount<Context: RequestContext>(on router: Router<Context>, prefix: String) {
        let group = router.group(RouterPath(prefix))
        let table = RouteTable(base: group, prefix: prefix)
        router.middlewares.add(JSONErrorMiddleware(routes: table))
        group.add(middleware: JSONBodyMiddleware())
        register(table)
    }

    /// Every route the API answers, as "METHOD /path": the OpenAPI test checks that
    /// docs/api/openapi.yaml lists exactly these.
    public var routes: [String] {
        let table = RouteTable(base: Router())
        register(table)
        return table.routes
    }

    private func register(_ table: RouteTable) {
        do {
            // One JSON line per answer, as the API has always written them.
            try ControlAPIHandler(supervisor: supervisor, metrics: metrics)
                .registerHandlers(on: table, configuration: .init(jsonEncodingOptions: [.sortedKeys, .withoutEscapingSlashes]))
        } catch {
            preconditionFailure("the generated routes do not register: \(error)")  // a path the router cannot take
        }
    }

    /// Serves on `socketPath` until SIGINT or SIGTERM, then stops every VM, giving each
    /// guest `shutdownGraceSeconds` to power down (all at once), and ends. The VMs end
    /// before the server drains its connections, so a request still waiting on a VM
    /// (a long stop) is answered rather than holding the shutdown.
    /// With `web`, the web console serves beside the socket and its URL (with the
    /// token) is printed on stderr once it listens.
    public func serve(socketPath: String, logger: Logger,
                      shutdownGraceSeconds: Double = Supervisor.defaultShutdownGraceSeconds, web: WebConsole? = nil) async throws {
        HostFile.remove(socketPath)
        let app = Application(
            router: router(),
            configuration: .init(address: .unixDomainSocket(path: socketPath), serverName: "isola"),
            onServerRunning: { _ in
                HostFile.setMode(socketPath, 0o600)
                logger.notice("serving the control API", metadata: ["socket": "\(socketPath)"])
            },
            logger: logger)
        defer {
            supervisor.shutdown(graceSeconds: 0)  // if the server failed: nothing is left running
            HostFile.remove(socketPath)
        }
        // Services shut down in reverse order: the VMs first, then the server.
        var services: [any Service] = [app]
        if let web {
            services.append(web.application(logger: logger) { port in
                HostOutput.standardError.write("isola: web console at \(web.url(port: port))\n")
            })
        }
        services.append(SupervisorService(supervisor: supervisor, graceSeconds: shutdownGraceSeconds))
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A bound on the whole shutdown: the window, a snapshot's end, a quit, a kill, the drain.
        configuration.maximumGracefulShutdownDuration = .seconds(max(shutdownGraceSeconds, 0) + Supervisor.shutdownMarginSeconds)
        try await ServiceGroup(configuration: configuration).run()
    }
}

/// The supervisor as a service of the server's group: on a graceful shutdown it ends
/// every VM, and only then lets the group go on to drain the HTTP server.
struct SupervisorService: Service {
    let supervisor: Supervisor
    let graceSeconds: Double

    func run() async throws {
        try? await gracefulShutdown()
        await blocking { [supervisor, graceSeconds] in supervisor.shutdown(graceSeconds: graceSeconds) }
    }
}

/// Runs blocking supervisor work (socket round trips, waits for workers) on a thread
/// of its own, so it never holds one of Swift concurrency's few shared threads.
/// The result crosses back under a mutex, so the hand-off from the host thread to the
/// task is a synchronization a race detector sees (not only the continuation's).
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let handOff = HandOff<Result<T, any Error>>()
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        do {
            try HostThread.start(name: "api-request") {
                handOff.put(Result { try body() })
                continuation.resume()
            }.detach()
        } catch {
            handOff.put(.failure(error))
            continuation.resume()
        }
    }
    return try handOff.take().get()
}

func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    // The body cannot throw: an error here is a thread that did not start; run it here.
    do { return try await blocking { () throws -> T in body() } } catch { return body() }
}

/// One value passed from one thread to another under a mutex.
final class HandOff<Value: Sendable>: @unchecked Sendable {
    // Sendable: `value` is guarded by `lock`.
    private let lock = HostMutex()
    private var value: Value?

    func put(_ new: Value) { lock.withLock { value = new } }

    func take() -> Value {
        guard let taken = lock.withLock({ value }) else { preconditionFailure("HandOff taken before it was put") }
        return taken
    }
}
