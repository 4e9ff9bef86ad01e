import IsolaCore
import IsolaHost
import IsolaVMM
import Logging

/// A worker: the process that runs one VM for the hypervisor (`isola worker`, which
/// `isola serve` starts). It lives exactly as long as its VM, dies with the supervisor,
/// takes commands on the bundle's monitor socket, writes the guest console to the
/// bundle's `console.log`, and reports how the VM ended by its exit status.
public enum Worker {
    public static let consoleLogName = "console.log"
    public static let logName = "worker.log"

    public struct Options: Sendable {
        public var bundle: String
        /// A snapshot file to resume instead of booting.
        public var snapshot: String?
        public var clock: SnapshotClock = .resume
        /// The host CPUs to run on (the VM's partition); nil: wherever the supervisor runs.
        public var hostCPUs: [Int]?

        public init(bundle: String, snapshot: String? = nil, clock: SnapshotClock = .resume, hostCPUs: [Int]? = nil) {
            self.bundle = bundle
            self.snapshot = snapshot
            self.clock = clock
            self.hostCPUs = hostCPUs
        }
    }

    /// Runs the VM and exits with a `WorkerExit` status.
    public static func run(_ options: Options, logger: Logger) -> Never {
        guard HostProcess.dieWithParent() else {
            logger.error("the supervisor is gone; not starting")
            HostProcess.exitImmediately(WorkerExit.failedToStart.rawValue)
        }
        let vm: any MachineBackend, bundle: VMBundle
        do {
            // Pinned before any VM thread exists, so every one of them inherits it.
            if let cpus = options.hostCPUs { try HostScheduling.setAffinity(of: 0, to: cpus) }
            (vm, bundle) = try make(options, logger: logger)
            if let share = bundle.configuration.cpu { try vm.apply(share) }
            vm.install(policy: bundle.configuration.policy)
        } catch {
            logger.error("\(error)")
            HostProcess.exitImmediately(WorkerExit.failedToStart.rawValue)
        }
        let monitor = Monitor(vm: vm, bundle: bundle, configuration: bundle.configuration)
        let server: MonitorServer
        do {
            server = try MonitorServer(monitor: monitor, bundle: bundle)
        } catch {
            logger.error("\(error)")
            HostProcess.exitImmediately(WorkerExit.failedToStart.rawValue)
        }
        let exit: WorkerExit
        do {
            let result = try vm.run()
            switch result.outcome {
            case let .poweroff(code): exit = code == 0 ? .poweredOff : .poweredOffWithFailure
            case .reset: exit = .reset
            case .stopped: exit = .stopped
            case let .crashed(reason):
                logger.error("guest crashed: \(reason)")
                exit = .guestCrashed
            }
            logger.info("VM ended", metadata: ["outcome": "\(result.outcome)", "instructions": "\(result.instructionsRetired)"])
        } catch {
            logger.error("the VM failed: \(error)")
            exit = .guestCrashed
        }
        server.stop()
        HostProcess.exitImmediately(exit.rawValue)
    }

    private static func make(_ options: Options, logger: Logger) throws -> (any MachineBackend, VMBundle) {
        let bundle = try VMBundle.open(options.bundle)
        let console = ConsoleOutput(output: try .file(bundle.directory + "/" + consoleLogName))
        try console.startPeriodicFlush(intervalMilliseconds: 100)
        if let snapshot = options.snapshot {
            let restore = try SnapshotRestore.prepare(snapshotPath: snapshot)
            do {
                let vm = try MachineBackends.restore(restore, clock: options.clock, console: console, logger: logger)
                try restore.commit()
                return (vm, restore.bundle ?? bundle)
            } catch {
                restore.abandon()
                throw error
            }
        }
        return (try MachineBackends.make(bundle: bundle, console: console, logger: logger), bundle)
    }
}
