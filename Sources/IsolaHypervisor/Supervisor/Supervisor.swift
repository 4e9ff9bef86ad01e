import FoundationEssentials
import IsolaCore
import IsolaHost
import IsolaVMM
import Logging

/// The hypervisor's core: a state directory of VM bundles, each VM run by a worker
/// process of its own, so that the death of one worker — a guest crash, a bug, a
/// SIGKILL — leaves every other VM running. The supervisor learns of a worker's end
/// at once (a thread waits on each), records why, and restarts it as its policy says.
/// Every method is thread-safe; the slow ones (start, stop) block the caller.
public final class Supervisor: @unchecked Sendable {
    // Sendable: `vms`, `pool` and every ManagedVM's fields are guarded by `lock`.
    public let stateDirectory: String
    let executable: String
    let logger: Logger
    let lock = HostMutex()
    var vms: [String: ManagedVM] = [:]
    var pool: HostCPUPool
    /// Set once the hypervisor shuts down: nothing starts or restarts any more.
    var shuttingDown = false
    let spawner: WorkerSpawner

    /// How long a started worker has to answer on its monitor socket.
    static let startTimeoutNanoseconds: UInt64 = 15_000_000_000

    /// Opens (creating it, mode 0700) the state directory and takes charge of every
    /// bundle in it. A VM that had a worker when the last supervisor ended is stopped
    /// now: workers die with their supervisor.
    public init(stateDirectory: String, executable: String, logger: Logger = Logger(label: "isola.hypervisor")) throws {
        self.stateDirectory = stateDirectory
        self.executable = executable
        self.logger = logger
        pool = HostCPUPool(cpus: HostScheduling.allowedCPUs())
        spawner = try WorkerSpawner()
        if !HostFile.exists(stateDirectory) { try HostDirectory.create(stateDirectory, mode: 0o700) }
        for entry in HostDirectory.entries(stateDirectory).sorted() where entry.hasSuffix(VMBundle.suffix) {
            let directory = stateDirectory + "/" + entry
            do {
                let bundle = try VMBundle.open(directory)
                let record = (try? HostFile.readAll(directory + "/" + ManagedVM.recordName))
                    .flatMap { try? JSONDecoder().decode(VMRecord.self, from: Data($0)) }
                var state = record?.state ?? .created
                if state.hasWorker { state = .stopped }
                HostFile.remove(directory + "/" + MonitorServer.socketName)
                let vm = ManagedVM(bundle: bundle, state: state, lastExit: record?.lastExit)
                vm.restarts = record?.restarts ?? 0
                vms[vm.name] = vm
            } catch {
                logger.warning("skipping a bundle that does not open", metadata: ["bundle": "\(directory)", "error": "\(error)"])
            }
        }
        try HostThread.start(name: "cpu-sampler") { [weak self] in
            while let self {
                self.sampleCPU()
                HostClock.sleep(nanoseconds: 1_000_000_000)
            }
        }.detach()
    }

    /// The VM named `name`, or a 404.
    func find(_ name: String) throws(HypervisorError) -> ManagedVM {
        guard let vm = lock.withLock({ vms[name] }) else { throw .notFound(what: "VM '\(name)'") }
        return vm
    }

    public var names: [String] { lock.withLock { vms.keys.sorted() } }

    /// Every VM, by name.
    public func list() -> [VMInfo] {
        names.compactMap { try? info($0) }
    }

    public func info(_ name: String) throws(HypervisorError) -> VMInfo {
        let vm = try find(name)
        refreshStatus(vm)
        // The /proc and directory reads happen outside the lock.
        let (pid, snapshotsDirectory) = lock.withLock { (vm.state.hasWorker ? vm.pid : nil, vm.bundle.snapshotsDirectory) }
        let usage = pid.flatMap(HostProcessUsage.read)
        let snapshots = Supervisor.snapshots(in: snapshotsDirectory)
        return lock.withLock { describe(vm, usage: usage, snapshots: snapshots) }
    }

    /// Asks a live worker for its status (outside the lock: it is a socket round trip).
    func refreshStatus(_ vm: ManagedVM) {
        guard lock.withLock({ vm.state.hasWorker }) else { return }
        let status = (try? vm.send("info json")).flatMap(VMStatus.decode)
        lock.withLock { if vm.state.hasWorker { vm.status = status } }
    }

    /// The API's view of `vm` (called with the lock held), with its worker's usage and
    /// snapshots read beforehand.
    func describe(_ vm: ManagedVM, usage: HostProcessUsage?, snapshots: [String]) -> VMInfo {
        let now = HostClock.monotonicNanoseconds()
        let live = vm.state.hasWorker
        let usage = live ? usage : nil
        return VMInfo(
            name: vm.name, state: vm.state, vcpus: vm.configuration.cpus,
            vcpusOnline: live ? vm.status?.hartsOnline : nil, memory: vm.configuration.memory,
            cpu: vm.share, restart: vm.restartPolicy, pid: live ? vm.pid : nil,
            uptimeSeconds: live ? vm.startedAt.map { Double(now &- $0) / 1e9 } : nil,
            cpuPercent: live ? vm.cpuPercent : nil, cpuSeconds: usage.map { Double($0.cpuNanoseconds) / 1e9 },
            residentBytes: usage?.residentBytes,
            guestResidentBytes: live ? vm.status?.memoryResidentBytes : nil,
            instructionsRetired: live ? vm.status?.instructionsRetired : nil,
            balloonTargetBytes: live ? vm.status?.balloonTargetBytes : nil,
            events: live ? vm.status?.events : nil, policy: vm.configuration.policy,
            restarts: vm.restarts, restartInSeconds: vm.restartAt.map { Double($0 > now ? $0 - now : 0) / 1e9 },
            lastExit: vm.lastExit, snapshots: snapshots)
    }

    static func snapshots(in directory: String) -> [String] {
        HostDirectory.entries(directory)
            .filter { $0.hasSuffix(VMBundle.snapshotSuffix) }
            .map { String($0.dropLast(VMBundle.snapshotSuffix.count)) }.sorted()
    }

    /// Makes a new VM bundle in the state directory from `configuration`; the VM is `created`.
    public func create(_ configuration: VMConfigurationFile) throws -> VMInfo {
        let name = configuration.name
        try Supervisor.checkName(name)
        let directory = stateDirectory + "/" + name + VMBundle.suffix
        return try lock.withLock {
            guard vms[name] == nil, !HostFile.exists(directory) else {
                throw HypervisorError.refused(field: "name", reason: "a VM named '\(name)' exists")
            }
            for (field, path) in [("kernel", configuration.kernel), ("initrd", configuration.initrd), ("bios", configuration.bios)] {
                if let path, !HostFile.exists(path) { throw HypervisorError.badRequest(field: field, reason: "\(path): no such file") }
            }
            for (i, disk) in configuration.disks.enumerated() where !HostFile.exists(disk.path) {
                throw HypervisorError.badRequest(field: "disks[\(i)].path", reason: "\(disk.path): no such file")
            }
            let bundle: VMBundle
            do {
                bundle = try VMBundle.create(directory: directory, configuration: configuration)
            } catch let CoreError.invalidConfiguration(field, reason) {
                throw HypervisorError.badRequest(field: HypervisorError.apiField(field), reason: reason)
            }
            let vm = ManagedVM(bundle: bundle, state: .created, lastExit: nil)
            vms[name] = vm
            saveRecord(vm)
            return describe(vm, usage: nil, snapshots: [])
        }
    }

    /// Deletes a VM that has no worker: its bundle, disks and snapshots go.
    public func delete(_ name: String) throws {
        let vm = try find(name)
        try vm.operation.withLock {
            try lock.withLock {
                guard !vm.state.hasWorker else { throw HypervisorError.conflict(state: vm.state, reason: "stop it before deleting it") }
                vm.generation += 1  // drops a scheduled restart
                vms[name] = nil
            }
            HostDirectory.removeTree(vm.directory)
        }
    }

    /// The guest console's output of the current (or last) run.
    public func console(_ name: String) throws -> [UInt8] {
        let vm = try find(name)
        return (try? HostFile.readAll(vm.consoleLog)) ?? []
    }

    /// The path of a VM's console log, for streaming it.
    public func consolePath(_ name: String) throws -> String { try find(name).consoleLog }

    /// Types `bytes` on a running or paused VM's console (its UART), as a keyboard
    /// would; a paused guest reads them when it goes on.
    public func type(_ name: String, _ bytes: [UInt8]) throws {
        let vm = try find(name)
        try lock.withLock {
            guard vm.state == .running || vm.state == .paused else {
                throw HypervisorError.conflict(state: vm.state, reason: "only a running or paused VM has a console to type on")
            }
        }
        for chunk in stride(from: 0, to: bytes.count, by: 1024) {  // a monitor line stays short
            try vm.change("sendkeys " + Hex.encode(bytes[chunk..<min(chunk + 1024, bytes.count)]))
        }
    }

    /// Whether a VM has a live worker (a streaming console follows it until it ends).
    public func isLive(_ name: String) -> Bool {
        guard let vm = lock.withLock({ vms[name] }) else { return false }
        return lock.withLock { vm.state.hasWorker }
    }

    /// Stops every VM (the hypervisor is shutting down); none restarts. Every running
    /// VM's guest is asked to power down and given `graceSeconds`, all at once, so the
    /// shutdown takes one window however many VMs there are; then what is left is
    /// forced. A stop already in progress is overtaken: its VM gets this window too.
    public func shutdown(graceSeconds: Double = Supervisor.defaultShutdownGraceSeconds) {
        let ending = lock.withLock { () -> [(ManagedVM, Int32, Bool)] in
            shuttingDown = true
            return vms.values.filter { $0.state.hasWorker }.compactMap { vm in
                let wasStopping = vm.state == .stopping  // its guest may be powering down already
                let running = beginStop(vm)
                return vm.pid.map { (vm, $0, running || wasStopping) }
            }
        }
        let grace = UInt64(max(graceSeconds, 0) * 1e9)
        let threads = ending.compactMap { vm, pid, running -> HostThread? in
            let ending = { [self] in end(vm, pid: pid, graceNanoseconds: running ? grace : nil) }
            guard let thread = try? HostThread.start(name: "shutdown-\(vm.name)", ending) else {
                ending()  // no thread: this VM's window is not shared, but it still ends
                return nil
            }
            return thread
        }
        for thread in threads { thread.join() }
    }

    /// How long an ending worker may go on saving a snapshot before it is made to quit.
    static let snapshotWaitNanoseconds: UInt64 = 30_000_000_000

    /// The most a shutdown adds to its window: a snapshot's end, a quit, a kill, the drain.
    public static let shutdownMarginSeconds = 60.0

    /// How long `isola serve` gives its guests to power down when it ends.
    public static let defaultShutdownGraceSeconds = 10.0

    /// A VM name: 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'.
    static func checkName(_ name: String) throws(HypervisorError) {
        let allowed = name.utf8.allSatisfy { c in
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x2D || c == 0x5F || c == 0x2E
        }
        guard !name.isEmpty, name.utf8.count <= 64, allowed, !name.hasPrefix(".") else {
            throw .badRequest(field: "name", reason: "'\(name)': expected 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'")
        }
    }

    /// Writes what must survive the supervisor (state, restarts, last exit) into the bundle.
    func saveRecord(_ vm: ManagedVM) {
        let record = VMRecord(state: vm.state, restarts: vm.restarts, lastExit: vm.lastExit)
        guard let bytes = try? JSONEncoder().encode(record) else { return }
        try? HostFile.writeAtomically(Array(bytes), to: vm.recordPath)
    }

    /// Each live VM's CPU use over the last second, from /proc (the worker is not asked).
    /// A VM that has gone idle is told once to trim its caches: its decoded code is
    /// cold, and an idle VM should cost the host little more than its guest's RAM.
    private func sampleCPU() {
        let now = HostClock.monotonicNanoseconds()
        let live = lock.withLock { vms.values.filter { $0.state == .running }.compactMap { vm in vm.pid.map { (vm, $0) } } }
        var idle: [ManagedVM] = []
        for (vm, pid) in live {
            guard let usage = HostProcessUsage.read(pid: pid) else { continue }
            lock.withLock {
                if let sample = vm.cpuSample, now > sample.at {
                    vm.cpuPercent = Double(usage.cpuNanoseconds &- sample.cpuNanoseconds) / Double(now - sample.at) * 100
                    if vm.cpuPercent < Supervisor.idlePercent && !vm.trimmed {
                        vm.trimmed = true
                        idle.append(vm)
                    } else if vm.cpuPercent > Supervisor.busyPercent {
                        vm.trimmed = false
                    }
                }
                vm.cpuSample = (now, usage.cpuNanoseconds)
            }
        }
        for vm in idle { _ = try? vm.send("trim") }
    }

    /// Below this CPU use (percent of one CPU, over a second) a VM counts as idle.
    static let idlePercent = 1.0
    /// Above it, it has done real work again and will be trimmed when next idle.
    static let busyPercent = 10.0
}
