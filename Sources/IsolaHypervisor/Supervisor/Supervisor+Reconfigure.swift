import FoundationEssentials
import IsolaCore
import IsolaVMM

/// Changing a VM while it runs: its CPU share (weight, cap, dedicated CPUs), restart
/// policy and balloon. The new settings are saved in its bundle, so they hold for
/// every later run; a live VM gets them at once.
extension Supervisor {
    public func update(_ name: String, _ update: VMUpdate) throws -> VMInfo {
        let vm = try find(name)
        try vm.operation.withLock {
            let (state, old) = lock.withLock { (vm.state, vm.share) }
            if state == .stopping { throw HypervisorError.conflict(state: state, reason: "a stop is in progress") }
            let live = state.hasWorker
            var share = old
            if let weight = update.weight { share.weight = weight }
            if let cap = update.cap { share.cap = cap }
            if let dedicated = update.dedicated { share.dedicated = dedicated.sorted() }
            do {
                try share.validate()
            } catch let CoreError.invalidConfiguration(field, reason) {
                throw HypervisorError.badRequest(field: HypervisorError.apiField(field), reason: reason)
            }
            if update.balloonTargetBytes != nil && !live {
                throw HypervisorError.conflict(state: lock.withLock { vm.state }, reason: "the balloon exists only while the VM runs")
            }
            if let count = update.vcpus {
                guard count >= 1 else { throw HypervisorError.badRequest(field: "vcpus", reason: "\(count): expected 1 or more") }
                guard count <= vm.configuration.cpus else {
                    // The request is well formed; it conflicts with the VM's configuration (409).
                    throw HypervisorError.refused(field: "vcpus", reason: "\(count): the VM has \(vm.configuration.cpus) vCPUs; expected 1 to \(vm.configuration.cpus)")
                }
                if !live { throw HypervisorError.conflict(state: lock.withLock { vm.state }, reason: "vCPUs go online and offline only while the VM runs") }
            }
            let memory = (try? MemorySize.parse(vm.configuration.memory)) ?? 0
            if let bytes = update.balloonTargetBytes, bytes >= memory {
                throw HypervisorError.refused(field: "balloonTargetMiB", reason: "\(bytes >> 20) MiB: the guest has only \(memory >> 20) MiB")
            }
            let repartition = live && share.dedicated != old.dedicated
            if repartition {
                try lock.withLock {
                    // A stop may have begun (and the worker ended, its CPUs released) since.
                    guard vm.state.hasWorker && vm.state != .stopping else {
                        throw HypervisorError.conflict(state: vm.state, reason: "the VM stopped while it was being changed")
                    }
                    if share.dedicated.isEmpty {
                        pool.release(vm.name)
                    } else if let why = pool.refusal(of: share.dedicated, for: vm.name) {
                        throw HypervisorError.refused(field: "cpus", reason: why)
                    } else {
                        pool.assign(share.dedicated, to: vm.name)
                    }
                }
            }
            var configuration = vm.configuration
            configuration.cpu = share == CPUShare() ? nil : share
            if let restart = update.restart { configuration.restart = restart.rawValue }
            if let policy = update.policy { configuration.policy = policy }
            var bundle = vm.bundle
            try bundle.replaceConfiguration(configuration)
            lock.withLock { vm.bundle = bundle }
            guard live else { return }
            if share.weight != old.weight || share.cap != old.cap {
                let cap = share.cap.map { "\"cap\":\($0)" } ?? "\"uncapped\":true"
                try vm.change("cpu {\"weight\":\(share.weight),\(cap)}")
            }
            if repartition {
                let cpus = share.dedicated.isEmpty ? lock.withLock { pool.shared } : share.dedicated
                _ = try vm.send("pin \(cpus.map(String.init).joined(separator: ","))")
                repinSharedVMs()
            }
            if let bytes = update.balloonTargetBytes {
                _ = try vm.send("balloon \(bytes >> 20)")
            }
            if let policy = update.policy {
                let json = policy.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) } ?? "none"
                try vm.change("policy \(json)")
            }
            if let count = update.vcpus {
                try vm.change("vcpus \(count)")
            }
        }
        return try info(name)
    }
}
