import IsolaCore
import IsolaHost
import IsolaVMM
import Logging

/// A virtual machine in this process: today a RISC-V machine emulated by Isola.
///
/// Build it from a validated `VirtualMachineConfiguration`, then `start()` it (or
/// `restoreState(from:)` and `resume()`). Every operation is async and returns
/// once done; the harts run on host threads of their own, so no caller's thread
/// is held. `stateUpdates()` tells every change; `consoleOutput()` streams what the
/// guest prints and `writeToConsole(_:)` types to it; `waitUntilStopped()` says why
/// the VM ended. A VM runs once: after it stops, build a new one.
public final class VirtualMachine: @unchecked Sendable {
    /// The machine (a `MachineBackend`), handed to the threads that block on it. Its
    /// `pause`, `resume`, `stop`, `type` and `saveSnapshot` are made to be called from
    /// other threads than the one in `run` (the monitor and the hypervisor do).
    struct Machine: @unchecked Sendable {
        let vm: any MachineBackend
    }

    // `lock` guards `machine`, `current`, `launched` and `stopWaiters`; `states` is
    // fed under it, so a reader sees the state it subscribed in, then every change.
    // The harts and devices belong to `machine`'s own threads; the run thread owns
    // the call to `run()` and reports its end through `finished(_:)`.

    /// Where the VM is in its life.
    public enum State: Sendable, Equatable, CustomStringConvertible {
        /// Built, nothing run yet.
        case created
        case running
        /// Every hart stopped at an instruction boundary, guest time frozen, devices quiet.
        case paused
        /// It ended, and why.
        case stopped(StopReason)

        public var description: String {
            switch self {
            case .created: "created"
            case .running: "running"
            case .paused: "paused"
            case let .stopped(reason): "stopped (\(reason))"
            }
        }
    }

    /// Why a VM ended.
    public enum StopReason: Sendable, Equatable, CustomStringConvertible {
        /// The guest powered off (SBI system reset, the test finisher), with its exit code.
        case guestPoweredOff(exitCode: Int32)
        /// The guest asked for a reboot; a VM runs once, so it ends here.
        case guestReset
        /// `stop()` ended it.
        case stopped
        /// The guest or the emulation failed in a way it cannot go on from.
        case crashed(reason: String)

        public var description: String {
            switch self {
            case let .guestPoweredOff(code): "the guest powered off with exit code \(code)"
            case .guestReset: "the guest asked for a reset"
            case .stopped: "stopped by the host"
            case let .crashed(reason): "crashed: \(reason)"
            }
        }
    }

    public let configuration: VirtualMachineConfiguration
    private let lock = HostMutex()
    private let console = ConsoleBroadcast()
    private var machine: Machine
    private var current: State = .created
    private var launched = false
    private let states = StreamBroadcast<State>(buffering: 64)
    private var stopWaiters: [CheckedContinuation<StopReason, Never>] = []

    /// Validates `configuration` and builds the VM: its RAM, devices and boot image
    /// (the kernel and initial RAM disk are read here). Nothing runs until `start()`.
    public init(configuration: VirtualMachineConfiguration, logger: Logger? = nil) throws(IsolaKitError) {
        try configuration.validate()
        self.configuration = configuration
        do {
            machine = Machine(vm: try MachineBackends.make(MachineBuilder.file(configuration), relativeTo: HostDirectory.current ?? ".",
                                                           console: console, logger: logger ?? IsolaVMM.VirtualMachine.quietLogger))
        } catch {
            throw .failed(operation: "build the VM", reason: "\(error)")
        }
    }

    /// The state now.
    public var state: State { lock.withLock { current } }

    /// The state now, then every change, until the VM stops.
    public func stateUpdates() -> AsyncStream<State> {
        lock.withLock { states.subscribe(first: current) }
    }

    /// What the guest prints on its consoles from now on, in chunks, until the VM stops.
    public func consoleOutput() -> AsyncStream<[UInt8]> { console.stream() }

    /// Types `bytes` on the guest's UART console.
    public func writeToConsole(_ bytes: some Sequence<UInt8>) {
        let machine = lock.withLock { self.machine }
        machine.vm.type(Array(bytes))
    }

    /// Types `text` on the guest's UART console.
    public func writeToConsole(_ text: String) { writeToConsole(Array(text.utf8)) }

    /// Runs the VM from its first instruction.
    public func start() async throws(IsolaKitError) {
        try locked { () throws(IsolaKitError) in
            guard current == .created else { throw .invalidState(operation: "start", state: current) }
            try launch()
        }
    }

    /// Stops every hart at an instruction boundary and freezes guest time.
    public func pause() async throws(IsolaKitError) {
        let machine = try locked { () throws(IsolaKitError) in
            guard current == .running else { throw IsolaKitError.invalidState(operation: "pause", state: current) }
            return self.machine
        }
        let paused = await onHostThread("pause") { machine.vm.pause() }
        guard paused else { throw .failed(operation: "pause", reason: "the harts did not all stop within 5 s") }
        lock.withLock {
            guard current == .running else { return }  // it ended meanwhile
            set(.paused)
        }
    }

    /// Lets a paused VM go on (a restored one runs from where its snapshot was saved).
    public func resume() async throws(IsolaKitError) {
        try locked { () throws(IsolaKitError) in
            guard current == .paused else { throw .invalidState(operation: "resume", state: current) }
            if launched {
                machine.vm.resume()
                set(.running)
            } else {
                try launch()
            }
        }
    }

    /// Asks the guest to power off (magic SysRq over the UART: sync, remount
    /// read-only, power off). Returns once asked; `waitUntilStopped()` tells when
    /// it has. A guest that ignores it runs on, and `stop()` ends it.
    public func requestStop() async throws(IsolaKitError) {
        let machine = try locked { () throws(IsolaKitError) in
            guard current == .running else { throw IsolaKitError.invalidState(operation: "ask to stop", state: current) }
            return self.machine
        }
        machine.vm.requestPowerdown()
    }

    /// Ends the VM at once, as pulling its plug would; returns when it has stopped.
    public func stop() async throws(IsolaKitError) {
        let ended: (() -> Void)? = try locked { () throws(IsolaKitError) in
            switch current {
            case .running:
                machine.vm.stop()
                return nil
            case .paused where launched:
                machine.vm.stop()
                return nil
            case .created, .paused:
                return finishLocked(.stopped)
            case .stopped:
                throw .invalidState(operation: "stop", state: current)
            }
        }
        if let ended { ended() } else { _ = await waitUntilStopped() }
    }

    /// Waits until the VM ends and says why (at once if it has).
    public func waitUntilStopped() async -> StopReason {
        await withCheckedContinuation { continuation in
            lock.withLock {
                if case let .stopped(reason) = current { continuation.resume(returning: reason) } else { stopWaiters.append(continuation) }
            }
        }
    }

    /// Writes the whole VM (every hart, device and page of RAM in use) to a snapshot
    /// file at `path`. The VM must be paused, and stays paused. Storage devices are
    /// not copied: a VM restored from it must see the same disk contents.
    public func saveState(to path: String) async throws(IsolaKitError) {
        let machine = try locked { () throws(IsolaKitError) in
            guard current == .paused else { throw IsolaKitError.invalidState(operation: "save the state of", state: current) }
            return self.machine
        }
        let description = SnapshotConfiguration.encode(configuration)
        let failure: String? = await onHostThread("save-state") {
            do {
                _ = try machine.vm.saveSnapshot(to: path, configuration: description)
                return nil
            } catch {
                return "\(error)"
            }
        }
        if let failure { throw .failed(operation: "save the state to '\(path)'", reason: failure) }
    }

    /// Replaces this VM, before it has run, with the one saved in the snapshot at
    /// `path`, which must have been saved from a VM of the same configuration. The
    /// VM is then paused; `resume()` runs it on from where it was saved, its guest
    /// clock going on from the saved time.
    public func restoreState(from path: String) async throws(IsolaKitError) {
        try locked { () throws(IsolaKitError) in
            guard current == .created else { throw IsolaKitError.invalidState(operation: "restore a state into", state: current) }
        }
        let configuration = self.configuration, console = self.console
        let outcome: Result<Machine, IsolaKitError> = await onHostThread("restore-state") {
            do {
                let snapshot = try SnapshotFile.open(path)
                if let saved = SnapshotConfiguration.decode(snapshot.configuration), let field = saved.difference(from: configuration) {
                    return .failure(.invalidConfiguration(field: field, reason: "differs from the configuration '\(path)' was saved with"))
                }
                let restored = try MachineBackends.restore(snapshot, as: MachineBuilder.file(configuration),
                                                           relativeTo: HostDirectory.current ?? ".", clock: .resume, console: console)
                return .success(Machine(vm: restored))
            } catch {
                return .failure(.failed(operation: "restore the state from '\(path)'", reason: "\(error)"))
            }
        }
        let restored = try outcome.get()
        try locked { () throws(IsolaKitError) in
            guard current == .created else { throw IsolaKitError.invalidState(operation: "restore a state into", state: current) }
            machine = restored
            set(.paused)
        }
    }

    // MARK: The run thread

    /// `body` under `lock`, its typed error kept (HostMutex's `withLock` rethrows untyped).
    private func locked<T>(_ body: () throws(IsolaKitError) -> T) throws(IsolaKitError) -> T {
        let result: Result<T, IsolaKitError> = lock.withLock { Result { () throws(IsolaKitError) in try body() } }
        return try result.get()
    }

    /// Caller holds `lock`.
    private func launch() throws(IsolaKitError) {
        let machine = self.machine
        do {
            let thread = try HostThread.start(name: "vm-\(configuration.name)") { [self] in
                let result = try? machine.vm.run()
                finished(result)
            }
            thread.detach()
        } catch {
            throw .failed(operation: "start", reason: "no thread for the VM: \(error)")
        }
        launched = true
        console.startFlushing()
        set(.running)
    }

    private func finished(_ result: MachineRun?) {
        let reason: StopReason = switch result?.outcome {
        case let .poweroff(code)?: .guestPoweredOff(exitCode: code)
        case .reset?: .guestReset
        case .stopped?: .stopped
        case let .crashed(reason)?: .crashed(reason: reason)
        case nil: .crashed(reason: "the machine failed to run")
        }
        lock.withLock { finishLocked(reason) }()
    }

    /// Records the end; caller holds `lock`. Answers what must run once it is
    /// released: finishing a stream runs its `onTermination`, which takes the lock.
    private func finishLocked(_ reason: StopReason) -> () -> Void {
        if case .stopped = current { return {} }
        set(.stopped(reason))
        let waiters = stopWaiters, console = self.console, states = self.states
        stopWaiters.removeAll()
        return {
            console.finish()
            states.finish()
            for waiter in waiters { waiter.resume(returning: reason) }
        }
    }

    /// Caller holds `lock`.
    private func set(_ state: State) {
        current = state
        states.yield(state)
    }
}

/// Runs `body`, which may block (a pause waits for every hart), on a host thread of
/// its own, so no task of the caller's executor is held.
func onHostThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        do {
            try HostThread.start(name: name) { continuation.resume(returning: body()) }.detach()
        } catch {
            continuation.resume(returning: body())  // no thread to be had: run it here
        }
    }
}
