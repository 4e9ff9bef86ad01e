import Atomics
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
        /// How the harts run guest code; where the translator cannot run, the machine
        /// runs the interpreter and says why in `engineNotice`.
        public var engine: ExecutionEngine = .hostDefault
        /// The bound on the VM's translated code, split evenly between its harts;
        /// a full cache is flushed and filled again.
        public var codeCacheBytes: Int = ExecutionEngine.defaultCodeCacheBytes
        /// Writes `/tmp/perf-PID.map`, naming translated code for `perf report`.
        public var perfMap = false
        /// Starts of code in the interpreter before it is translated (1...255).
        public var translationThreshold = ExecutionEngine.defaultTranslationThreshold
        /// virtio-blk disks, in slot order (the guest sees /dev/vda, /dev/vdb, ...).
        public var disks: [Disk] = []
        /// A virtio-rng device fed by the host's getrandom.
        public var entropy = true
        /// A virtio-balloon device the monitor can inflate and deflate.
        public var balloon = true
        /// A virtio-console port (`/dev/hvc0`) beside the UART, writing to the same console.
        public var virtioConsole = true
        /// Network interfaces (eth0, eth1, ...), each a virtio-net device.
        public var networks: [Network] = []
        /// Host directories the guest mounts by tag, each a virtio-fs device.
        public var shares: [SharedDirectory] = []
        /// The VM's name, from which MAC addresses are derived.
        public var name = "isola"
        /// Where the interposer appends its audit log (JSON lines); nil: no audit log.
        public var auditLogPath: String?

        public struct Network: Sendable, Equatable {
            public enum Backend: Sendable, Equatable {
                /// A port on the virtual switch of this name.
                case virtualSwitch(String)
                /// A host TAP interface.
                case tap(String)
                /// A packet socket already bound to a host interface (a container's
                /// network namespace, joined by its runtime); the machine uses it as given.
                case packetSocket(Int32)
            }
            public var backend: Backend
            public var mac: String?

            public init(backend: Backend, mac: String? = nil) {
                self.backend = backend
                self.mac = mac
            }
        }

        /// A host directory shared with the guest (`mount -t virtiofs TAG DIR`).
        public struct SharedDirectory: Sendable, Equatable {
            public var path: String
            public var tag: String
            public var readOnly: Bool

            public init(path: String, tag: String, readOnly: Bool = false) {
                self.path = path
                self.tag = tag
                self.readOnly = readOnly
            }

            /// A directory path that is not empty and has no NUL; a tag of 1 to 36 bytes (the device's config field).
            public func validate() throws(CoreError) {
                guard !path.isEmpty, !path.utf8.contains(0) else {
                    throw .invalidConfiguration(field: "share", reason: "the host directory must be a non-empty path without NUL")
                }
                if let problem = SharedDirectoryTag.problem(tag) { throw .invalidConfiguration(field: "share", reason: problem) }
            }
        }

        public struct Disk: Sendable, Equatable {
            public var path: String
            public var readOnly: Bool
            /// The image's format; nil probes it (qcow2 by its magic, else raw).
            public var format: DiskImageFormat?

            public init(path: String, readOnly: Bool = false, format: DiskImageFormat? = nil) {
                self.path = path
                self.readOnly = readOnly
                self.format = format
            }
        }

        public init(memoryInBytes: UInt64 = 128 << 20, hartCount: Int = 1) {
            self.memoryInBytes = memoryInBytes
            self.hartCount = hartCount
        }

        /// The RAM sizes a board can have (and a multiple of 4 KiB).
        public static let memorySizes: ClosedRange<UInt64> = (1 << 20)...(64 << 30)
        /// The harts a board can have.
        public static let hartCounts = 1...512

        /// The virtio slots the devices take: one each.
        public var virtioDeviceCount: Int {
            disks.count + networks.count + shares.count + (entropy ? 1 : 0) + (balloon ? 1 : 0) + (virtioConsole ? 1 : 0)
        }

        /// Refuses configurations no board can have, naming the field.
        public func validate() throws(CoreError) {
            guard memoryInBytes >= Configuration.memorySizes.lowerBound, memoryInBytes % 4096 == 0 else {
                throw .invalidConfiguration(field: "memory", reason: "must be at least 1 MiB and a multiple of 4 KiB")
            }
            guard memoryInBytes <= Configuration.memorySizes.upperBound else {
                throw .invalidConfiguration(field: "memory", reason: "at most 64 GiB")
            }
            guard Configuration.hartCounts.contains(hartCount) else {
                throw .invalidConfiguration(field: "cpus", reason: "must be between 1 and 512")
            }
            guard (1 << 20 ... 1 << 30).contains(codeCacheBytes) else {
                throw .invalidConfiguration(field: "codeCache", reason: "must be between 1 MiB and 1 GiB")
            }
            for share in shares { try share.validate() }
            let tags = shares.map(\.tag)
            if let repeated = tags.first(where: { tag in tags.filter { $0 == tag }.count > 1 }) {
                throw .invalidConfiguration(field: "share", reason: "tag '\(repeated)' is given twice: the guest mounts shares by tag")
            }
            let devices = virtioDeviceCount
            guard devices <= MemoryMap.virtioSlotCount else {
                throw .invalidConfiguration(field: "disk", reason: "\(devices) virtio devices; the board has \(MemoryMap.virtioSlotCount) slots")
            }
        }
    }

    /// How a run ended.
    public typealias Outcome = MachineOutcome

    public let configuration: Configuration
    public let context: MachineContext
    /// Numbers this process's switch ports.
    private static let portSerial = ManagedAtomic<Int>(0)
    public let harts: [Hart]
    public let uart: UART16550
    public let plic: PLIC
    public let bootTimer: BootTimer
    /// The real-time clock: host wall time, plus what the guest set.
    public let rtc: GoldfishRTC
    /// The virtio devices, in slot order.
    public let virtioTransports: [VirtioMMIOTransport]
    /// The engine the harts actually run.
    public private(set) var engine: ExecutionEngine = .interpreter
    /// Why the machine runs the interpreter although the configuration asked for the
    /// translator (the host refused executable memory, or has no backend); nil otherwise.
    public private(set) var engineNotice: String?
    /// The built-in SBI, installed when a kernel boots without M-mode firmware.
    public private(set) var sbi: SupervisorBinaryInterface?
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
        plic = PLIC(hartCount: configuration.hartCount)
        uart = UART16550(output: console, interrupt: plic.line(Int(BoardDeviceTree.uartInterrupt)))
        bootTimer = BootTimer()
        rtc = GoldfishRTC(interrupt: plic.line(Int(BoardDeviceTree.rtcInterrupt)))
        bus.map(rtc, at: MemoryMap.rtc, size: MemoryMap.rtcSize, name: "rtc")
        bus.map(clint, at: MemoryMap.clint, size: CLINT.size, name: "clint")
        bus.map(plic, at: MemoryMap.plic, size: PLIC.size, name: "plic")
        bus.map(uart, at: MemoryMap.uart, size: MemoryMap.uartSize, name: "uart")
        bus.map(TestFinisher(power: context), at: MemoryMap.testFinisher, size: 8, name: "test-finisher")
        bus.map(bootTimer, at: MemoryMap.bootTimer, size: 8, name: "boot-timer")
        var devices: [VirtioDevice] = []
        for (i, disk) in configuration.disks.enumerated() {
            let image = try DiskImageFormat.open(path: disk.path, readOnly: disk.readOnly, format: disk.format)
            devices.append(VirtioBlock(disk: image, ram: ram, serial: "isola-disk\(i)"))
        }
        for (i, network) in configuration.networks.enumerated() {
            let mac = network.mac.flatMap(MACAddress.init(parsing:)) ?? MACAddress.derived(from: "\(configuration.name)/eth\(i)")
            switch network.backend {
            case let .virtualSwitch(name):
                // Unique per machine, also for several machines of one name in one process.
                let port = try SwitchPort(switchName: name, portName: "\(HostEnvironment.processID)-\(RISCVMachine.portSerial.wrappingIncrementThenLoad(ordering: .relaxed))-\(mac.description.replacingColons)")
                devices.append(VirtioNet(mac: mac, backend: port))
            case let .tap(interface):
                devices.append(VirtioNet(mac: mac, backend: try TapBackend(interface: interface)))
            case let .packetSocket(socket):
                devices.append(VirtioNet(mac: mac, backend: PacketSocketBackend(socket: socket)))
            }
        }
        for share in configuration.shares {
            #if os(Linux)
            devices.append(VirtioFS(server: try SharedDirectoryServer(path: share.path, tag: share.tag, readOnly: share.readOnly), ram: ram))
            #else
            throw CoreError.invalidConfiguration(field: "share", reason: "shared directories need a Linux host")
            #endif
        }
        if configuration.entropy { devices.append(VirtioEntropy(ram: ram)) }
        if configuration.balloon { devices.append(VirtioBalloon(ram: ram)) }
        if configuration.virtioConsole { devices.append(VirtioConsole(output: console)) }
        var transports: [VirtioMMIOTransport] = []
        for slot in 0..<MemoryMap.virtioSlotCount {
            let base = MemoryMap.virtioBase + UInt64(slot) * MemoryMap.virtioStride
            if slot < devices.count {
                let transport = VirtioMMIOTransport(device: devices[slot], ram: ram,
                                                    interrupt: plic.line(Int(BoardDeviceTree.virtioInterrupt(slot))))
                transports.append(transport)
                bus.map(transport, at: base, size: MemoryMap.virtioStride, name: "virtio-mmio\(slot)")
            } else {
                bus.map(VirtioMMIOEmptySlot(), at: base, size: MemoryMap.virtioStride, name: "virtio-mmio\(slot)")
            }
        }
        virtioTransports = transports
        let interposer = Interposer(devices: bus.mappings.map(\.name), auditPath: configuration.auditLogPath)
        context.interposer = interposer
        uart.interposer = interposer
        for t in transports {
            (t.device as? VirtioConsole)?.transport = t
            (t.device as? VirtioNet)?.transport = t
            (t.device as? VirtioConsole)?.interposer = interposer
            (t.device as? VirtioNet)?.interposer = interposer
            (t.device as? VirtioBlock)?.interposer = interposer
            #if os(Linux)
            (t.device as? VirtioFS)?.interposer = interposer
            #endif
        }
        var harts: [Hart] = []
        for id in 0..<configuration.hartCount {
            harts.append(try Hart(hartID: UInt64(id), machine: context, decodeCacheSlots: configuration.decodeCacheSlots))
        }
        self.harts = harts
        clint.harts = harts
        plic.harts = harts
        if configuration.engine == .jit { enableTranslation() }
    }

    /// Gives every hart a translator, or leaves them all to the interpreter with a notice.
    private func enableTranslation() {
        guard ExecutionEngine.translatorAvailable else {
            engineNotice = "the translator has no backend for this host: running the interpreter"
            return
        }
        let perHart = max(1 << 20, configuration.codeCacheBytes / harts.count)
        do {
            for hart in harts {
                try hart.enableTranslation(codeCacheBytes: perHart, perfMap: configuration.perfMap,
                                           threshold: configuration.translationThreshold)
            }
            engine = .jit
        } catch {
            for hart in harts { hart.disableTranslation() }
            engineNotice = "executable memory for the translator was refused (\(error)): running the interpreter"
        }
    }

    /// What the harts' translators did so far, added up (nil under the interpreter).
    public var translatorStatistics: TranslatorStatistics? {
        guard engine == .jit else { return nil }
        var total = TranslatorStatistics()
        for hart in harts { if let s = hart.translatorStatistics { total.add(s) } }
        return total
    }

    /// The balloon device and its transport, when the machine has one.
    public var balloon: (device: VirtioBalloon, transport: VirtioMMIOTransport)? {
        for t in virtioTransports { if let b = t.device as? VirtioBalloon { return (b, t) } }
        return nil
    }

    /// The device tree describing this machine, for a kernel with `bootArguments` and an initrd range.
    public func deviceTree(bootArguments: String = "", initrd: Range<UInt64>? = nil) -> BoardDeviceTree {
        var tree = BoardDeviceTree(memorySize: configuration.memoryInBytes, hartCount: configuration.hartCount)
        tree.memoryBase = context.ram.basePhysicalAddress
        tree.bootArguments = bootArguments
        tree.initrd = initrd
        tree.virtioSlots = MemoryMap.virtioSlotCount
        return tree
    }

    /// Where a boot places things in RAM.
    public struct LinuxLayout: Equatable, Sendable {
        public let kernel: UInt64
        public let initrd: Range<UInt64>?
        public let deviceTree: UInt64
    }

    /// Loads a Linux `Image` (and initrd), generates the device tree, and starts hart 0
    /// in S-mode at the kernel with the built-in SBI answering its ecalls; the
    /// other harts wait, stopped, for `sbi_hart_start` (SBI HSM).
    @discardableResult
    public func loadLinux(kernelPath: String, initrdPath: String?, bootArguments: String) throws -> LinuxLayout {
        try loadLinux(kernel: BootFile(path: kernelPath), initrd: initrdPath.map(BootFile.init(path:)), bootArguments: bootArguments)
    }

    /// The same, from bytes already read (a kernel and initrd read from the guest's disk).
    public func loadLinux(kernel: BootFile, initrd: BootFile?, bootArguments: String) throws -> LinuxLayout {
        let layout = try placeLinux(kernel: kernel, initrd: initrd, bootArguments: bootArguments)
        installBuiltInSBI()
        harts[0].bootSupervisor(entry: layout.kernel, arguments: (0, layout.deviceTree))
        return layout
    }

    /// Puts the built-in SBI in M-mode's place: every hart's ecalls from S-mode reach it.
    func installBuiltInSBI() {
        let sbi = SupervisorBinaryInterface(machine: context, console: console)
        sbi.input = { [uart] in uart.takeReceivedByteForFirmware() }
        self.sbi = sbi
        for hart in harts {
            hart.prepareForSupervisorBoot(sbi: sbi)
        }
    }

    /// Where OpenSBI's fw_jump (`FW_JUMP_ADDR`) and QEMU's `virt` put the next stage.
    public static let firmwareJumpOffset: UInt64 = 0x20_0000

    /// Loads real M-mode firmware (OpenSBI's `fw_jump`) with a kernel, or any raw S-mode
    /// payload, at 0x80200000, where fw_jump jumps; every hart starts in the firmware with
    /// a0 = hartid, a1 = the device tree.
    @discardableResult
    public func loadFirmwareAndLinux(firmwarePath: String, kernelPath: String, initrdPath: String?,
                                     bootArguments: String) throws -> LinuxLayout {
        let layout = try placeLinux(kernel: BootFile(path: kernelPath), initrd: initrdPath.map(BootFile.init(path:)),
                                    bootArguments: bootArguments, kernelOffset: RISCVMachine.firmwareJumpOffset, rawAllowed: true)
        let firmware = try BootImageLoader.load(path: firmwarePath, into: context.ram)
        guard firmware.end <= layout.kernel else {
            throw LoaderError.outsideRAM(path: firmwarePath, address: context.ram.basePhysicalAddress,
                                         length: firmware.end - context.ram.basePhysicalAddress,
                                         ramBase: context.ram.basePhysicalAddress, ramEnd: layout.kernel)
        }
        for hart in harts {
            hart.reset(entry: firmware.entry)
            hart.x[10] = hart.hartID
            hart.x[11] = layout.deviceTree
        }
        return layout
    }

    /// Writes the kernel, initrd and device tree into RAM.
    private func placeLinux(kernel kernelFile: BootFile, initrd initrdFile: BootFile?, bootArguments: String,
                            kernelOffset: UInt64? = nil, rawAllowed: Bool = false) throws -> LinuxLayout {
        let ram = context.ram
        let kernelPath = kernelFile.name
        let kernel = try SupervisorPayload(bytes: kernelFile.bytes, path: kernelPath, rawAllowed: rawAllowed)
        let kernelAddress = ram.basePhysicalAddress + (kernelOffset ?? kernel.textOffset ?? RISCVMachine.firmwareJumpOffset)
        guard ram.contains(kernelAddress, length: kernel.imageSize) else {
            throw LoaderError.outsideRAM(path: kernelPath, address: kernelAddress, length: kernel.imageSize,
                                         ramBase: ram.basePhysicalAddress, ramEnd: ram.endPhysicalAddress)
        }
        try ram.write(kernel.bytes, at: kernelAddress)
        let kernelEnd = kernelAddress + kernel.imageSize

        let dtbAddress = deviceTreeAddress
        var initrdRange: Range<UInt64>?
        var initrdBytes: [UInt8] = []
        if let initrdFile {
            let initrdPath = initrdFile.name
            initrdBytes = initrdFile.bytes
            guard !initrdBytes.isEmpty else { throw LoaderError.empty(path: initrdPath) }
            let size = UInt64(initrdBytes.count)
            guard size < dtbAddress - kernelEnd else {
                throw LoaderError.outsideRAM(path: initrdPath, address: kernelEnd, length: size,
                                             ramBase: ram.basePhysicalAddress, ramEnd: ram.endPhysicalAddress)
            }
            let start = (dtbAddress - size) & ~0xFFF
            guard start >= kernelEnd else {
                throw LoaderError.outsideRAM(path: initrdPath, address: start, length: size,
                                             ramBase: ram.basePhysicalAddress, ramEnd: ram.endPhysicalAddress)
            }
            try ram.write(initrdBytes, at: start)
            initrdRange = start..<(start + size)
        }
        try writeDeviceTree(deviceTree(bootArguments: bootArguments, initrd: initrdRange))
        return LinuxLayout(kernel: kernelAddress, initrd: initrdRange, deviceTree: dtbAddress)
    }

    /// Room for the largest board's device tree: 512 harts' nodes take about 150 KiB.
    static let deviceTreeRoom: UInt64 = 256 << 10

    /// Near the top of RAM on a 2 MiB boundary, as QEMU places it.
    var deviceTreeAddress: UInt64 { (context.ram.endPhysicalAddress - RISCVMachine.deviceTreeRoom) & ~0x1F_FFFF }

    private func writeDeviceTree(_ tree: BoardDeviceTree) throws {
        let dtb = tree.encoded()
        guard UInt64(dtb.count) <= RISCVMachine.deviceTreeRoom else {
            throw CoreError.invalidConfiguration(field: "append", reason: "the device tree (\(dtb.count) bytes for \(harts.count) harts and the command line) would exceed \(RISCVMachine.deviceTreeRoom) bytes")
        }
        try context.ram.write(dtb, at: deviceTreeAddress)
    }

    /// Loads M-mode firmware or a bare-metal program; every hart starts at its entry with
    /// a0 = hartid and a1 = the device tree, as QEMU's reset vector leaves them (U-Boot and
    /// OpenSBI's fw_dynamic/fw_jump find the board there). The device tree goes to its
    /// usual place when the image leaves it free. An ELF with a `tohost` symbol gets the
    /// HTIF console and exit protocol.
    @discardableResult
    public func loadFirmware(path: String) throws -> BootImageLoader.Loaded {
        let loaded = try BootImageLoader.load(path: path, into: context.ram)
        if let tohost = loaded.symbols["tohost"] {
            context.htif = HTIF(tohost: tohost, fromhost: loaded.symbols["fromhost"], ram: context.ram, console: console, power: context)
            for hart in harts { hart.markWatched(physicalAddress: tohost) }
        }
        let placesDeviceTree = loaded.end <= deviceTreeAddress
        if placesDeviceTree { try writeDeviceTree(deviceTree()) }
        for hart in harts {
            hart.reset(entry: loaded.entry)
            hart.x[10] = hart.hartID
            hart.x[11] = placesDeviceTree ? deviceTreeAddress : 0
        }
        return loaded
    }

    /// Runs every hart on its own host thread until the machine stops.
    public func run() throws -> Outcome {
        for (slot, transport) in virtioTransports.enumerated() {
            try transport.startIOThread(name: "virtio\(slot)")
            try (transport.device as? VirtioNet)?.start()
        }
        defer {
            for transport in virtioTransports {
                (transport.device as? VirtioNet)?.stop()
                transport.stopIOThread()
            }
        }
        // A restored machine's devices look at their queues at once (nothing, on a fresh boot).
        for transport in virtioTransports { transport.reexamineQueues() }
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
    /// Asks every hart to drop its decoded code and return that memory to the host
    /// (each does it at its next block boundary, or when it next wakes).
    public func trimCaches() {
        for hart in harts {
            hart.post(ExitRequest.trimCaches)
        }
    }

    public var instructionsRetired: UInt64 {
        harts.reduce(0) { $0 &+ $1.instret }
    }
}

extension String {
    fileprivate var replacingColons: String { String(map { $0 == ":" ? "-" : $0 }) }
}
