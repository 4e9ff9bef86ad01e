import IsolaHost

/// Everything a VM is made of, as a value: build one, `validate()` it, hand it to
/// `VirtualMachine`. Sizes carry their unit in their name; paths are host paths.
/// Nothing here parses command-line syntax: the `isola` command does that.
public struct VirtualMachineConfiguration: Sendable, Equatable, Codable {
    /// What the VM runs first.
    public enum BootLoader: Sendable, Equatable, Codable {
        /// A RISC-V Linux kernel (`Image`) started by Isola's own SBI, with an
        /// optional initial RAM disk and the kernel's command line.
        case linux(kernelPath: String, initialRamdiskPath: String?, commandLine: String)
        /// A firmware image (an ELF or a raw binary at the start of RAM) run in M-mode,
        /// OpenSBI for example.
        case firmware(path: String)
    }

    /// How the VM's harts run guest code.
    public enum Engine: String, Sendable, Equatable, Codable, CaseIterable {
        /// The dynamic binary translator where the host has a backend, else the interpreter.
        case automatic
        /// The dynamic binary translator (x86-64 Linux hosts).
        case translator
        /// The interpreter alone.
        case interpreter
    }

    /// A virtio block device backed by a disk image file.
    public struct StorageDevice: Sendable, Equatable, Codable {
        public enum Format: String, Sendable, Equatable, Codable, CaseIterable { case raw, qcow2 }
        public var path: String
        public var isReadOnly: Bool
        /// nil recognises qcow2 by its magic and takes anything else as raw.
        public var format: Format?

        public init(path: String, isReadOnly: Bool = false, format: Format? = nil) {
            self.path = path
            self.isReadOnly = isReadOnly
            self.format = format
        }
    }

    /// A virtio network device and what its frames reach on the host.
    public struct NetworkDevice: Sendable, Equatable, Codable {
        public enum Attachment: Sendable, Equatable, Codable {
            /// A switch inside this process, shared by every VM that names it.
            case virtualSwitch(name: String)
            /// An existing host TAP interface (needs CAP_NET_ADMIN to open).
            case tap(interfaceName: String)
        }
        public var attachment: Attachment
        /// `xx:xx:xx:xx:xx:xx`; nil derives one from the VM's name and the device's index.
        public var macAddress: String?

        public init(attachment: Attachment, macAddress: String? = nil) {
            self.attachment = attachment
            self.macAddress = macAddress
        }
    }

    /// A host directory the guest mounts with `mount -t virtiofs TAG DIR`.
    public struct SharedDirectory: Sendable, Equatable, Codable {
        public var hostPath: String
        public var tag: String
        public var isReadOnly: Bool

        public init(hostPath: String, tag: String, isReadOnly: Bool = false) {
            self.hostPath = hostPath
            self.tag = tag
            self.isReadOnly = isReadOnly
        }
    }

    public var bootLoader: BootLoader
    /// Harts (RISC-V CPUs), 1 to 512.
    public var cpuCount: Int = 1
    /// Guest RAM: at least 1 MiB, at most 64 GiB, a multiple of 4 KiB.
    public var memorySizeInBytes: UInt64 = 256 << 20
    public var storageDevices: [StorageDevice] = []
    public var networkDevices: [NetworkDevice] = []
    public var sharedDirectories: [SharedDirectory] = []
    /// A virtio console (`hvc0`) besides the UART (`ttyS0`); both reach `VirtualMachine.consoleOutput`.
    public var hasVirtioConsole = true
    /// A virtio entropy device, so the guest's random pool fills at once.
    public var hasEntropyDevice = true
    /// A virtio memory balloon, through which the guest can give RAM back.
    public var hasMemoryBalloon = true
    public var engine: Engine = .automatic
    /// Names the VM in logs and derives its MAC addresses.
    public var name = "isola"

    public init(bootLoader: BootLoader) {
        self.bootLoader = bootLoader
    }

    /// The command line a Linux guest gets when none is chosen: the UART as its
    /// console, early output through the SBI.
    public static let defaultCommandLine = "console=ttyS0 earlycon=sbi quiet"

    /// Refuses what no VM can have, naming the field by its Swift path. Files are
    /// checked to exist here, so a typo shows before anything is built.
    public func validate() throws(IsolaKitError) {
        func refuse(_ field: String, _ reason: String) -> IsolaKitError { .invalidConfiguration(field: field, reason: reason) }
        switch bootLoader {
        case let .linux(kernel, initrd, commandLine):
            guard HostFile.exists(kernel) else { throw refuse("bootLoader.kernelPath", "no file at '\(kernel)'") }
            if let initrd, !HostFile.exists(initrd) { throw refuse("bootLoader.initialRamdiskPath", "no file at '\(initrd)'") }
            guard !commandLine.utf8.contains(0) else { throw refuse("bootLoader.commandLine", "must not contain NUL") }
        case let .firmware(path):
            guard HostFile.exists(path) else { throw refuse("bootLoader.path", "no file at '\(path)'") }
        }
        let limits = MachineBuilder.limits
        guard limits.vcpuCounts.contains(cpuCount) else {
            throw refuse("cpuCount", "must be between \(limits.vcpuCounts.lowerBound) and \(limits.vcpuCounts.upperBound), not \(cpuCount)")
        }
        guard limits.memorySizes.contains(memorySizeInBytes), memorySizeInBytes % 4096 == 0 else {
            throw refuse("memorySizeInBytes", "must be 1 MiB to 64 GiB and a multiple of 4096, not \(memorySizeInBytes)")
        }
        for (i, disk) in storageDevices.enumerated() where !HostFile.exists(disk.path) {
            throw refuse("storageDevices[\(i)].path", "no file at '\(disk.path)'")
        }
        for (i, network) in networkDevices.enumerated() {
            if let mac = network.macAddress, !NetworkDevice.isMACAddress(mac) {
                throw refuse("networkDevices[\(i)].macAddress", "'\(mac)' is not six hex bytes joined by ':'")
            }
            switch network.attachment {
            case let .virtualSwitch(name) where name.isEmpty: throw refuse("networkDevices[\(i)].attachment", "the switch needs a name")
            case let .tap(name) where name.isEmpty || name.utf8.count > 15:
                throw refuse("networkDevices[\(i)].attachment", "a TAP interface name has 1 to 15 bytes")
            default:
                if let problem = MachineBuilder.networkProblem(network) { throw refuse("networkDevices[\(i)].attachment", problem) }
            }
        }
        for (i, share) in sharedDirectories.enumerated() {
            guard HostFile.isDirectory(share.hostPath) else {
                throw refuse("sharedDirectories[\(i)].hostPath", "no directory at '\(share.hostPath)'")
            }
            if let problem = MachineBuilder.tagProblem(share.tag) { throw refuse("sharedDirectories[\(i)].tag", problem) }
            if sharedDirectories[..<i].contains(where: { $0.tag == share.tag }) {
                throw refuse("sharedDirectories[\(i)].tag", "'\(share.tag)' is given twice: the guest mounts shares by tag")
            }
        }
        guard !name.isEmpty, !name.utf8.contains(0) else { throw refuse("name", "must be a non-empty string without NUL") }
        let devices = MachineBuilder.virtioDeviceCount(self)
        guard devices <= limits.virtioSlots else {
            throw refuse("storageDevices", "\(devices) virtio devices in all; the machine has \(limits.virtioSlots) slots")
        }
    }
}

extension VirtualMachineConfiguration.NetworkDevice {
    static func isMACAddress(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6 && parts.allSatisfy { $0.count == 2 && UInt8($0, radix: 16) != nil }
    }
}
