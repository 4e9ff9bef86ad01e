import IsolaCore
import IsolaDevices
import IsolaHost

/// A RISC-V board: RAM, CLINT, UART, test finisher and harts, on the `virt` memory map.
public final class RISCVMachine {
    public struct Configuration: Sendable {
        public var memoryInBytes: UInt64 = 128 << 20
        public var hartCount: Int = 1
        /// Decode-cache pages per hart (a power of two).
        public var decodeCacheSlots: Int = 512

        public init(memoryInBytes: UInt64 = 128 << 20, hartCount: Int = 1) {
            self.memoryInBytes = memoryInBytes
            self.hartCount = hartCount
        }

        /// Refuses configurations no board can have, naming the field.
        public func validate() throws(CoreError) {
            guard memoryInBytes >= 1 << 20, memoryInBytes % 4096 == 0 else {
                throw .invalidConfiguration(field: "memory", reason: "must be at least 1 MiB and a multiple of 4 KiB")
            }
            guard memoryInBytes <= 64 << 30 else {
                throw .invalidConfiguration(field: "memory", reason: "at most 64 GiB")
            }
            guard (1...512).contains(hartCount) else {
                throw .invalidConfiguration(field: "cpus", reason: "must be between 1 and 512")
            }
        }
    }

    /// How a run ended.
    public enum Outcome: Equatable, Sendable {
        case poweroff(exitCode: Int32)
        case reset
        case crashed(reason: String)
        case stopped
    }

    public let configuration: Configuration
    public let context: MachineContext
    public let harts: [Hart]
    public let uart: UART16550
    private let console: ByteSink

    public init(configuration: Configuration, console: ByteSink) throws {
        try configuration.validate()
        self.configuration = configuration
        self.console = console
        let ram = try GuestRAM(basePhysicalAddress: MemoryMap.dram, size: configuration.memoryInBytes)
        let clock = GuestClock()
        let clint = CLINT(hartCount: configuration.hartCount, clock: clock)
        let bus = PhysicalBus()
        context = MachineContext(ram: ram, bus: bus, clock: clock, clint: clint)
        uart = UART16550(output: console)
        bus.map(clint, at: MemoryMap.clint, size: CLINT.size, name: "clint")
        bus.map(uart, at: MemoryMap.uart, size: MemoryMap.uartSize, name: "uart")
        bus.map(TestFinisher(power: context), at: MemoryMap.testFinisher, size: MemoryMap.testFinisherSize, name: "test-finisher")
        var harts: [Hart] = []
        for id in 0..<configuration.hartCount {
            harts.append(try Hart(hartID: UInt64(id), machine: context, decodeCacheSlots: configuration.decodeCacheSlots))
        }
        self.harts = harts
        clint.harts = harts
    }

    /// Loads M-mode firmware or a bare-metal program; every hart starts at its entry.
    /// An ELF with a `tohost` symbol gets the HTIF console and exit protocol.
    @discardableResult
    public func loadFirmware(path: String) throws -> BootImageLoader.Loaded {
        let loaded = try BootImageLoader.load(path: path, into: context.ram)
        if let tohost = loaded.symbols["tohost"] {
            context.htif = HTIF(tohost: tohost, fromhost: loaded.symbols["fromhost"], ram: context.ram, console: console, power: context)
            for hart in harts { hart.markWatched(physicalAddress: tohost) }
        }
        for hart in harts { hart.reset(entry: loaded.entry) }
        return loaded
    }

    /// Runs every hart on its own host thread until the machine stops.
    public func run() throws -> Outcome {
        var threads: [HostThread] = []
        for hart in harts {
            threads.append(try HostThread.start(name: "hart\(hart.hartID)") { hart.run() })
        }
        for thread in threads { thread.join() }
        console.flush()
        switch context.powerRequest {
        case let .poweroff(code)?: return .poweroff(exitCode: code)
        case .reset?: return .reset
        case let .crashed(reason)?: return .crashed(reason: reason)
        case nil: return .stopped
        }
    }

    /// Total instructions retired by all harts.
    public var instructionsRetired: UInt64 {
        harts.reduce(0) { $0 &+ $1.instret }
    }
}
