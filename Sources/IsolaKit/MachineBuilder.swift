import IsolaDevices
import IsolaHost
import IsolaRISCV
import IsolaVMM

/// The library's configuration as the emulated RISC-V board's: the one place that
/// knows both vocabularies.
enum MachineBuilder {
    // The board's limits, which the library's `validate()` checks under its own field names.
    static let virtioSlotCount = MemoryMap.virtioSlotCount
    static let memorySizes = RISCVMachine.Configuration.memorySizes
    static let hartCounts = RISCVMachine.Configuration.hartCounts

    static func tagProblem(_ tag: String) -> String? { SharedDirectoryTag.problem(tag) }

    static func board(_ c: VirtualMachineConfiguration) -> RISCVMachine.Configuration {
        var board = RISCVMachine.Configuration(memoryInBytes: c.memorySizeInBytes, hartCount: c.cpuCount)
        board.name = c.name
        board.engine = switch c.engine {
        case .automatic: .hostDefault
        case .translator: ExecutionEngine.translatorAvailable ? .jit : .interpreter
        case .interpreter: .interpreter
        }
        board.disks = c.storageDevices.map {
            .init(path: $0.path, readOnly: $0.isReadOnly, format: $0.format.flatMap { DiskImageFormat(rawValue: $0.rawValue) })
        }
        board.networks = c.networkDevices.map {
            switch $0.attachment {
            case let .virtualSwitch(name): .init(backend: .virtualSwitch(name), mac: $0.macAddress)
            case let .tap(name): .init(backend: .tap(name), mac: $0.macAddress)
            }
        }
        board.shares = c.sharedDirectories.map { .init(path: $0.hostPath, tag: $0.tag, readOnly: $0.isReadOnly) }
        board.virtioConsole = c.hasVirtioConsole
        board.entropy = c.hasEntropyDevice
        board.balloon = c.hasMemoryBalloon
        return board
    }

    static func boot(_ c: VirtualMachineConfiguration) -> BootSource {
        switch c.bootLoader {
        case let .linux(kernel, initrd, commandLine): .linux(kernel: kernel, initrd: initrd, bootArguments: commandLine)
        case let .firmware(path): .firmware(path: path)
        }
    }
}
