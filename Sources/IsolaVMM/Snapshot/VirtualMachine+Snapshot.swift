import IsolaCore
import IsolaDevices
import IsolaHost
import IsolaRISCV
import Logging

extension VirtualMachine {
    /// A VM resumed from a snapshot: the board `configuration` describes, its RAM the
    /// snapshot's pages mapped copy-on-write, every hart and device as saved. Nothing
    /// runs until `run`; any refusal (checksum, version, a board that does not match)
    /// comes before that.
    public convenience init(restoring snapshot: SnapshotFile, configuration: RISCVMachine.Configuration, boot: BootSource,
                            clock: RISCVMachine.ClockOnRestore, console: ByteSink,
                            logger: Logger = VirtualMachine.quietLogger) throws {
        let machine = try RISCVMachine(configuration: configuration, console: console)
        try snapshot.restoreMemory(into: machine.context.ram)
        var input = SnapshotReader(snapshot.machineState, what: snapshot.path)
        try machine.restoreState(from: &input, clock: clock)
        self.init(machine: machine, boot: boot, logger: logger)
        logger.info("machine restored", metadata: ["snapshot": "\(snapshot.path)", "pages": "\(snapshot.runs.reduce(0) { $0 + $1.pageCount })"])
    }

    /// Pauses the VM (harts and devices, if it is not paused), writes the snapshot, then
    /// runs `afterSaving` (a bundle freezes its disks there) while still paused. The VM
    /// stays paused: the caller resumes or stops it.
    public func saveSnapshot(to path: String, configuration: [UInt8],
                             afterSaving: () throws -> Void) throws -> SnapshotFile.Summary {
        let context = machine.context
        guard pause() else { throw CoreError.invalidConfiguration(field: "snapshot", reason: "the harts did not all stop") }
        if let refusal = machine.snapshotRefusal { throw CoreError.invalidConfiguration(field: "snapshot", reason: refusal) }
        var state = SnapshotWriter()
        machine.saveState(into: &state)
        let summary = try SnapshotFile.write(to: path, configuration: configuration, machineState: state.bytes, ram: context.ram)
        do {
            try afterSaving()
        } catch {
            HostFile.remove(path)
            throw error
        }
        logger.info("snapshot saved", metadata: ["path": "\(path)", "bytes": "\(summary.fileBytes)", "pages": "\(summary.savedPages)"])
        return summary
    }

    /// The virtio-blk devices, by disk index (disks take the first virtio slots).
    public var blockDevices: [VirtioBlock] {
        machine.virtioTransports.compactMap { $0.device as? VirtioBlock }
    }
}
