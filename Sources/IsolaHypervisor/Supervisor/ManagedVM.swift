import IsolaHost
import IsolaVMM

/// One VM under the supervisor: its bundle, its state, its worker process and how
/// that worker last ended. Fields are guarded by the supervisor's lock; `operation`
/// serializes the API's short operations on this VM (a start, a pause, a snapshot, an
/// update). A stop does not take it: its graceful window may be long, so it marks the
/// VM `stopping` instead, which every other operation refuses at once.
final class ManagedVM: @unchecked Sendable {
    let name: String
    let directory: String
    let operation = HostMutex()

    var bundle: VMBundle
    var state: VMState
    /// The running worker's pid.
    var pid: Int32?
    var startedAt: UInt64?
    /// Set while the worker saves a snapshot: a stop waits for it rather than kill a save.
    var snapshotting = false
    /// Set while the API stops the VM, so the worker's end is a stop, not a crash.
    var stopRequested = false
    /// Bumped by every start and stop: a restart scheduled before either is dropped.
    var generation = 0
    var restarts = 0
    /// Failures in a row (runs shorter than `RestartPolicy.healthyRunNanoseconds`).
    var consecutiveFailures = 0
    var lastExit: ExitRecord?
    /// Nanoseconds until the scheduled restart, when one is scheduled (for the API).
    var restartAt: UInt64?
    /// The last CPU-time sample, for the CPU use over the last second.
    var cpuSample: (at: UInt64, cpuNanoseconds: UInt64)?
    var cpuPercent: Double = 0
    /// Whether the worker was told to trim its caches since it last did real work.
    var trimmed = false
    /// The last status the worker reported.
    var status: VMStatus?

    init(bundle: VMBundle, state: VMState, lastExit: ExitRecord?) {
        self.name = bundle.configuration.name
        self.directory = bundle.directory
        self.bundle = bundle
        self.state = state
        self.lastExit = lastExit
    }

    var configuration: VMConfigurationFile { bundle.configuration }
    var share: CPUShare { configuration.cpu ?? CPUShare() }
    var restartPolicy: RestartPolicy { configuration.restart.flatMap(RestartPolicy.init(rawValue:)) ?? .never }
    var monitorSocket: String { directory + "/" + MonitorServer.socketName }
    var consoleLog: String { directory + "/" + Worker.consoleLogName }
    var workerLog: String { directory + "/" + Worker.logName }
    var recordPath: String { directory + "/" + ManagedVM.recordName }

    static let recordName = "hypervisor.json"

    /// Sends one monitor command to the worker; answers its output. A worker that does
    /// not answer within `timeoutSeconds` is an error, so no request waits on it for ever.
    func send(_ command: String, timeoutSeconds: UInt64 = ManagedVM.monitorTimeoutSeconds) throws -> String {
        try MonitorServer.send(command, toSocket: monitorSocket, bundle: directory,
                               timeoutNanoseconds: timeoutSeconds * 1_000_000_000)
    }

    /// How long a monitor command may take (a pause waits for every hart to stop).
    static let monitorTimeoutSeconds: UInt64 = 20
    /// How long `savevm` may take: it writes the guest's whole RAM.
    static let snapshotTimeoutSeconds: UInt64 = 600

    /// Sends a command whose failure the caller must hear of: an "error: …" answer
    /// becomes a 500 with the monitor's message.
    func change(_ command: String) throws {
        if let failure = Monitor.failure(in: try send(command)) { throw HypervisorError.failed(reason: failure) }
    }
}
