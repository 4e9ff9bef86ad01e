import IsolaCore
import IsolaDevices
import IsolaVMM

/// The library's configuration as the VM document the monitor's backends are made
/// from (the same `config.json` vocabulary a bundle and the control API use): the
/// one place that knows both. Which machine it becomes is `MachineBackends`' choice.
enum MachineBuilder {
    static var limits: MachineBackends.Limits { MachineBackends.limits }

    static func tagProblem(_ tag: String) -> String? { SharedDirectoryTag.problem(tag) }

    /// Why the machine would refuse this interface, or nil.
    static func networkProblem(_ network: VirtualMachineConfiguration.NetworkDevice) -> String? {
        do {
            _ = try VMConfigurationFile(name: "check", networks: [argument(network)]).machineConfiguration(relativeTo: "/")
            return nil
        } catch let CoreError.invalidConfiguration(_, reason) {
            return reason
        } catch {
            return "\(error)"
        }
    }

    static func virtioDeviceCount(_ c: VirtualMachineConfiguration) -> Int {
        (try? MachineBackends.virtioDeviceCount(of: file(c))) ?? Int.max
    }

    static func file(_ c: VirtualMachineConfiguration) -> VMConfigurationFile {
        var file = VMConfigurationFile(name: c.name, memory: "\(c.memorySizeInBytes)", cpus: c.cpuCount)
        switch c.bootLoader {
        case let .linux(kernel, initrd, commandLine): (file.kernel, file.initrd, file.append) = (kernel, initrd, commandLine)
        case let .firmware(path): file.bios = path
        }
        file.engine = switch c.engine {
        case .automatic: nil
        case .translator: "jit"
        case .interpreter: "interpreter"
        }
        file.disks = c.storageDevices.map { .init(path: $0.path, readonly: $0.isReadOnly, format: $0.format?.rawValue) }
        file.networks = c.networkDevices.map(argument)
        file.shares = c.sharedDirectories.map { .init(path: $0.hostPath, tag: $0.tag, readonly: $0.isReadOnly) }
        file.virtioConsole = c.hasVirtioConsole
        file.entropy = c.hasEntropyDevice
        file.balloon = c.hasMemoryBalloon
        return file
    }

    /// An interface as the document writes it: `switch:NAME` or `tap:IFNAME`, then `,mac=`.
    private static func argument(_ network: VirtualMachineConfiguration.NetworkDevice) -> String {
        let attachment = switch network.attachment {
        case let .virtualSwitch(name): "switch:" + name
        case let .tap(name): "tap:" + name
        }
        return attachment + (network.macAddress.map { ",mac=" + $0 } ?? "")
    }
}
