import IsolaHost

/// Starts worker processes from one thread that lives as long as the supervisor.
/// A worker asks the kernel to kill it when its parent goes (PR_SET_PDEATHSIG), and
/// the kernel means the parent *thread*: a worker spawned from a short-lived request
/// thread would be killed the moment that thread ended.
final class WorkerSpawner: @unchecked Sendable {
    // Sendable: `pending` and every request's `result` are guarded by `lock`.
    private final class Request: @unchecked Sendable {
        let executable: String, arguments: [String], log: String
        var result: Result<Int32, any Error>?
        let done = Parker()
        init(executable: String, arguments: [String], log: String) {
            (self.executable, self.arguments, self.log) = (executable, arguments, log)
        }
    }

    private let lock = HostMutex()
    private var pending: [Request] = []
    private let wake = Parker()

    init() throws {
        try HostThread.start(name: "worker-spawner") { [self] in
            while true {
                let requests = lock.withLock { () -> [Request] in
                    defer { pending.removeAll() }
                    return pending
                }
                for request in requests {
                    let result = Result { try HostProcess.spawn(request.executable, arguments: request.arguments, log: request.log) }
                    lock.withLock { request.result = result }
                    request.done.unpark()
                }
                if requests.isEmpty { wake.park(untilMonotonicNanoseconds: .max) }
            }
        }.detach()
    }

    /// Spawns a worker on the spawner's thread; answers its pid.
    func spawn(_ executable: String, arguments: [String], log: String) throws -> Int32 {
        let request = Request(executable: executable, arguments: arguments, log: log)
        lock.withLock { pending.append(request) }
        wake.unpark()
        while lock.withLock({ request.result }) == nil { request.done.park(untilMonotonicNanoseconds: .max) }
        guard let result = lock.withLock({ request.result }) else { throw HostError.io(operation: "spawn", path: executable, errno: HostError.inputOutputError) }
        return try result.get()
    }
}
