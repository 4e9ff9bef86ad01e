import IsolaCore
import IsolaHost
import IsolaRISCV

/// The process VM: one riscv64 Linux program run as a host process, its
/// instructions interpreted by the same hart as the system VM (in U-mode) and its
/// system calls answered by `LinuxKernel`.
public final class ProcessVM {
    public let memory: UserMemory
    public let kernel: LinuxKernel
    let hart: Hart
    let context: MachineContext

    /// How the program ended.
    public enum Outcome: Equatable {
        case exited(Int32)
        case signaled(Int32)
    }

    public init(path: String, arguments: [String], environment: [String]) throws {
        let bytes = try HostFile.readAll(path)
        let image = try ELFImage(bytes: bytes, path: path)
        memory = try UserMemory()
        var random = [UInt8](repeating: 0, count: 16)
        random.withUnsafeMutableBytes { HostRandom.fill($0) }
        let loaded = try ProgramLoader.load(image, path: path, arguments: arguments, environment: environment,
                                            into: memory, random: random)
        let clock = GuestClock()
        context = MachineContext(ram: memory.ram, bus: PhysicalBus(), clock: clock, clint: CLINT(hartCount: 1, clock: clock))
        hart = try Hart(hartID: 0, machine: context)
        kernel = LinuxKernel(memory: memory, programBreak: loaded.programBreak)
        hart.environmentCallHandler = kernel
        hart.exceptionHandler = kernel
        hart.enterUserMode(entry: loaded.entry, rootPage: memory.rootPage)
        hart.x[2] = loaded.stackPointer
    }

    /// Runs the program on the calling thread until it exits or a signal ends it.
    public func run() -> Outcome {
        hart.run()
        if let signal = kernel.terminatingSignal { return .signaled(signal) }
        return .exited(kernel.exitStatus ?? 0)
    }
}
