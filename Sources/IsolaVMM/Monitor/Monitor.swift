import FoundationEssentials
import IsolaCore
import IsolaHost

/// The monitor's commands, the same from the console (Ctrl-A C), from the bundle's
/// monitor socket (`isola snapshot`) and from the hypervisor that runs the VM in a
/// worker; one command runs at a time.
public final class Monitor: @unchecked Sendable {
    // Sendable: commands run one at a time under `lock`; the VM's calls are thread-safe.
    public let vm: any MachineBackend
    /// The bundle the VM runs from: `savevm TAG` writes into its snapshots/.
    public let bundle: VMBundle?
    /// The configuration a lone snapshot file records (a VM run without a bundle).
    public let configuration: VMConfigurationFile
    private let lock = HostMutex()
    private var share = CPUShare()

    public enum Outcome: Sendable { case stay, resume, quit }

    public init(vm: any MachineBackend, bundle: VMBundle?, configuration: VMConfigurationFile) {
        self.vm = vm
        self.bundle = bundle
        self.configuration = configuration
    }

    public static let help = """
        info registers   show every hart's registers
        info balloon     the balloon's target and size
        balloon MIB      ask the guest to give MIB of RAM back to the host
        stop             pause the VM: harts stop, devices quiesce, guest time freezes
        info status      running or paused
        info json        the VM's state and counters as one JSON line
        savevm TAG       save a snapshot (in a bundle: snapshots/TAG.snap; else TAG is a path);
                         the VM goes on as it was, running or paused
        cpu JSON         set the CPU weight and cap, e.g. cpu {"weight":200,"cap":50}
        pin CPUS         run the VM's threads on these host CPUs only, e.g. pin 1,2
        vcpus N          allow harts 0..N-1 and ask the guest to offline the others
        policy JSON      install an interposition policy ({"rules":[...]}); policy none removes it
        trim             drop decoded code and give its memory back (for an idle VM)
        powerdown        ask the guest to shut down (sync, remount read-only, power off)
        sendkeys HEX     type these bytes (hex, two digits each) on the guest's console
        cont             resume (if paused) and go back to the console
        quit             stop the VM
        """

    /// The message of a command's answer that reports a failure ("error: …"), or nil.
    public static func failure(in answer: String) -> String? {
        answer.hasPrefix("error: ") ? String(answer.dropFirst(7)).trimmingSpaces : nil
    }

    /// Runs one command line; answers its output (lines ending in "\n") and what follows.
    public func execute(_ line: String) -> (output: String, outcome: Outcome) {
        lock.withLock { run(line.trimmingSpaces) }
    }

    private func run(_ command: String) -> (output: String, outcome: Outcome) {
        switch command {
        case "info registers", "info r":
            return (vm.registerDump() + "\n", .stay)
        case "info balloon":
            guard let b = vm.counters().balloon else { return ("no balloon device\n", .stay) }
            return ("balloon: target \(b.targetBytes >> 20) MiB, guest reports \(b.actualBytes >> 20) MiB, returned to the host \(b.returnedBytes >> 20) MiB\n", .stay)
        case let c where c.hasPrefix("balloon "):
            guard let mib = UInt64(c.dropFirst(8)), vm.setBalloonTarget(bytes: mib << 20) else { return ("usage: balloon MIB\n", .stay) }
            return ("balloon target set to \(mib) MiB\n", .stay)
        case "stop":
            return (vm.pause() ? "paused: every hart stopped, devices quiesced, guest time frozen\n" : "the harts did not all stop; still running\n", .stay)
        case "info status":
            return (vm.isPaused ? "paused\n" : "running\n", .stay)
        case "info json":
            return (status().encodedLine(), .stay)
        case let c where c == "savevm" || c.hasPrefix("savevm "):
            return (saveSnapshot(String(c.dropFirst(6)).trimmingSpaces), .stay)
        case let c where c.hasPrefix("cpu "):
            return (setShare(String(c.dropFirst(4))), .stay)
        case let c where c.hasPrefix("pin "):
            return (pin(String(c.dropFirst(4))), .stay)
        case let c where c.hasPrefix("vcpus "):
            guard let count = Int(String(c.dropFirst(6)).trimmingSpaces), (1...vm.vcpus.count).contains(count) else {
                return ("error: usage: vcpus N, 1 to \(vm.vcpus.count)\n", .stay)
            }
            return (vm.setOnlineVCPUs(count) ? "asked the guest for \(count) vCPUs online\n"
                                             : "error: no virtio console to ask the guest on; harts above \(count - 1) will not start\n", .stay)
        case "policy none":
            vm.install(policy: nil)
            return ("policy removed\n", .stay)
        case let c where c.hasPrefix("policy "):
            do {
                let policy = try InterpositionPolicy.decode(Array(c.dropFirst(7).utf8))
                vm.install(policy: policy)
                return ("policy installed: \(policy.rules.count) rules\n", .stay)
            } catch {
                return ("error: \(error)\n", .stay)
            }
        case "trim":
            vm.trimCaches()
            return ("decoded code dropped\n", .stay)
        case let c where c.hasPrefix("sendkeys "):
            guard let bytes = Hex.decode(c.dropFirst(9)), !bytes.isEmpty else {
                return ("error: usage: sendkeys HEX, two hex digits a byte\n", .stay)
            }
            vm.type(bytes)
            return ("sent \(bytes.count) bytes\n", .stay)
        case "powerdown":
            vm.requestPowerdown()
            return ("asked the guest to power down\n", .stay)
        case "quit", "q":
            return ("", .quit)
        case "cont", "c", "":
            vm.resume()
            return ("", .resume)
        case "help", "?":
            return (Monitor.help + "\n", .stay)
        default:
            return ("unknown command '\(command)' (try help)\n", .stay)
        }
    }

    private func status() -> VMStatus {
        let counters = vm.counters(), vcpus = vm.vcpus
        return VMStatus(
            paused: vm.isPaused, harts: vcpus.count, hartsOnline: vcpus.filter(\.isOnline).count,
            instructionsRetired: counters.instructionsRetired, memoryBytes: counters.memoryBytes,
            memoryResidentBytes: counters.memoryResidentBytes,
            balloonTargetBytes: counters.balloon?.targetBytes ?? 0, balloonActualBytes: counters.balloon?.actualBytes ?? 0,
            cpuWeight: share.weight, cpuCap: share.cap, throttledPeriods: counters.throttledPeriods,
            hostCPUs: (try? HostScheduling.affinity(of: 0)) ?? [], events: counters.events)
    }

    private func setShare(_ json: String) -> String {
        struct Change: Decodable { var weight: Int?; var cap: Int?; var uncapped: Bool? }
        guard let change = try? JSONDecoder().decode(Change.self, from: Data(json.utf8)) else {
            return "error: usage: cpu {\"weight\":W,\"cap\":PERCENT} (\"uncapped\":true removes the cap)\n"
        }
        var next = share
        if let weight = change.weight { next.weight = weight }
        if let cap = change.cap { next.cap = cap }
        if change.uncapped == true { next.cap = nil }
        do {
            try vm.apply(next)
            share = next
            return "cpu: weight \(share.weight), cap \(share.cap.map { "\($0)%" } ?? "none")\n"
        } catch {
            return "error: \(error)\n"
        }
    }

    private func pin(_ list: String) -> String {
        let cpus = list.split(separator: ",").compactMap { Int(String($0).trimmingSpaces) }
        guard !cpus.isEmpty, cpus.count == list.split(separator: ",").count else { return "error: usage: pin CPU[,CPU...]\n" }
        do {
            try vm.pin(to: cpus)
            return "pinned to host CPUs \(cpus.map(String.init).joined(separator: ","))\n"
        } catch {
            return "error: \(error)\n"
        }
    }

    private func saveSnapshot(_ tag: String) -> String {
        guard !tag.isEmpty else { return "usage: savevm TAG\n" }
        let wasPaused = vm.isPaused
        defer { if !wasPaused { vm.resume() } }
        let start = HostClock.monotonicNanoseconds()
        do {
            let path: String, summary: SnapshotFile.Summary
            if let bundle {
                (path, summary) = try bundle.saveSnapshot(of: vm, tag: tag)
            } else {
                guard !configuration.disks.contains(where: { $0.readonly != true }) else {
                    return "error: this VM writes disks and runs without a bundle, so its disks cannot be frozen with it; use 'isola create'\n"
                }
                path = tag
                summary = try vm.saveSnapshot(to: tag, configuration: configuration.encoded())
            }
            let milliseconds = Double((HostClock.monotonicNanoseconds() - start) / 100_000) / 10
            return "saved \(path): \(summary.fileBytes >> 20) MiB (\(summary.savedPages) pages, \(summary.runCount) runs) in \(milliseconds) ms\n"
        } catch {
            return "error: \(error)\n"
        }
    }
}

extension String {
    public var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" || s.first == "\r" { s.removeFirst() }
        while s.last == " " || s.last == "\t" || s.last == "\r" { s.removeLast() }
        return String(s)
    }
}
