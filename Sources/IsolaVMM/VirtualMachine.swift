import IsolaCore
import IsolaDevices
import IsolaHost
import IsolaRISCV
import Logging

/// What a VM boots.
public enum BootSource: Sendable, Equatable {
    /// M-mode firmware or a bare-metal program; every hart starts at its entry (full virtualization).
    case firmware(path: String)
    /// A Linux `Image` started in S-mode by the built-in SBI (para-virtualization), with an optional initrd.
    case linux(kernel: String, initrd: String?, bootArguments: String)
    /// Real M-mode firmware (OpenSBI's fw_jump) that starts the kernel itself: a Linux
    /// `Image` or any raw S-mode payload (U-Boot's S-mode build), at 0x80200000.
    case firmwareWithLinux(firmware: String, kernel: String, initrd: String?, bootArguments: String)
    /// The Linux that a disk's extlinux.conf names, read from the disk at each boot (so
    /// a kernel the guest installs boots next time) and started by the built-in SBI;
    /// `bootArguments` replaces the entry's command line when given.
    case extlinux(disk: RISCVMachine.Configuration.Disk, bootArguments: String?)
}

/// One virtual machine on the emulated riscv64 board: the board, what it boots, and
/// how its run ended. It is the first `MachineBackend`; what is not RISC-V's (the
/// library, the hypervisor's worker, the monitor) drives it through that protocol.
public final class VirtualMachine: MachineBackend {
    public let machine: RISCVMachine
    public let boot: BootSource
    public var logger: Logger
    /// Holds the harts to the VM's CPU cap (started when a cap is first set).
    public private(set) lazy var bandwidth = CPUBandwidthController(context: machine.context, harts: machine.harts.count)

    /// A logger for the monitor that says only what goes wrong, unless asked for more.
    public static var quietLogger: Logger {
        var logger = Logger(label: "isola.vmm")
        logger.logLevel = .warning
        return logger
    }

    /// Wraps a made machine; the convenience initializers load it or restore it.
    init(machine: RISCVMachine, boot: BootSource, logger: Logger) {
        self.machine = machine
        self.boot = boot
        self.logger = logger
        for (slot, transport) in machine.virtioTransports.enumerated() {
            let deviceID = transport.device.deviceID
            transport.onError = { [logger] error in
                logger.warning("virtio device needs reset", metadata: ["slot": "\(slot)", "device": "\(deviceID)", "reason": "\(error)"])
            }
        }
        let bootLogger = logger
        machine.bootTimer.onBoot = { nanoseconds in
            bootLogger.info("guest reached init", metadata: ["boot_ms": "\(Double(nanoseconds / 100_000) / 10)"])
        }
    }

    public convenience init(configuration: RISCVMachine.Configuration, boot: BootSource, console: ByteSink,
                            logger: Logger = VirtualMachine.quietLogger) throws {
        self.init(machine: try RISCVMachine(configuration: configuration, console: console), boot: boot, logger: logger)
        switch boot {
        case let .firmware(path):
            let loaded = try machine.loadFirmware(path: path)
            logger.info("firmware loaded", metadata: ["path": "\(path)", "entry": "0x\(String(loaded.entry, radix: 16))",
                                                      "htif": "\(loaded.symbols["tohost"] != nil)"])
        case let .linux(kernel, initrd, bootArguments):
            let layout = try machine.loadLinux(kernelPath: kernel, initrdPath: initrd, bootArguments: bootArguments)
            logger.info("kernel loaded", metadata: [
                "kernel": "\(kernel)", "at": "0x\(String(layout.kernel, radix: 16))",
                "dtb": "0x\(String(layout.deviceTree, radix: 16))",
                "initrd": "\(layout.initrd.map { "0x\(String($0.lowerBound, radix: 16))" } ?? "none")",
            ])
        case let .extlinux(disk, bootArguments):
            let entry = try ExtlinuxBoot(disk: disk, limit: configuration.memoryInBytes)
            let name = "\(disk.path):\(entry.location.partition.map { "\($0):" } ?? "")"
            let layout = try machine.loadLinux(kernel: BootFile(name: name + entry.kernelPath, bytes: entry.kernel),
                                               initrd: entry.initrd.map { BootFile(name: name + "initrd", bytes: $0) },
                                               bootArguments: bootArguments ?? entry.bootArguments)
            logger.info("kernel loaded from the disk's extlinux.conf", metadata: [
                "disk": "\(disk.path)", "partition": "\(entry.location.partition.map(String.init) ?? "none")",
                "configuration": "\(entry.location.path)", "label": "\(entry.label)", "kernel": "\(entry.kernelPath)",
                "at": "0x\(String(layout.kernel, radix: 16))",
            ])
        case let .firmwareWithLinux(firmware, kernel, initrd, bootArguments):
            try machine.loadFirmwareAndLinux(firmwarePath: firmware, kernelPath: kernel, initrdPath: initrd,
                                             bootArguments: bootArguments)
            logger.info("firmware and kernel loaded", metadata: ["firmware": "\(firmware)", "kernel": "\(kernel)"])
        }
        logger.info("machine created", metadata: [
            "harts": "\(configuration.hartCount)", "memory": "\(configuration.memoryInBytes >> 20) MiB",
        ])
    }

    /// Runs until the guest powers off, resets or crashes, or `stop` is called.
    public func run() throws -> MachineRun {
        let start = HostClock.monotonicNanoseconds()
        let outcome = try machine.run()
        let seconds = Double(HostClock.monotonicNanoseconds() - start) / 1e9
        logger.info("machine stopped", metadata: [
            "outcome": "\(outcome)", "instructions": "\(machine.instructionsRetired)", "seconds": "\(seconds)",
        ])
        return MachineRun(outcome: outcome, instructionsRetired: machine.instructionsRetired, seconds: seconds,
                          bootNanoseconds: machine.bootTimer.bootNanoseconds, engine: machine.engine.rawValue)
    }

    /// Pauses the VM: every hart stops at an instruction boundary, guest time freezes,
    /// and every device finishes the I/O in flight and starts nothing new (frames that
    /// arrive wait, notifications are held), so guest memory does not change. False if
    /// the harts did not all stop (the VM then runs on).
    @discardableResult
    public func pause() -> Bool {
        guard machine.context.pause() else { return false }
        for transport in machine.virtioTransports { transport.quiesce() }
        return true
    }

    /// Resumes a paused VM: the devices look at their queues for what was held, then
    /// the harts go on.
    public func resume() {
        guard machine.context.pauseRequested.load(ordering: .acquiring) else { return }
        for transport in machine.virtioTransports { transport.reexamineQueues() }
        machine.context.resume()
    }

    public var isPaused: Bool { machine.context.isPaused }

    /// Stops every hart at its next block boundary.
    public func stop() {
        machine.context.stop()
    }

    /// Bytes typed on the host console, for the guest's UART.
    public func type(_ bytes: [UInt8]) {
        machine.uart.receive(bytes)
    }

    /// Installs an interposition policy (nil removes it): from now on the VM's
    /// interposer allows, denies, audits or rate-limits what its rules match.
    public func install(policy: InterpositionPolicy?) {
        machine.context.interposer.install(policy)
    }

    /// Asks the guest to shut down as cleanly as it can without an agent: magic SysRq
    /// over the console (a break, then a key), `s` (sync), `u` (remount read-only), `o`
    /// (power off, which ends in SBI SRST). A guest without SysRq ignores it; the
    /// caller forces a stop after its own timeout.
    public func requestPowerdown() {
        let uart = machine.uart
        (try? HostThread.start(name: "powerdown") {
            for key in "suo".utf8 {
                uart.receiveBreak()
                uart.receive([key])
                HostClock.sleep(nanoseconds: 200_000_000)  // each SysRq action runs as deferred work
            }
        })?.detach()
    }

    /// Asks the guest to give `bytes` of its RAM back to the host (0 deflates completely).
    /// Returns false when the machine has no balloon.
    @discardableResult
    public func setBalloonTarget(bytes: UInt64) -> Bool {
        guard let (balloon, transport) = machine.balloon else { return false }
        balloon.setTarget(pages: UInt32(min(bytes / VirtioBalloon.pageSize, UInt64(UInt32.max))), transport: transport)
        return true
    }

    /// The monitor's `info registers`: every hart's pc, privilege and integer registers.
    public func registerDump() -> String {
        machine.harts.map { $0.registerDump() }.joined(separator: "\n")
    }
}
