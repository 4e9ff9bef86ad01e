import FoundationEssentials
import IsolaKit
import Testing

/// `validate()` names the field, by its Swift path, of everything no VM can have.
@Suite struct VirtualMachineConfigurationTests {
    /// A file that exists, for the boot loader and disks.
    static let existing = "/proc/self/exe"

    static func linux() -> VirtualMachineConfiguration {
        VirtualMachineConfiguration(bootLoader: .linux(kernelPath: existing, initialRamdiskPath: nil,
                                                       commandLine: VirtualMachineConfiguration.defaultCommandLine))
    }

    static func field(_ change: (inout VirtualMachineConfiguration) -> Void) -> String? {
        var c = linux()
        change(&c)
        do {
            try c.validate()
            return nil
        } catch {
            guard case let .invalidConfiguration(field, _) = error else { return "not a configuration error: \(error)" }
            return field
        }
    }

    @Test func aSoundConfigurationPasses() throws {
        var c = Self.linux()
        c.cpuCount = 4
        c.memorySizeInBytes = 1 << 30
        c.storageDevices = [.init(path: Self.existing, isReadOnly: true, format: .raw)]
        c.networkDevices = [.init(attachment: .virtualSwitch(name: "lan"), macAddress: "52:54:00:12:34:56")]
        c.sharedDirectories = [.init(hostPath: "/tmp", tag: "work")]
        try c.validate()
    }

    @Test func eachRefusalNamesItsField() {
        #expect(Self.field { $0.bootLoader = .linux(kernelPath: "/nonexistent/Image", initialRamdiskPath: nil, commandLine: "") } == "bootLoader.kernelPath")
        #expect(Self.field { $0.bootLoader = .linux(kernelPath: Self.existing, initialRamdiskPath: "/nonexistent/initrd", commandLine: "") } == "bootLoader.initialRamdiskPath")
        #expect(Self.field { $0.bootLoader = .firmware(path: "/nonexistent/fw.bin") } == "bootLoader.path")
        #expect(Self.field { $0.cpuCount = 0 } == "cpuCount")
        #expect(Self.field { $0.cpuCount = 513 } == "cpuCount")
        #expect(Self.field { $0.memorySizeInBytes = (1 << 20) + 1 } == "memorySizeInBytes")
        #expect(Self.field { $0.memorySizeInBytes = 65 << 30 } == "memorySizeInBytes")
        #expect(Self.field { $0.storageDevices = [.init(path: Self.existing), .init(path: "/nonexistent/disk.img")] } == "storageDevices[1].path")
        #expect(Self.field { $0.networkDevices = [.init(attachment: .tap(interfaceName: "tap0"), macAddress: "52:54:00:12:34")] } == "networkDevices[0].macAddress")
        #expect(Self.field { $0.networkDevices = [.init(attachment: .tap(interfaceName: "a-name-far-too-long"))] } == "networkDevices[0].attachment")
        // A switch names a directory: the machine's own rule for its name holds here too.
        #expect(Self.field { $0.networkDevices = [.init(attachment: .virtualSwitch(name: "../lan"))] } == "networkDevices[0].attachment")
        #expect(Self.field { $0.sharedDirectories = [.init(hostPath: "/nonexistent/dir", tag: "t")] } == "sharedDirectories[0].hostPath")
        #expect(Self.field { $0.sharedDirectories = [.init(hostPath: "/tmp", tag: "a:b")] } == "sharedDirectories[0].tag")
        #expect(Self.field { $0.sharedDirectories = [.init(hostPath: "/tmp", tag: "t"), .init(hostPath: "/", tag: "t")] } == "sharedDirectories[1].tag")
        #expect(Self.field { $0.name = "" } == "name")
        #expect(Self.field { $0.storageDevices = Array(repeating: .init(path: Self.existing), count: 6) } == "storageDevices")
    }

    @Test func aConfigurationRoundTripsThroughJSON() throws {
        var c = Self.linux()
        c.networkDevices = [.init(attachment: .tap(interfaceName: "tap0"))]
        c.engine = .interpreter
        let decoded = try JSONDecoder().decode(VirtualMachineConfiguration.self, from: JSONEncoder().encode(c))
        #expect(decoded == c)
    }
}
