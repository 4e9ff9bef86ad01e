import IsolaCore
import IsolaDevices
import IsolaHost
import IsolaRISCV

/// A VM as a directory, `NAME.isola/`: its `config.json`, the disks it owns (qcow2
/// overlays on shared read-only bases), and later its snapshots. Copying the
/// directory makes a second VM: on its first start the copy takes its new
/// directory's name, so its MAC addresses differ, and its overlays are its own.
public struct VMBundle: Sendable {
    public static let suffix = ".isola"
    public static let configurationName = "config.json"

    /// The bundle directory (as given, without a trailing slash).
    public let directory: String
    public private(set) var configuration: VMConfigurationFile

    var configurationPath: String { directory + "/" + VMBundle.configurationName }

    /// The bundle a command line names: a path to a `.isola` directory, a VM name whose
    /// bundle is `NAME.isola` in `parent`, or a path to one without the suffix.
    public static func path(naming name: String, in parent: String = ".") -> String {
        var trimmed = name
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed.hasSuffix(suffix) { return trimmed }
        return (trimmed.contains("/") ? trimmed : parent + "/" + trimmed) + suffix
    }

    /// The VM name a bundle directory stands for: its last component without `.isola`.
    static func name(ofDirectory directory: String) -> String {
        let last = directory.split(separator: "/").last.map(String.init) ?? directory
        return last.hasSuffix(suffix) ? String(last.dropLast(suffix.count)) : last
    }

    /// Makes a new bundle. Each disk that is not read-only becomes a qcow2 overlay
    /// inside the bundle (`disk0.qcow2`, …) on the given image as its base, so the base
    /// is never written and many VMs can share it; read-only disks are used in place.
    /// Nothing is left behind if any step fails.
    public static func create(directory: String, configuration: VMConfigurationFile) throws -> VMBundle {
        var file = configuration
        file.name = name(ofDirectory: directory)
        try file.check(source: directory + "/" + configurationName)
        try HostDirectory.create(directory)
        var made: [String] = []
        do {
            for (i, disk) in file.disks.enumerated() where disk.readonly != true {
                let base = absolute(disk.path)
                let overlay = "disk\(i).qcow2"
                let format = try disk.format.map { name throws(CoreError) -> DiskImageFormat in
                    guard let known = DiskImageFormat(rawValue: name) else {
                        throw .invalidConfiguration(field: "disks[\(i)].format", reason: "'\(name)': expected raw or qcow2")
                    }
                    return known
                }
                try QCOW2Image.create(path: directory + "/" + overlay, size: nil, backing: base, backingFormat: format)
                made.append(directory + "/" + overlay)
                file.disks[i] = .init(path: overlay, format: "qcow2")
            }
            for i in file.disks.indices where file.disks[i].readonly == true { file.disks[i].path = absolute(file.disks[i].path) }
            for path in [\VMConfigurationFile.kernel, \.initrd, \.bios] { file[keyPath: path] = file[keyPath: path].map(absolute) }
            let bundle = VMBundle(directory: directory, configuration: file)
            try bundle.save()
            return bundle
        } catch {
            made.forEach(HostFile.remove)
            HostDirectory.remove(directory)
            throw error
        }
    }

    /// Opens a bundle. A bundle whose directory name is not its configuration's name is
    /// a copy: it takes the new name (and with it new MAC addresses), saved at once.
    public static func open(_ directory: String) throws -> VMBundle {
        let path = directory + "/" + configurationName
        let bytes: [UInt8]
        do {
            bytes = try HostFile.readAll(path)
        } catch {
            throw CoreError.invalidConfiguration(field: "vm", reason: "\(directory) is not a VM bundle (no readable \(configurationName))")
        }
        var bundle = VMBundle(directory: directory, configuration: try VMConfigurationFile.decode(bytes, source: path))
        let name = name(ofDirectory: directory)
        if bundle.configuration.name != name {
            bundle.configuration.name = name
            try bundle.save()
        }
        return bundle
    }

    /// Checks `configuration` and makes it the bundle's, saved at once.
    public mutating func replaceConfiguration(_ configuration: VMConfigurationFile) throws {
        try configuration.check(source: configurationPath)
        self.configuration = configuration
        try save()
    }

    /// Writes `config.json` atomically (a crash leaves the old one or the new one).
    public func save() throws {
        try HostFile.writeAtomically(configuration.encoded(), to: configurationPath)
    }

    /// The board and boot source the bundle describes, paths resolved against it.
    public func machine() throws(CoreError) -> (RISCVMachine.Configuration, BootSource) {
        var machine = try configuration.machineConfiguration(relativeTo: directory)
        machine.auditLogPath = auditLogPath
        return (machine, try configuration.bootSource(relativeTo: directory))
    }

    /// The interposer's audit log (JSON lines), kept with the VM.
    public var auditLogPath: String { directory + "/" + VMBundle.auditLogName }
    public static let auditLogName = "audit.log"

    private static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (HostDirectory.current ?? ".") + "/" + path
    }
}
