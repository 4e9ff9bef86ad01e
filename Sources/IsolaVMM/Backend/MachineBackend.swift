import IsolaCore
import IsolaDevices

/// A machine that runs one guest, as the library, the hypervisor's worker and the
/// monitor drive it: its vCPUs, the run that ends with why it stopped, pausing and
/// resuming, the console, scheduling and interposition, and its state saved to a
/// snapshot. The emulated riscv64 board (`VirtualMachine`) is the first one; a
/// hardware-assisted backend joins by conforming and by `MachineBackends` making it.
///
/// `run()` blocks its thread until the guest ends; every other call is made from
/// other threads while it runs, and returns without waiting for the guest.
public protocol MachineBackend: AnyObject {
    /// The vCPUs, by index.
    var vcpus: [any VirtualCPU] { get }
    /// The virtio-blk devices, by disk index: a bundle's snapshot freezes their images.
    var blockDevices: [VirtioBlock] { get }

    /// Runs until the guest powers off, resets or crashes, or `stop()` is called.
    func run() throws -> MachineRun

    /// Stops every vCPU at an instruction boundary, freezes guest time and quiesces
    /// the devices. False if the vCPUs did not all stop (the machine then runs on).
    func pause() -> Bool
    /// Lets a paused machine go on.
    func resume()
    var isPaused: Bool { get }
    /// Ends `run()` at the next boundary.
    func stop()

    /// Bytes typed on the guest's console.
    func type(_ bytes: [UInt8])
    /// Asks the guest to shut down; it may ignore it.
    func requestPowerdown()

    /// Asks the guest to give `bytes` of its RAM back (0 deflates). False without a balloon.
    func setBalloonTarget(bytes: UInt64) -> Bool
    /// Lets vCPUs 0 to `count - 1` run and asks the guest to offline the others.
    /// False when there is no channel to ask the guest on.
    func setOnlineVCPUs(_ count: Int) -> Bool
    /// The VM's CPU weight and cap.
    func apply(_ share: CPUShare) throws
    /// Runs the machine's threads on these host CPUs only.
    func pin(to cpus: [Int]) throws
    /// From now on the interposer allows, denies, audits or rate-limits what the
    /// policy's rules match (nil removes it).
    func install(policy: InterpositionPolicy?)
    /// Drops caches of guest code (decoded or translated) and returns their memory.
    func trimCaches()

    /// What the machine counts of itself now.
    func counters() -> MachineCounters
    /// Every vCPU's registers, as the monitor's `info registers` shows them.
    func registerDump() -> String

    /// Pauses the machine (if it is not), writes every vCPU, device and page of RAM
    /// in use to a snapshot at `path` with `configuration` as its description, then
    /// runs `afterSaving` still paused. The machine stays paused.
    @discardableResult
    func saveSnapshot(to path: String, configuration: [UInt8], afterSaving: () throws -> Void) throws -> SnapshotFile.Summary
}

extension MachineBackend {
    @discardableResult
    public func saveSnapshot(to path: String, configuration: [UInt8]) throws -> SnapshotFile.Summary {
        try saveSnapshot(to: path, configuration: configuration, afterSaving: {})
    }
}

/// One vCPU of a `MachineBackend`.
public protocol VirtualCPU: AnyObject {
    var index: Int { get }
    /// The address of the next instruction.
    var programCounter: UInt64 { get }
    /// Whether the guest has it online (started, not stopped).
    var isOnline: Bool { get }
}

/// How a machine's run ended.
public struct MachineRun: Sendable {
    public let outcome: MachineOutcome
    public let instructionsRetired: UInt64
    public let seconds: Double
    /// Time from the start to the guest's write of the boot-timer register, if it wrote it.
    public let bootNanoseconds: UInt64?
    /// How the guest's code ran ("jit", "interpreter").
    public let engine: String

    public init(outcome: MachineOutcome, instructionsRetired: UInt64, seconds: Double, bootNanoseconds: UInt64?, engine: String) {
        self.outcome = outcome
        self.instructionsRetired = instructionsRetired
        self.seconds = seconds
        self.bootNanoseconds = bootNanoseconds
        self.engine = engine
    }

    /// The process exit status: the guest's own for poweroff, 1 for a crash.
    public var exitStatus: Int32 {
        switch outcome {
        case let .poweroff(code): return code
        case .reset, .stopped: return 0
        case .crashed: return 1
        }
    }
}

/// What a machine counts of itself, for `info json` and the hypervisor's metrics.
public struct MachineCounters: Sendable, Equatable {
    public var instructionsRetired: UInt64 = 0
    public var memoryBytes: UInt64 = 0
    /// Guest RAM in host memory (touched, not ballooned away).
    public var memoryResidentBytes: UInt64 = 0
    /// The balloon, when there is one.
    public var balloon: Balloon?
    /// Periods in which the CPU cap held the vCPUs back.
    public var throttledPeriods: UInt64 = 0
    /// What the interposer counted: kind → detail → [events, bytes].
    public var events: [String: [String: [UInt64]]] = [:]

    public init() {}

    /// What the host asked the balloon for, what the guest gave, and what has gone
    /// back to the host.
    public struct Balloon: Sendable, Equatable {
        public var targetBytes: UInt64
        public var actualBytes: UInt64
        public var returnedBytes: UInt64

        public init(targetBytes: UInt64, actualBytes: UInt64, returnedBytes: UInt64) {
            self.targetBytes = targetBytes
            self.actualBytes = actualBytes
            self.returnedBytes = returnedBytes
        }
    }
}
