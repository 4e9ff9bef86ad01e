import FoundationEssentials
import IsolaCore
import IsolaDevices
import IsolaRISCV

/// The whole configuration of a VM as its bundle's `config.json` holds it:
/// versioned, and checked on load with errors that name the field at fault.
/// Relative paths are relative to the bundle, so a copied bundle keeps working.
public struct VMConfigurationFile: Codable, Equatable, Sendable {
    public static let currentVersion = 1

    public struct Disk: Codable, Equatable, Sendable {
        public var path: String
        public var readonly: Bool?
        /// "raw" or "qcow2"; probed when absent.
        public var format: String?

        public init(path: String, readonly: Bool? = nil, format: String? = nil) {
            self.path = path
            self.readonly = readonly
            self.format = format
        }
    }

    /// A host directory the guest mounts by tag (virtio-fs).
    public struct Share: Codable, Equatable, Sendable {
        public var path: String
        public var tag: String
        public var readonly: Bool?

        public init(path: String, tag: String, readonly: Bool? = nil) {
            self.path = path
            self.tag = tag
            self.readonly = readonly
        }
    }

    public var version: Int
    /// The VM's name: its MAC addresses derive from it. A copied bundle takes its new directory's name.
    public var name: String
    /// Guest RAM, e.g. "256M".
    public var memory: String
    public var cpus: Int
    public var kernel: String?
    public var initrd: String?
    public var append: String?
    public var bios: String?
    public var disks: [Disk]
    /// `switch:NAME[,mac=..]` or `tap:IFNAME`, as `--net` takes them.
    public var networks: [String]
    /// Shared directories (absent: none); relative paths resolve against the bundle.
    public var shares: [Share]?
    /// The VM's share of the host's CPUs under the hypervisor (absent: the default share).
    public var cpu: CPUShare?
    /// What the hypervisor does when the VM ends on its own: "never" restart it,
    /// "on-failure" (a crash), or "always" (also after the guest powers off).
    public var restart: String?
    /// The interposition policy: what the VM's interposer allows, denies, audits or rate-limits.
    public var policy: InterpositionPolicy?
    /// How the harts run guest code: "jit" or "interpreter" (absent: the host's default, jit on x86-64 Linux).
    public var engine: String?
    /// The bound on the VM's translated code in MiB, split between its harts (absent: 64).
    public var codeCacheMiB: Int?
    /// A virtio-console port (`/dev/hvc0`) beside the UART (absent: true).
    public var virtioConsole: Bool?
    /// A virtio-rng device fed by the host's getrandom (absent: true).
    public var entropy: Bool?
    /// A virtio-balloon device (absent: true).
    public var balloon: Bool?

    public static let restartPolicies = ["never", "on-failure", "always"]

    public init(name: String, memory: String = "256M", cpus: Int = 1, kernel: String? = nil, initrd: String? = nil,
                append: String? = nil, bios: String? = nil, disks: [Disk] = [], networks: [String] = []) {
        version = VMConfigurationFile.currentVersion
        self.name = name
        self.memory = memory
        self.cpus = cpus
        self.kernel = kernel
        self.initrd = initrd
        self.append = append
        self.bios = bios
        self.disks = disks
        self.networks = networks
    }

    /// Reads and checks a configuration; `source` names the file in errors.
    public static func decode(_ bytes: [UInt8], source: String) throws(CoreError) -> VMConfigurationFile {
        let file: VMConfigurationFile
        do {
            file = try JSONDecoder().decode(VMConfigurationFile.self, from: Data(bytes))
        } catch let error as CoreError {
            throw error
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalidConfiguration(field: fieldName(context.codingPath + [key]), reason: "missing in \(source)")
        } catch let DecodingError.typeMismatch(type, context) {
            throw .invalidConfiguration(field: fieldName(context.codingPath), reason: "in \(source) must be \(describe(type))")
        } catch let DecodingError.valueNotFound(type, context) {
            throw .invalidConfiguration(field: fieldName(context.codingPath), reason: "in \(source) must be \(describe(type)), not null")
        } catch {
            throw .invalidConfiguration(field: "config", reason: "\(source) is not a JSON object")
        }
        try file.check(source: source)
        return file
    }

    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(self)).map { Array($0) } ?? []) + [UInt8(ascii: "\n")]
    }

    /// The longest kernel command line, in characters: Linux itself keeps 1024 bytes on
    /// riscv64; this bound keeps the device tree that carries it well under its 64 KiB.
    public static let maximumAppendLength = 4096

    /// The field-level checks a JSON decoder cannot make.
    public func check(source: String) throws(CoreError) {
        guard version == VMConfigurationFile.currentVersion else {
            throw .invalidConfiguration(field: "version", reason: "\(version) in \(source); this Isola reads version \(VMConfigurationFile.currentVersion)")
        }
        guard !name.isEmpty, !name.contains("/") else {
            throw .invalidConfiguration(field: "name", reason: "'\(name)' in \(source): must be non-empty, without '/'")
        }
        for (i, share) in (shares ?? []).enumerated() {
            do {
                try RISCVMachine.Configuration.SharedDirectory(path: share.path, tag: share.tag).validate()
            } catch let CoreError.invalidConfiguration(_, reason) {
                throw .invalidConfiguration(field: "shares[\(i)]", reason: "\(reason) in \(source)")
            }
        }
        let machine = try machineConfiguration(relativeTo: "/")
        try machine.validate()
        for (i, disk) in disks.enumerated() where disk.path.isEmpty {
            throw .invalidConfiguration(field: "disks[\(i)].path", reason: "empty in \(source)")
        }
        // A NUL would cut the path the host opens short: a different file.
        let paths = [("kernel", kernel), ("initrd", initrd), ("bios", bios)] + disks.enumerated().map { ("disks[\($0)].path", $1.path) }
        for case let (field, path?) in paths where path.isEmpty || path.utf8.contains(0) {
            throw .invalidConfiguration(field: field, reason: "\(path.isEmpty ? "empty" : "a NUL character") in \(source)")
        }
        if let append {
            guard !append.utf8.contains(0), append.unicodeScalars.count <= VMConfigurationFile.maximumAppendLength else {
                throw .invalidConfiguration(field: "append", reason: "in \(source): at most \(VMConfigurationFile.maximumAppendLength) characters, without NUL")
            }
        }
        try cpu?.validate()
        try policy?.validate()
        if let restart, !VMConfigurationFile.restartPolicies.contains(restart) {
            throw .invalidConfiguration(field: "restart", reason: "'\(restart)' in \(source): expected never, on-failure or always")
        }
    }

    /// The board this file describes; relative disk paths resolve against `directory`.
    public func machineConfiguration(relativeTo directory: String) throws(CoreError) -> RISCVMachine.Configuration {
        var configuration = RISCVMachine.Configuration()
        do {
            configuration.memoryInBytes = try MemorySize.parse(memory)
        } catch {
            throw .invalidConfiguration(field: "memory", reason: "'\(memory)': expected a size such as 256M or 1G")
        }
        configuration.hartCount = cpus
        configuration.name = name
        if let engine {
            guard let known = ExecutionEngine(rawValue: engine) else {
                throw .invalidConfiguration(field: "engine", reason: "'\(engine)': expected jit or interpreter")
            }
            configuration.engine = known
        }
        if let codeCacheMiB {
            guard (1...1024).contains(codeCacheMiB) else {
                throw .invalidConfiguration(field: "codeCacheMiB", reason: "\(codeCacheMiB): must be between 1 and 1024")
            }
            configuration.codeCacheBytes = codeCacheMiB << 20
        }
        configuration.virtioConsole = virtioConsole ?? true
        configuration.entropy = entropy ?? true
        configuration.balloon = balloon ?? true
        configuration.disks = []
        for (i, disk) in disks.enumerated() {
            var format: DiskImageFormat?
            if let name = disk.format {
                guard let known = DiskImageFormat(rawValue: name) else {
                    throw .invalidConfiguration(field: "disks[\(i)].format", reason: "'\(name)': expected raw or qcow2")
                }
                format = known
            }
            configuration.disks.append(.init(path: VMConfigurationFile.resolve(disk.path, in: directory),
                                             readOnly: disk.readonly ?? false, format: format))
        }
        configuration.shares = (shares ?? []).map {
            .init(path: VMConfigurationFile.resolve($0.path, in: directory), tag: $0.tag, readOnly: $0.readonly ?? false)
        }
        configuration.networks = []
        for (i, network) in networks.enumerated() {
            do {
                configuration.networks.append(try .init(attachment: network))
            } catch {
                throw .invalidConfiguration(field: "networks[\(i)]", reason: "\(error)")
            }
        }
        return configuration
    }

    /// What the VM boots, with relative paths resolved against `directory`.
    public func bootSource(relativeTo directory: String) throws(CoreError) -> BootSource {
        func path(_ p: String?) -> String? { p.map { VMConfigurationFile.resolve($0, in: directory) } }
        return try BootSource.resolve(kernel: path(kernel), initrd: path(initrd), append: append, bios: path(bios),
                                      disks: machineConfiguration(relativeTo: directory).disks)
    }

    /// The same configuration naming exactly what `boot` loads (the default image's
    /// files, when none were given), so a lone snapshot says what it was booted from.
    public func resolvingBoot(_ boot: BootSource) -> VMConfigurationFile {
        var file = self
        switch boot {
        case let .firmware(path):
            file.bios = path
        case let .linux(kernel, initrd, arguments):
            (file.kernel, file.initrd, file.append) = (kernel, initrd, arguments)
        case let .firmwareWithLinux(firmware, kernel, initrd, arguments):
            (file.bios, file.kernel, file.initrd, file.append) = (firmware, kernel, initrd, arguments)
        case let .extlinux(_, arguments):
            file.append = arguments  // the disk says the rest, at every boot
        }
        return file
    }

    static func resolve(_ path: String, in directory: String) -> String {
        path.hasPrefix("/") ? path : directory + "/" + path
    }

    private static func fieldName(_ path: [any CodingKey]) -> String {
        let joined = path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return joined.hasPrefix(".") ? String(joined.dropFirst()) : joined
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: return "a string"
        case is Int.Type: return "an integer"
        case is Bool.Type: return "true or false"
        default: return "a \(type)"
        }
    }
}
