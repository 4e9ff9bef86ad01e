import IsolaCore
import IsolaDevices
import IsolaRISCV
import Logging

/// Makes the `MachineBackend` a configuration describes. The only one today is the
/// emulated riscv64 board; this is the one place above the board that names it, so
/// a second backend is chosen here and nowhere else.
public enum MachineBackends {
    /// What a machine can be: sizes the configuration's checks hold it to.
    public struct Limits: Sendable {
        public let memorySizes: ClosedRange<UInt64>
        public let vcpuCounts: ClosedRange<Int>
        /// The virtio devices a machine can have, in all.
        public let virtioSlots: Int
    }

    public static let limits = Limits(memorySizes: RISCVMachine.Configuration.memorySizes,
                                      vcpuCounts: RISCVMachine.Configuration.hartCounts,
                                      virtioSlots: MemoryMap.virtioSlotCount)

    /// The virtio devices `file` asks for, in all (disks, interfaces, shares and the
    /// console, entropy and balloon devices), to hold against `limits.virtioSlots`.
    public static func virtioDeviceCount(of file: VMConfigurationFile) throws(CoreError) -> Int {
        try file.machineConfiguration(relativeTo: "/").virtioDeviceCount
    }

    /// A new machine as `file` describes it, its boot image loaded; relative paths
    /// resolve against `directory`. Nothing runs until `run()`.
    public static func make(_ file: VMConfigurationFile, relativeTo directory: String, console: ByteSink,
                            logger: Logger = VirtualMachine.quietLogger) throws -> any MachineBackend {
        let configuration = try file.machineConfiguration(relativeTo: directory)
        try configuration.validate()
        return try VirtualMachine(configuration: configuration, boot: file.bootSource(relativeTo: directory),
                                  console: console, logger: logger)
    }

    /// The machine of a bundle, its audit log kept in the bundle.
    public static func make(bundle: VMBundle, console: ByteSink, logger: Logger = VirtualMachine.quietLogger) throws -> any MachineBackend {
        let (configuration, boot) = try bundle.machine()
        try configuration.validate()
        return try VirtualMachine(configuration: configuration, boot: boot, console: console, logger: logger)
    }

    /// A machine resumed from `snapshot`, saved from a machine as `file` describes it:
    /// its RAM the snapshot's pages mapped copy-on-write, every vCPU and device as
    /// saved. Any refusal (checksum, version, a machine that does not match) comes
    /// before anything runs.
    public static func restore(_ snapshot: SnapshotFile, as file: VMConfigurationFile, relativeTo directory: String,
                               clock: SnapshotClock, console: ByteSink,
                               logger: Logger = VirtualMachine.quietLogger) throws -> any MachineBackend {
        let configuration = try file.machineConfiguration(relativeTo: directory)
        try configuration.validate()
        return try VirtualMachine(restoring: snapshot, configuration: configuration, boot: file.bootSource(relativeTo: directory),
                                  clock: clock, console: console, logger: logger)
    }

    /// The machine a prepared restore describes (its bundle's, a clone's or a lone
    /// snapshot's); the caller commits or abandons `restore` after.
    public static func restore(_ restore: SnapshotRestore, clock: SnapshotClock, console: ByteSink,
                               logger: Logger = VirtualMachine.quietLogger) throws -> any MachineBackend {
        try VirtualMachine(restoring: restore.snapshot, configuration: restore.configuration, boot: restore.boot,
                           clock: clock, console: console, logger: logger)
    }
}
