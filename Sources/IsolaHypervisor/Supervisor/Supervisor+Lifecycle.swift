import IsolaCore
import FoundationEssentials
import IsolaHost
import IsolaVMM

/// Starting, stopping, pausing and resuming VMs, and what happens when a worker ends.
extension Supervisor {
    /// Boots a VM that has no worker (created, stopped or crashed).
    public func start(_ name: String) throws -> VMInfo {
        let vm = try find(name)
        try vm.operation.withLock {
            try lock.withLock {
                guard vm.state.canStart else { throw HypervisorError.conflict(state: vm.state, reason: "it is already running") }
            }
            try launch(vm, snapshot: nil)
        }
        return try info(name)
    }

    /// Resumes a VM without a worker from one of its snapshots.
    public func restore(_ name: String, tag: String, clock: SnapshotClock) throws -> VMInfo {
        let vm = try find(name)
        let path = try snapshotPath(of: vm, tag: tag)
        guard HostFile.exists(path) else { throw HypervisorError.notFound(what: "snapshot '\(tag)' of VM '\(name)'") }
        try vm.operation.withLock {
            try lock.withLock {
                guard vm.state.canStart else { throw HypervisorError.conflict(state: vm.state, reason: "stop it before restoring a snapshot") }
            }
            try launch(vm, snapshot: path, clock: clock)
        }
        return try info(name)
    }

    /// Pauses a running VM: its harts stop, its devices quiesce, guest time freezes.
    public func pause(_ name: String) throws -> VMInfo {
        try command(name, "stop", from: [.running], to: .paused, expecting: "paused", refusal: "only a running VM can be paused")
    }

    public func resume(_ name: String) throws -> VMInfo {
        try command(name, "cont", from: [.paused], to: .running, expecting: nil, refusal: "only a paused VM can be resumed")
    }

    /// Stops a VM: first asks the guest to power down (unless `force`, or the VM is
    /// paused and cannot act on it) and gives it up to `timeoutSeconds`; then has the
    /// worker stop the harts; a worker that does not end is killed. A graceful stop
    /// answers at once with the VM `stopping` and goes on in the background (the
    /// caller watches the state), so nothing waits on a guest that ignores the
    /// request; a forced stop (or one of a paused VM) answers when the worker is gone,
    /// within a few seconds. A second graceful stop is refused; a forced one overtakes.
    public func stop(_ name: String, force: Bool = false, timeoutSeconds: Double = 10) throws -> VMInfo {
        let vm = try find(name)
        let (pid, graceful) = try lock.withLock { () throws -> (Int32, Bool) in
            guard vm.state.hasWorker, let pid = vm.pid else { throw HypervisorError.conflict(state: vm.state, reason: "it is not running") }
            if vm.state == .stopping && !force {
                throw HypervisorError.conflict(state: vm.state, reason: "a stop is in progress; a forced stop ends it at once")
            }
            // Killing a worker in the middle of `savevm` would leave a half-made snapshot.
            if vm.snapshotting {
                throw HypervisorError.conflict(state: vm.state, reason: "a snapshot is being saved; stop the VM once it is done")
            }
            return (pid, beginStop(vm) && !force)
        }
        var inBackground = false
        if graceful {
            let grace = UInt64(max(timeoutSeconds, 0) * 1e9)
            do {
                try HostThread.start(name: "stop-\(name)") { [self] in end(vm, pid: pid, graceNanoseconds: grace) }.detach()
                inBackground = true
            } catch {
                logger.warning("cannot stop in the background; stopping now", metadata: ["vm": "\(name)", "error": "\(error)"])
            }
        }
        if !inBackground { end(vm, pid: pid, graceNanoseconds: nil) }
        return try info(name)
    }

    /// Marks `vm` as stopping (called with the lock held); answers whether it was
    /// running, and so can act on a request to power down.
    func beginStop(_ vm: ManagedVM) -> Bool {
        let running = vm.state == .running
        vm.stopRequested = true
        vm.generation += 1
        vm.state = .stopping
        return running
    }

    /// Ends worker `pid` of `vm`: asks the guest to power down and waits `graceNanoseconds`
    /// (nil: no graceful window), then quits the VM through its monitor, then kills the
    /// worker. Holds no lock while it waits.
    func end(_ vm: ManagedVM, pid: Int32, graceNanoseconds: UInt64?) {
        if let graceNanoseconds {
            _ = try? vm.send("powerdown", timeoutSeconds: 3)
            if waitForExit(vm, pid: pid, nanoseconds: graceNanoseconds) { return }
        }
        // A snapshot being saved (only a shutdown overtakes one) gets its time to finish.
        _ = wait(nanoseconds: Supervisor.snapshotWaitNanoseconds) { !vm.snapshotting || vm.pid != pid }
        _ = try? vm.send("quit", timeoutSeconds: 3)
        if waitForExit(vm, pid: pid, nanoseconds: 3_000_000_000) { return }
        logger.warning("worker did not stop; killing it", metadata: ["vm": "\(vm.name)", "pid": "\(pid)"])
        HostProcess.send(HostProcess.SIGKILL, to: pid)
        _ = waitForExit(vm, pid: pid, nanoseconds: 5_000_000_000)
    }

    /// Saves a snapshot of a running or paused VM into its bundle (`snapshots/TAG.snap`).
    public func snapshot(_ name: String, tag: String) throws -> VMInfo {
        let vm = try find(name)
        let path = try snapshotPath(of: vm, tag: tag)
        try vm.operation.withLock {
            try lock.withLock {
                guard vm.state == .running || vm.state == .paused else {
                    throw HypervisorError.conflict(state: vm.state, reason: "only a running or paused VM can be snapshotted")
                }
                vm.snapshotting = true
            }
            defer { lock.withLock { vm.snapshotting = false } }
            guard !HostFile.exists(path) else { throw HypervisorError.refused(field: "tag", reason: "snapshot '\(tag)' exists") }
            let answer = try vm.send("savevm \(tag)", timeoutSeconds: ManagedVM.snapshotTimeoutSeconds)
            guard answer.hasPrefix("saved ") else {
                throw HypervisorError.failed(reason: Monitor.failure(in: answer) ?? answer.trimmingSpaces)
            }
        }
        return try info(name)
    }

    /// Where snapshot `tag` of `vm` lives; a tag that is no file name is a 400.
    private func snapshotPath(of vm: ManagedVM, tag: String) throws -> String {
        do {
            return try vm.bundle.snapshotPath(tag: tag)
        } catch {
            throw HypervisorError.badRequest(field: "tag", reason: "\(error)")
        }
    }

    /// Sends a monitor command that moves the VM from one of `from` to `to`.
    private func command(_ name: String, _ line: String, from: [VMState], to: VMState, expecting prefix: String?,
                         refusal: String) throws -> VMInfo {
        let vm = try find(name)
        try vm.operation.withLock {
            try lock.withLock {
                guard from.contains(vm.state) else { throw HypervisorError.conflict(state: vm.state, reason: refusal) }
            }
            let answer = try vm.send(line)
            if let prefix, !answer.hasPrefix(prefix) { throw HypervisorError.failed(reason: answer.trimmingSpaces) }
            lock.withLock {
                // A stop that began meanwhile wins: the VM stays stopping.
                if from.contains(vm.state) { vm.state = to }
                saveRecord(vm)
            }
        }
        return try info(name)
    }

    /// Starts a worker for `vm` (booting it, or resuming `snapshot`) and waits until its
    /// monitor answers. Called with `vm.operation` held and the VM without a worker.
    func launch(_ vm: ManagedVM, snapshot: String?, clock: SnapshotClock = .resume) throws {
        let share = vm.share
        let hostCPUs = try lock.withLock { () throws -> [Int] in
            guard !shuttingDown else { throw HypervisorError.conflict(state: vm.state, reason: "the hypervisor is shutting down") }
            if share.dedicated.isEmpty { return pool.shared }
            if let why = pool.refusal(of: share.dedicated, for: vm.name) { throw HypervisorError.refused(field: "cpus", reason: why) }
            pool.assign(share.dedicated, to: vm.name)
            return share.dedicated.sorted()
        }
        HostFile.remove(vm.monitorSocket)
        HostFile.remove(vm.workerLog)
        var arguments = [executable, "worker", vm.directory, "--host-cpus", hostCPUs.map(String.init).joined(separator: ",")]
        if let snapshot { arguments += ["--snapshot", snapshot, "--clock", clock.rawValue] }
        let pid: Int32
        do {
            pid = try spawner.spawn(executable, arguments: arguments, log: vm.workerLog)
        } catch {
            lock.withLock { pool.release(vm.name) }
            throw HypervisorError.failed(reason: "cannot start a worker: \(error)")
        }
        let late = lock.withLock { () -> Bool in
            vm.pid = pid
            vm.state = .running
            vm.startedAt = HostClock.monotonicNanoseconds()
            vm.stopRequested = false
            vm.generation += 1
            vm.restartAt = nil
            vm.cpuSample = nil
            vm.cpuPercent = 0
            vm.trimmed = false
            vm.status = nil
            if shuttingDown {  // the hypervisor began to shut down while this worker started
                vm.stopRequested = true
                vm.state = .stopping
            }
            return shuttingDown
        }
        if late { HostProcess.send(HostProcess.SIGKILL, to: pid) }
        let waiter = { [self] in
            let termination = (try? HostProcess.waitForExit(pid)) ?? .exited(status: -1)
            workerEnded(vm, pid: pid, termination)
        }
        do {
            try HostThread.start(name: "wait-\(vm.name)", waiter).detach()
        } catch {
            HostProcess.send(HostProcess.SIGKILL, to: pid)
            waiter()  // reaped and recorded here, at once
            throw HypervisorError.failed(reason: "cannot watch the worker: \(error)")
        }
        if late { throw HypervisorError.conflict(state: .stopping, reason: "the hypervisor is shutting down") }
        let deadline = HostClock.monotonicNanoseconds() &+ Supervisor.startTimeoutNanoseconds
        while true {
            if let status = (try? vm.send("info json")).flatMap(VMStatus.decode) {
                lock.withLock { if vm.pid == pid { vm.status = status } }
                break
            }
            let (alive, record) = lock.withLock { (vm.pid == pid, vm.lastExit) }
            guard alive else {
                throw HypervisorError.failed(reason: "the VM did not start: \(record.map(startFailure) ?? "its worker ended")")
            }
            guard HostClock.monotonicNanoseconds() < deadline else {
                HostProcess.send(HostProcess.SIGKILL, to: pid)
                throw HypervisorError.failed(reason: "the VM's worker did not answer within \(Supervisor.startTimeoutNanoseconds / 1_000_000_000) s")
            }
            HostClock.sleep(nanoseconds: 5_000_000)
        }
        if !share.dedicated.isEmpty { repinSharedVMs() }
        lock.withLock { saveRecord(vm) }
        logger.info("VM started", metadata: ["vm": "\(vm.name)", "pid": "\(pid)", "cpus": "\(hostCPUs)"])
    }

    /// Why a worker could not start: its first log line, without the logger's time,
    /// level and source (or, with no log, what its exit meant).
    private func startFailure(_ record: ExitRecord) -> String {
        guard let line = record.log.first(where: { !$0.isEmpty }) else { return record.reason }
        return line.firstRange(of: "] ").map { String(line[$0.upperBound...]) } ?? line
    }

    /// Waits until the worker `pid` of `vm` has ended and been recorded; false on timeout.
    func waitForExit(_ vm: ManagedVM, pid: Int32, nanoseconds: UInt64) -> Bool {
        wait(nanoseconds: nanoseconds) { vm.pid != pid }
    }

    /// Waits until `done` (read under the lock) holds; false if it still does not after `nanoseconds`.
    private func wait(nanoseconds: UInt64, until done: () -> Bool) -> Bool {
        let deadline = HostClock.monotonicNanoseconds() &+ nanoseconds
        while !lock.withLock(done) {
            guard HostClock.monotonicNanoseconds() < deadline else { return false }
            HostClock.sleep(nanoseconds: 2_000_000)
        }
        return true
    }

    /// Called on the waiting thread the moment worker `pid` ends: records why, moves the
    /// VM to stopped or crashed, frees its CPUs, and schedules a restart if due.
    func workerEnded(_ vm: ManagedVM, pid: Int32, _ termination: HostProcess.Termination) {
        let console = ExitRecord.lastLines(of: vm.consoleLog, count: ExitRecord.consoleLines)
        let log = ExitRecord.lastLines(of: vm.workerLog, count: 5)
        let (restartDelay, generation, hadPartition): (UInt64?, Int, Bool) = lock.withLock {
            guard vm.pid == pid else { return (nil, 0, false) }
            let ran = HostClock.monotonicNanoseconds() &- (vm.startedAt ?? 0)
            var (state, reason, crashed) = Supervisor.classify(termination, console: console)
            let reboot = termination == .exited(status: WorkerExit.reset.rawValue) && !crashed
            if vm.stopRequested {
                (state, reason, crashed) = (.stopped, shuttingDown ? "the hypervisor shut down" : "stopped through the API", false)
            }
            let (status, signal): (Int32?, Int32?) = switch termination {
            case let .exited(status): (status, nil)
            case let .signaled(signal): (nil, signal)
            }
            vm.lastExit = ExitRecord(reason: reason, status: status, signal: signal,
                                     at: Double(HostClock.realtimeNanoseconds()) / 1e9, console: console, log: log)
            vm.pid = nil
            vm.state = state
            vm.status = nil
            vm.startedAt = nil
            let hadPartition = pool.dedicated[vm.name] != nil
            pool.release(vm.name)
            var delay: UInt64?
            let startFailed = termination == .exited(status: WorkerExit.failedToStart.rawValue)
            if !vm.stopRequested && !shuttingDown {
                if reboot {
                    delay = 0
                } else if !startFailed && vm.restartPolicy.restarts(afterCrash: crashed) {
                    vm.consecutiveFailures = ran < RestartPolicy.healthyRunNanoseconds ? vm.consecutiveFailures + 1 : 1
                    delay = RestartPolicy.backoffNanoseconds(attempt: vm.consecutiveFailures)
                }
            }
            if let delay { vm.restartAt = HostClock.monotonicNanoseconds() &+ delay }
            saveRecord(vm)
            logger.notice("VM ended", metadata: ["vm": "\(vm.name)", "state": "\(state.rawValue)", "reason": "\(reason)",
                                                 "restart_in_ms": "\(delay.map { "\($0 / 1_000_000)" } ?? "never")"])
            return (delay, vm.generation, hadPartition)
        }
        if hadPartition { repinSharedVMs() }
        guard let restartDelay else { return }
        _ = try? HostThread.start(name: "restart-\(vm.name)") { [self] in
            HostClock.sleep(nanoseconds: restartDelay)
            restartIfDue(vm, generation: generation)
        }.detach()
    }

    /// Restarts `vm` unless something (an API start, stop or delete) happened since the
    /// restart was scheduled.
    private func restartIfDue(_ vm: ManagedVM, generation: Int) {
        vm.operation.withLock {
            let due = lock.withLock { vm.generation == generation && vm.state.canStart && vms[vm.name] === vm }
            guard due else { return }
            do {
                try launch(vm, snapshot: nil)
                lock.withLock {
                    vm.restarts += 1
                    saveRecord(vm)
                }
            } catch {
                logger.error("restart failed", metadata: ["vm": "\(vm.name)", "error": "\(error)"])
            }
        }
    }

    /// What a worker's end means for its VM.
    public static func classify(_ termination: HostProcess.Termination, console: [String]) -> (VMState, String, crashed: Bool) {
        switch termination {
        case .signaled:
            return (.crashed, "the worker was \(termination)", true)
        case let .exited(status):
            switch WorkerExit(rawValue: status) {
            case .poweredOff: return (.stopped, "the guest powered off", false)
            case .stopped: return (.stopped, "the monitor stopped the VM", false)
            case .reset:
                if let panic = console.last(where: { $0.contains("Kernel panic") }) {
                    return (.crashed, "the guest panicked: \(panic)", true)
                }
                return (.stopped, "the guest asked for a reset", false)
            case .guestCrashed: return (.crashed, "the guest crashed (the worker log says how)", true)
            case .poweredOffWithFailure: return (.crashed, "the guest powered off reporting a failure", true)
            case .failedToStart: return (.crashed, "the VM could not start", true)
            case nil: return (.crashed, "the worker exited with status \(status)", true)
            }
        }
    }

    /// Moves every live VM without a partition onto the shared CPUs as they are now.
    func repinSharedVMs() {
        let (shared, targets) = lock.withLock {
            (pool.shared, vms.values.filter { $0.state.hasWorker && $0.share.dedicated.isEmpty })
        }
        let list = shared.map(String.init).joined(separator: ",")
        for vm in targets { _ = try? vm.send("pin \(list)") }
    }
}
